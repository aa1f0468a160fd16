import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostBudget

/// The stripes of ``MemoryBudgetStore``: allotments of quiet headroom that threads hold against
/// without the shared lock must leave every decision, total and expiry as the store without them.
@Suite("In-memory budget store: stripes")
struct StripedStoreTests {
    typealias F = Fixture
    static let start = Fixture.date("2026-05-10T12:00:00Z")

    static func request(_ estimate: String, user: String? = nil) -> BudgetRequest {
        BudgetRequest(
            provider: "acme", model: "acme-pro", dimensions: UsageDimensions(user: user),
            estimate: BudgetCharge(cost: F.money(estimate)), priority: .critical)
    }

    static func store(_ striping: MemoryBudgetStore.Striping, clock: TestClock) -> MemoryBudgetStore {
        MemoryBudgetStore(now: clock.function, striping: striping)
    }

    /// A store that stripes from the start and one that never does, on one clock, with the same budgets.
    static func twins(_ budgets: [Budget]) async -> (striped: MemoryBudgetStore, plain: MemoryBudgetStore, clock: TestClock) {
        let clock = TestClock(Self.start)
        let twins = (store(.always, clock: clock), store(.never, clock: clock))
        for budget in budgets {
            await twins.0.setBudget(budget)
            await twins.1.setBudget(budget)
        }
        return (twins.0, twins.1, clock)
    }

    /// Runs `body` on `threads` OS threads and waits for them, at most `seconds` (then the test fails).
    static func onThreads(_ threads: Int, seconds: Double = 120, _ body: @escaping @Sendable (Int) -> Void) async {
        let done = DispatchSemaphore(value: 0)
        for index in 0..<threads {
            Thread {
                body(index)
                done.signal()
            }.start()
        }
        let finished: Bool = await withCheckedContinuation { continuation in
            Thread {
                let deadline = DispatchTime.now() + seconds
                var all = true
                for _ in 0..<threads where done.wait(timeout: deadline) == .timedOut { all = false }
                continuation.resume(returning: all)
            }.start()
        }
        #expect(finished, "watchdog: the threads did not finish within \(seconds) s")
    }

    @Test("16 OS threads × 5,000 reservations on stripes: spend stops exactly before the hard stop")
    func exactEstimates() async throws {
        let clock = TestClock(Self.start)
        let store = Self.store(.always, clock: clock)
        try await store.setBudget(F.budget("guarded", profile: LadderProfile.standard.disabling([.throttling])))
        let passed = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        await Self.onThreads(16) { _ in
            for _ in 0..<5_000 {
                do {
                    guard let hold = try store.reserveNow(Self.request("0.01"), policy: BudgetPolicy()).hold else { continue }
                    _ = try store.commitNow(hold, actual: hold.charge)
                    passed.add(1, ordering: .relaxed)
                } catch {
                    failed.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failed.load(ordering: .relaxed) == 0)
        #expect(passed.load(ordering: .relaxed) == 10_999)
        let state = try #require(try await store.state(of: "guarded"))
        #expect(state.spent.cost == F.money("109.99") && state.held == .zero)
        #expect(await store.openHolds.isEmpty)
    }

    @Test("16 OS threads on stripes with actuals above estimates: the excess stays within one overrun per thread")
    func overruns() async throws {
        let clock = TestClock(Self.start)
        let store = Self.store(.always, clock: clock)
        try await store.setBudget(F.budget("guarded", profile: LadderProfile.standard.disabling([.throttling])))
        let maxOverrun = F.money("0.005")
        await Self.onThreads(16) { thread in
            for i in 0..<5_000 {
                guard let hold = try? store.reserveNow(Self.request("0.01"), policy: BudgetPolicy()).hold else { continue }
                let overrun = Money(units: maxOverrun.units * Int128((i &* 7_919 &+ thread &* 104_729) % 5_001) / 5_000)
                _ = try? store.commitNow(hold, actual: BudgetCharge(cost: hold.charge.cost + overrun))
            }
        }
        let state = try #require(try await store.state(of: "guarded"))
        #expect(state.spent.cost >= F.money("109.99"))
        // as without stripes: at most the overruns of the holds open when the last one was admitted
        #expect(state.spent.cost <= F.money("110") + Money(units: maxOverrun.units * 16))
        #expect(state.held == .zero)
    }

    @Test("holds spread over stripes up to 69.9% and the request reaching 70%: the same decisions as without stripes")
    func reclaimAtTheWarning() async throws {
        let (striped, plain, _) = await Self.twins(
            [try F.budget("org", dollars: 100), try F.budget("ana", scope: BudgetScope(.user("ana")), dollars: 1_000)])
        let request = Self.request("0.10", user: "ana")
        var holds: [BudgetHold] = []
        for i in 0..<699 {
            let got = try striped.reserveNow(request, policy: BudgetPolicy(), ttl: .seconds(300), stripe: i % 8)
            let want = try plain.reserveNow(request, policy: BudgetPolicy(), ttl: .seconds(300), stripe: nil)
            #expect(got.decision.action == want.decision.action && got.decision.deciding?.level == want.decision.deciding?.level)
            #expect(got.decision.verdicts.map(\.level) == want.decision.verdicts.map(\.level))
            #expect(got.hold?.budgets == want.hold?.budgets)
            holds.append(try #require(got.hold))
        }
        // 69.9% held: the next $0.10 reaches 70%, the warning, on whichever stripe it comes
        let got = try striped.reserveNow(request, policy: BudgetPolicy(), ttl: .seconds(300), stripe: 5)
        let want = try plain.reserveNow(request, policy: BudgetPolicy(), ttl: .seconds(300), stripe: nil)
        #expect(got.decision == want.decision)
        #expect(got.decision.deciding?.level == .warning)
        let orgState = try #require(try await striped.state(of: "org"))
        let plainState = try #require(try await plain.state(of: "org"))
        #expect(orgState.held == plainState.held && orgState.held.cost == F.money("70"))
        // commits of holds from every stripe (now folded) settle exactly
        for hold in holds { _ = try striped.commitNow(hold, actual: BudgetCharge(cost: F.money("0.05"))) }
        let settled = try #require(try await striped.state(of: "org"))
        #expect(settled.spent.cost == F.money("34.95") && settled.held.cost == F.money("0.10"))
    }

    @Test("status totals count what stripes hold and spent, with allotments out")
    func totalsWithAllotments() async throws {
        let clock = TestClock(Self.start)
        let store = Self.store(.always, clock: clock)
        try await store.setBudget(F.budget("org", dollars: 1_000))
        try await store.setBudget(F.budget("ana", scope: BudgetScope(.user("ana")), period: .rolling(hours: 1)))
        var open: [BudgetHold] = []
        for i in 0..<40 {
            let hold = try #require(
                try store.reserveNow(Self.request("1", user: "ana"), policy: BudgetPolicy(), ttl: .seconds(4 * 3600), stripe: i % 4).hold)
            #expect(BudgetAccounts.HoldID(hold.id, prefix: Self.prefix(of: hold))?.table == i % 4 + 1)
            if i % 2 == 0 { _ = try store.commitNow(hold, actual: BudgetCharge(cost: F.money("0.5"))) } else { open.append(hold) }
            clock.advance(by: 60)
        }
        let org = try #require(try await store.state(of: "org"))
        #expect(org.spent.cost == F.money("10") && org.held.cost == F.money("20"))
        #expect(await store.openHolds.count == 20)
        // the rolling hour: commits at minutes 0, 2, …, 38; at minute 79 (and a second) those of
        // minutes 0…18 have aged out
        clock.advance(by: 39 * 60 + 1)
        let ana = try #require(try await store.state(of: "ana"))
        #expect(ana.spent.cost == F.money("5") && ana.held.cost == F.money("20"))
        // the folded holds settle, and the stripes take new allotments afterwards
        for hold in open { _ = try store.commitNow(hold, actual: hold.charge) }
        _ = try store.reserveNow(Self.request("1", user: "ana"), policy: BudgetPolicy(), ttl: .seconds(300), stripe: 3)
        let after = try #require(try await store.state(of: "org"))
        #expect(after.spent.cost == F.money("30") && after.held.cost == F.money("1"))
    }

    @Test("a rolling window counted on stripes that fold again and again ages out as without stripes")
    func rollingRefolds() async throws {
        let (striped, plain, clock) = await Self.twins([try F.budget("hour", period: .rolling(hours: 1))])
        for i in 0..<5_000 {
            for (store, stripe) in [(striped, i % 3), (plain, nil)] {
                let hold = try #require(
                    try store.reserveNow(Self.request("0.01"), policy: BudgetPolicy(), ttl: .seconds(300), stripe: stripe).hold)
                _ = try store.commitNow(hold, actual: hold.charge)
            }
            clock.advance(by: 1)
        }
        // charges at seconds 0…4,999; at 5,000 those at or before second 1,400 have aged out
        let got = try #require(try await striped.state(of: "hour"))
        let want = try #require(try await plain.state(of: "hour"))
        #expect(got.spent == want.spent && got.spent.cost == F.money("35.99") && got.held == .zero)
    }

    @Test("spend rebuilt from the ledger replaces what stripes had counted; their open holds still count")
    func replaceSpendWithAllotments() async throws {
        let (striped, plain, _) = await Self.twins([try F.budget("org", dollars: 1_000)])
        for store in [striped, plain] {
            for i in 0..<12 {
                let hold = try #require(
                    try store.reserveNow(Self.request("2"), policy: BudgetPolicy(), ttl: .seconds(300), stripe: i % 4).hold)
                if i % 3 == 0 { _ = try store.commitNow(hold, actual: BudgetCharge(cost: F.money("1"))) }
            }
            let window = try #require(try await store.state(of: "org")?.window)
            #expect(try await store.replaceSpend(of: "org", with: BudgetSpend(window: window, total: BudgetCharge(cost: F.money("7")))))
        }
        let got = try #require(try await striped.state(of: "org"))
        let want = try #require(try await plain.state(of: "org"))
        #expect(got.spent == want.spent && got.held == want.held)
        #expect(got.spent.cost == F.money("7") && got.held.cost == F.money("16"))
    }

    static func prefix(of hold: BudgetHold) -> UInt64 {
        hold.id.halves.high & 0xFFFF_FFFF_0000_F000
    }

    @Test("a hold on a stripe expires after its TTL, on the stripe and once folded")
    func expiry() async throws {
        let clock = TestClock(Self.start)
        let store = Self.store(.always, clock: clock)
        try await store.setBudget(F.budget("org", dollars: 100))
        let first = try #require(try store.reserveNow(Self.request("2"), policy: BudgetPolicy(), ttl: .seconds(10), stripe: 1).hold)
        clock.advance(by: 11)
        // the stripe drops the expired hold itself before the next reservation on it
        let second = try #require(try store.reserveNow(Self.request("3"), policy: BudgetPolicy(), ttl: .seconds(10), stripe: 1).hold)
        let state = try #require(try await store.state(of: "org"))
        #expect(state.held.cost == F.money("3"))
        // the second hold was folded by the status; it expires in the shared accounts
        clock.advance(by: 11)
        #expect(try #require(try await store.state(of: "org")).held == .zero)
        #expect(await store.openHolds.isEmpty)
        let late = try store.commitNow(first, actual: BudgetCharge(cost: F.money("1")))
        #expect(late.holdWasExpired)
        #expect(try store.releaseNow(second) == false)
        #expect(try #require(try await store.state(of: "org")).spent.cost == F.money("1"))
    }

    @Test("without contention the store does not stripe; with it, it does")
    func adaptive() async throws {
        let clock = TestClock(Self.start)
        let store = Self.store(.adaptive, clock: clock)
        try await store.setBudget(F.budget("org", dollars: 1_000_000))
        for _ in 0..<1_000 {
            let hold = try #require(try store.reserveNow(Self.request("0.01"), policy: BudgetPolicy()).hold)
            #expect(BudgetAccounts.HoldID(hold.id, prefix: Self.prefix(of: hold))?.table == 0)
            _ = try store.commitNow(hold, actual: hold.charge)
        }
        await Self.onThreads(4) { _ in
            for _ in 0..<20_000 {
                if let hold = try? store.reserveNow(Self.request("0.01"), policy: BudgetPolicy()).hold {
                    _ = try? store.commitNow(hold, actual: hold.charge)
                }
            }
        }
        let state = try #require(try await store.state(of: "org"))
        #expect(state.spent.cost == F.money("810") && state.held == .zero)
    }

    // Found in review (2026-11-23): a stripe's expired holds were folded into the shared counters
    // and counted by the decision right after the fold.

    @Test("a stripe's hold past its TTL does not count in the next decision, on another stripe or its own")
    func expiredStripeHoldsDoNotCount() async throws {
        for (estimate, user, stripe) in [("20", nil as String?, 1), ("50", nil, 1), ("20", "bob", 0)] {
            let (striped, plain, clock) = await Self.twins([try F.budget("org", dollars: 100)])
            _ = try striped.reserveNow(Self.request("60", user: user == nil ? nil : "ana"), policy: BudgetPolicy(), ttl: .seconds(10), stripe: 0)
            _ = try plain.reserveNow(Self.request("60", user: user == nil ? nil : "ana"), policy: BudgetPolicy(), ttl: .seconds(10), stripe: nil)
            clock.advance(by: 11)
            let got = try striped.reserveNow(Self.request(estimate, user: user), policy: BudgetPolicy(), ttl: .seconds(300), stripe: stripe)
            let want = try plain.reserveNow(Self.request(estimate, user: user), policy: BudgetPolicy(), ttl: .seconds(300), stripe: nil)
            #expect(got.decision.action == want.decision.action, "\(estimate) on stripe \(stripe)")
            #expect(got.decision.deciding?.level == want.decision.deciding?.level, "\(estimate) on stripe \(stripe)")
            #expect((got.hold == nil) == (want.hold == nil))
        }
    }

    @Test("a stripe's hold committed after its TTL and its period ended is reported expired, as without stripes")
    func expiredAcrossPeriod() async throws {
        let (striped, plain, clock) = await Self.twins([try F.budget("org", dollars: 100)])
        clock.set(F.date("2026-05-31T23:59:55Z"))
        let h1 = try #require(try striped.reserveNow(Self.request("1"), policy: BudgetPolicy(), ttl: .seconds(10), stripe: 0).hold)
        let h2 = try #require(try plain.reserveNow(Self.request("1"), policy: BudgetPolicy(), ttl: .seconds(10), stripe: nil).hold)
        clock.advance(by: 20)
        let c1 = try striped.commitNow(h1, actual: h1.charge)
        let c2 = try plain.commitNow(h2, actual: h2.charge)
        #expect(c1.holdWasExpired && c2.holdWasExpired)
    }
}
