import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostBudget

/// The synchronous calls of ``MemoryBudgetStore`` and what its fast path must keep: hold ids that
/// find their slot, the cached match of the last request, the exact choice of the deciding budget.
@Suite("In-memory budget store: synchronous path")
struct SynchronousStoreTests {
    typealias F = Fixture
    static let start = Fixture.date("2026-05-10T12:00:00Z")

    static func request(_ estimate: String, team: String? = nil, user: String? = nil) -> BudgetRequest {
        BudgetRequest(
            provider: "acme", model: "acme-pro", dimensions: UsageDimensions(team: team, user: user),
            estimate: BudgetCharge(cost: F.money(estimate)), priority: .critical)
    }

    /// Counts from OS threads.
    final class Tally: Sendable {
        let passed = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let running: Atomic<Int>

        init(threads: Int) { running = Atomic(threads) }
    }

    @Test("8 OS threads × 2,000 reservations through reserveNow/commitNow: spend stops exactly before the hard stop")
    func threads() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget("guarded", profile: LadderProfile.standard.disabling([.throttling])))
        let tally = Tally(threads: 8)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            for _ in 0..<8 {
                Thread {
                    for _ in 0..<2_000 {
                        do {
                            guard let hold = try store.reserveNow(Self.request("0.01"), policy: BudgetPolicy()).hold
                            else { continue }
                            _ = try store.commitNow(hold, actual: hold.charge)
                            tally.passed.add(1, ordering: .relaxed)
                        } catch {
                            tally.failed.add(1, ordering: .relaxed)
                        }
                    }
                    if tally.running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { finished.resume() }
                }.start()
            }
        }
        #expect(tally.failed.load(ordering: .relaxed) == 0)
        // $109.99 is the last total below 110% of $100: 10,999 requests of $0.01, the rest refused
        #expect(tally.passed.load(ordering: .relaxed) == 10_999)
        let state = try #require(try await store.state(of: "guarded"))
        #expect(state.spent.cost == F.money("109.99") && state.held == .zero)
    }

    @Test("a hold settles once: a second commit or a hold of another store is recorded as spend, not as an open hold")
    func holdIdentity() async throws {
        let a = MemoryBudgetStore(now: TestClock(Self.start).function)
        let b = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await a.setBudget(F.budget())
        try await b.setBudget(F.budget())
        let first = try #require(try a.reserveNow(Self.request("1"), policy: BudgetPolicy()).hold)
        #expect(try !a.commitNow(first, actual: first.charge).holdWasExpired)
        // the slot of the first hold is reused by the second; the first's id no longer finds it
        let second = try #require(try a.reserveNow(Self.request("2"), policy: BudgetPolicy()).hold)
        #expect(second.id != first.id)
        #expect(try !a.releaseNow(first))
        #expect(await a.openHolds.map(\.id) == [second.id])
        // a hold made by store a is not open in store b; its spend is recorded there by budget name
        #expect(try b.commitNow(second, actual: second.charge).holdWasExpired)
        #expect(try await b.state(of: "b")?.spent.cost == F.money("2"))
        #expect(try await a.state(of: "b")?.held.cost == F.money("2"))
        #expect(try a.releaseNow(second))
        #expect(try await a.state(of: "b")?.held == .zero)
    }

    @Test("hold ids keep the version-4 and variant bits and stay distinct across many slots")
    func holdIDs() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        var holds: [BudgetHold] = []
        for _ in 0..<5_000 {
            holds.append(try #require(try store.reserveNow(Self.request("0.01"), policy: BudgetPolicy()).hold))
        }
        #expect(Set(holds.map(\.id)).count == 5_000)
        for hold in [holds[0], holds[4_097], holds[4_999]] {
            let text = Array(hold.id.uuidString)
            #expect(text[14] == "4" && "89AB".contains(text[19]))
        }
        // every one of them is found again (slots past 4,095 use the upper bits)
        for hold in holds.reversed() { #expect(try store.releaseNow(hold)) }
        #expect(await store.openHolds.isEmpty)
    }

    @Test("the cached match of the last request follows budget changes")
    func matchCache() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget("team", scope: BudgetScope(.team("growth"))))
        let request = Self.request("1", team: "growth", user: "ana")
        #expect(try store.reserveNow(request, policy: BudgetPolicy()).hold?.budgets == ["team"])
        try await store.setBudget(F.budget("team", scope: BudgetScope(.team("ops"))))
        #expect(try store.reserveNow(request, policy: BudgetPolicy()).hold?.budgets == [])
        try await store.setBudget(F.budget("ana", scope: BudgetScope(.user("ana"))))
        try await store.setBudget(F.budget("acme", scope: BudgetScope(.user("ana"), provider: "ACME")))
        try await store.setBudget(F.budget("beta", scope: BudgetScope(.user("ana"), provider: "beta")))
        #expect(try store.reserveNow(request, policy: BudgetPolicy()).hold?.budgets == ["acme", "ana"])
        var other = request
        other.provider = "beta"
        #expect(try store.reserveNow(other, policy: BudgetPolicy()).hold?.budgets == ["ana", "beta"])
        #expect(await store.removeBudget(named: "ana"))
        #expect(try store.reserveNow(other, policy: BudgetPolicy()).hold?.budgets == ["beta"])
    }

    @Test("the deciding budget is the more used one, exactly, even where 128-bit cross products overflow")
    func exactTieBreak() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        let billion = try Money(dollars: 1_000_000_000).units  // 10^27 units: used × limit needs 256 bits
        let zone = F.zone("UTC")
        try await store.setBudget(Budget(name: "a", limit: .money(Money(units: billion + 1)), period: .monthly(in: zone)))
        try await store.setBudget(Budget(name: "b", limit: .money(Money(units: billion)), period: .monthly(in: zone)))
        let reservation = try store.reserveNow(Self.request("1"), policy: BudgetPolicy())
        // as Doubles both utilizations are the same; b's limit is one unit smaller, so b is more used
        let verdicts = reservation.decision.verdicts
        #expect(verdicts.count == 2 && verdicts[0].utilization == verdicts[1].utilization)
        #expect(reservation.decision.deciding?.budget == "b")
        #expect(reservation.decision.action == .allow && reservation.hold?.budgets == ["a", "b"])
    }

    @Test(
        "at the mildest level's edge the store's quick check agrees with the ladder, exactly",
        arguments: [(999, 699), (999, 700), (1_000, 699), (1_000, 700), (3, 2), (3, 3), (7, 4), (7, 5)])
    func quietEdge(limit: Int, tokens: Int) async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        let budget = try Budget(name: "t", limit: .tokens(limit), period: .monthly(in: F.zone("UTC")))
        await store.setBudget(budget)
        let request = BudgetRequest(
            provider: "acme", model: "acme-pro", estimate: BudgetCharge(cost: .zero, tokens: tokens), priority: .critical)
        let state = try #require(try await store.state(of: "t"))
        let expected = try BudgetPolicy().decide(request, states: [state], at: Self.start)
        let decision = try store.reserveNow(request, policy: BudgetPolicy()).decision
        #expect(decision == expected)
        // 70% of the limit is where the warning starts
        #expect((decision.action == .allow) == (tokens * 10 < limit * 7))
    }

    @Test("below every level the store decides as the policy does: the same verdicts, reasons and deciding budget")
    func quietPathMatchesPolicy() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget("org", dollars: 1_000))
        try await store.setBudget(F.budget("team", scope: BudgetScope(.team("growth")), dollars: 100))
        try await store.setBudget(F.budget("ana", scope: BudgetScope(.user("ana")), period: .rolling(hours: 24)))
        let request = Self.request("3", team: "growth", user: "ana")
        var states: [BudgetState] = []
        for name in ["ana", "org", "team"] { states.append(try #require(try await store.state(of: name))) }
        let expected = try BudgetPolicy().decide(request, states: states, at: Self.start)
        let reservation = try store.reserveNow(request, policy: BudgetPolicy())
        #expect(reservation.decision == expected)
        #expect(reservation.hold?.budgets == ["ana", "org", "team"])
        #expect(reservation.hold?.expiresAt == Self.start.addingTimeInterval(300))
    }
}
