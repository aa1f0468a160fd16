import CostPricing
import Foundation
import Testing

@testable import CostBudget

@Suite("In-memory budget store")
struct MemoryBudgetStoreTests {
    typealias F = Fixture
    static let start = Fixture.date("2026-03-31T23:00:00Z")

    static func request(_ estimate: String, team: String? = nil, priority: RequestPriority = .normal) -> BudgetRequest {
        BudgetRequest(
            provider: "acme", model: "acme-pro", dimensions: UsageDimensions(team: team),
            estimate: BudgetCharge(cost: F.money(estimate)), priority: priority)
    }

    static func actual(_ cost: String) -> BudgetCharge { BudgetCharge(cost: F.money(cost)) }

    @Test("reserve holds the estimate; commit records the actual, above the estimate too, and settles the hold")
    func reserveCommit() async throws {
        let clock = TestClock(Self.start)
        let store = MemoryBudgetStore(now: clock.function)
        try await store.setBudget(F.budget())
        let reservation = try await store.reserve(Self.request("2.50"), policy: BudgetPolicy())
        let hold = try #require(reservation.hold)
        #expect(hold.budgets == ["b"] && hold.charge.cost == F.money("2.5"))
        var state = try #require(try await store.state(of: "b"))
        #expect(state.held.cost == F.money("2.5") && state.spent.cost == .zero)
        let commit = try await store.commit(hold, actual: Self.actual("3.10"))
        #expect(commit.overrun == F.money("0.6") && !commit.holdWasExpired)
        state = try #require(try await store.state(of: "b"))
        #expect(state.held.cost == .zero && state.spent.cost == F.money("3.1"))
        #expect(state.spent.requests == 1)
        #expect(await store.openHolds.isEmpty)
    }

    @Test("release gives the estimate back once; a second release is a no-op")
    func release() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget())
        let hold = try #require(try await store.reserve(Self.request("7"), policy: BudgetPolicy()).hold)
        #expect(try await store.release(hold))
        #expect(try await !store.release(hold))
        let state = try #require(try await store.state(of: "b"))
        #expect(state.held == .zero && state.spent == .zero)
    }

    @Test("holds expire after their TTL; a late commit is still recorded as spend")
    func expiry() async throws {
        let clock = TestClock(Self.start)
        let store = MemoryBudgetStore(now: clock.function)
        try await store.setBudget(F.budget())
        let hold = try #require(try await store.reserve(Self.request("60"), policy: BudgetPolicy(), ttl: .seconds(30)).hold)
        #expect(hold.expiresAt == Self.start.addingTimeInterval(30))
        clock.advance(by: 29)
        #expect(try await store.state(of: "b")?.held.cost == F.money("60"))
        clock.advance(by: 1)
        #expect(try await store.state(of: "b")?.held.cost == .zero)
        #expect(try await !store.release(hold))
        let commit = try await store.commit(hold, actual: Self.actual("59"))
        #expect(commit.holdWasExpired)
        let state = try #require(try await store.state(of: "b"))
        #expect(state.spent.cost == F.money("59") && state.held.cost == .zero)
    }

    @Test("a hold counts against every applicable budget, and a refusal by one leaves no hold anywhere")
    func atomicAcrossBudgets() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget("org", dollars: 1000))
        try await store.setBudget(F.budget("team", scope: BudgetScope(.team("growth")), dollars: 10))
        try await store.setBudget(F.budget("ops", scope: BudgetScope(.team("ops")), dollars: 10))
        let first = try await store.reserve(Self.request("4", team: "growth"), policy: BudgetPolicy())
        #expect(first.hold?.budgets == ["org", "team"])
        #expect(try await store.state(of: "org")?.held.cost == F.money("4"))
        #expect(try await store.state(of: "team")?.held.cost == F.money("4"))
        #expect(try await store.state(of: "ops")?.held.cost == .zero)
        // 4 + 7 = 11 of 10 is 110%: the team budget stops it, so the org budget holds nothing more
        let second = try await store.reserve(Self.request("7", team: "growth"), policy: BudgetPolicy())
        #expect(second.hold == nil)
        #expect(second.decision.deciding?.budget == "team" && second.decision.deciding?.level == .hardStop)
        #expect(try await store.state(of: "org")?.held.cost == F.money("4"))
    }

    @Test("a calendar period resets at its boundary; a rolling window ages spend out")
    func periods() async throws {
        let clock = TestClock(F.date("2026-03-31T21:00:00Z"))  // 23:00 in Berlin
        let store = MemoryBudgetStore(now: clock.function)
        try await store.setBudget(F.budget("month", period: .monthly(in: F.zone("Europe/Berlin"))))
        try await store.setBudget(F.budget("hour", period: .rolling(hours: 1)))
        let a = try #require(try await store.reserve(Self.request("5"), policy: BudgetPolicy()).hold)
        _ = try await store.commit(a, actual: Self.actual("5"))
        clock.advance(by: 1800)  // 23:30 Berlin
        let b = try #require(try await store.reserve(Self.request("2"), policy: BudgetPolicy()).hold)
        _ = try await store.commit(b, actual: Self.actual("2"))
        #expect(try await store.state(of: "month")?.spent.cost == F.money("7"))
        #expect(try await store.state(of: "hour")?.spent.cost == F.money("7"))
        clock.advance(by: 1800)  // 00:00 on 1 April in Berlin; the first spend is exactly an hour old
        #expect(try await store.state(of: "month")?.spent.cost == .zero)
        #expect(try await store.state(of: "month")?.window?.start == F.date("2026-03-31T22:00:00Z"))
        #expect(try await store.state(of: "hour")?.spent.cost == F.money("2"))
        clock.advance(by: 1800)
        #expect(try await store.state(of: "hour")?.spent.cost == .zero)
    }

    @Test("throttling in the store: the bucket's tokens are taken by passing requests; the rest wait")
    func throttling() async throws {
        let clock = TestClock(Self.start)
        let store = MemoryBudgetStore(now: clock.function)
        try await store.setBudget(F.budget(throttle: ThrottleRate(requests: 1, per: .seconds(2), burst: 1)))
        let setup = try #require(try await store.reserve(Self.request("89.99"), policy: BudgetPolicy()).hold)
        _ = try await store.commit(setup, actual: Self.actual("89.99"))  // notification level: no token taken
        let first = try await store.reserve(Self.request("0.01"), policy: BudgetPolicy())
        #expect(first.decision.action == .throttle(wait: .zero) && first.hold != nil)
        let second = try await store.reserve(Self.request("0.01"), policy: BudgetPolicy())
        #expect(second.decision.action == .throttle(wait: .seconds(2)) && second.hold == nil)
        clock.advance(by: 1.5)
        #expect(try await store.reserve(Self.request("0.01"), policy: BudgetPolicy()).decision.action == .throttle(wait: .milliseconds(500)))
        clock.advance(by: 0.5)
        #expect(try await store.reserve(Self.request("0.01"), policy: BudgetPolicy()).hold != nil)
    }

    @Test("budgets are listed by name, replaced in place, removed with their spend")
    func definitions() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget("z"))
        try await store.setBudget(F.budget("a"))
        let hold = try #require(try await store.reserve(Self.request("1"), policy: BudgetPolicy()).hold)
        _ = try await store.commit(hold, actual: Self.actual("1"))
        try await store.setBudget(F.budget("a", dollars: 5))
        #expect(await store.budgets().map(\.name) == ["a", "z"])
        #expect(try await store.state(of: "a")?.spent.cost == F.money("1"))
        #expect(await store.removeBudget(named: "a"))
        #expect(await !store.removeBudget(named: "a"))
        #expect(try await store.state(of: "a") == nil)
    }

    @Test("a budget removed and added again while a hold is open starts clean; the hold settles on the rest")
    func removedWhileHeld() async throws {
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        try await store.setBudget(F.budget("a"))
        try await store.setBudget(F.budget("z"))
        let hold = try #require(try await store.reserve(Self.request("3"), policy: BudgetPolicy()).hold)
        #expect(await store.removeBudget(named: "a"))
        try await store.setBudget(F.budget("a"))
        _ = try await store.commit(hold, actual: Self.actual("2"))
        let a = try #require(try await store.state(of: "a"))
        #expect(a.held == .zero && a.spent.cost == F.money("2"))
        let z = try #require(try await store.state(of: "z"))
        #expect(z.held == .zero && z.spent.cost == F.money("2"))
    }
}
