import CostBudget
import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostSQLite

// MARK: - The two implementations

/// Every budget-store contract test runs once per implementation.
enum BudgetStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    /// SQLite with the live state in a memory-backed companion file (here in the test's directory).
    case sqliteMemoryBacked

    var testDescription: String { rawValue }
}

/// The stores' clock, moved by hand.
final class ManualClock: Sendable {
    private let instant: Mutex<Date>

    init(_ start: Date) { instant = Mutex(start) }

    func advance(by seconds: TimeInterval) { instant.withLock { $0 += seconds } }
    var now: @Sendable () -> Date { { [self] in instant.withLock { $0 } } }
}

/// Runs `body` with a fresh store of `kind` on `clock` (SQLite on a temporary file, removed afterwards).
func withBudgetStore(
    _ kind: BudgetStoreKind, clock: ManualClock, _ body: (any BudgetStore, TemporaryDirectory?) async throws -> Void
) async throws {
    switch kind {
    case .memory:
        try await body(MemoryBudgetStore(now: clock.now), nil)
    case .sqlite:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await body(SQLiteBudgetStore(path: directory.databasePath, now: clock.now), directory)
    case .sqliteMemoryBacked:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let live = SQLiteBudgetStore.LiveState.memoryBacked(directory: directory.url.appendingPathComponent("live").path)
        try await body(SQLiteBudgetStore(path: directory.databasePath, liveState: live, now: clock.now), directory)
    }
}

enum BudgetFixtures {
    static let start = Fixtures.date("2026-03-31T23:00:00Z")
    static let utc = Fixtures.utc

    static func money(_ text: String) -> Money { Money(text) ?? .zero }

    static func budget(
        _ name: String = "b", scope: BudgetScope = BudgetScope(.global), dollars: Int = 100,
        period: BudgetPeriod = .monthly(in: Fixtures.utc), profile: LadderProfile = .standard,
        throttle: ThrottleRate = .default
    ) throws -> Budget {
        try Budget(name: name, scope: scope, limit: .money(Money(dollars: dollars)), period: period, profile: profile, throttle: throttle)
    }

    static func request(_ estimate: String, team: String? = nil, priority: RequestPriority = .normal) -> BudgetRequest {
        BudgetRequest(
            provider: "acme", model: "acme-pro", dimensions: UsageDimensions(team: team),
            estimate: BudgetCharge(cost: money(estimate)), priority: priority)
    }

    static func actual(_ cost: String) -> BudgetCharge { BudgetCharge(cost: money(cost)) }
}

/// The behaviour every ``BudgetStore`` must have, checked on ``MemoryBudgetStore`` (the reference)
/// and ``SQLiteBudgetStore`` alike.
@Suite("Budget store contract")
struct BudgetStoreContractTests {
    typealias F = BudgetFixtures

    @Test("reserve holds the estimate; commit records the actual, above the estimate too, and settles the hold", arguments: BudgetStoreKind.allCases)
    func reserveCommit(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            try await store.setBudget(F.budget())
            let reservation = try await store.reserve(F.request("2.50"), policy: BudgetPolicy())
            let hold = try #require(reservation.hold)
            #expect(hold.budgets == ["b"] && hold.charge.cost == F.money("2.5"))
            var state = try #require(try await store.state(of: "b"))
            #expect(state.held.cost == F.money("2.5") && state.spent.cost == .zero)
            let commit = try await store.commit(hold, actual: F.actual("3.10"))
            #expect(commit.overrun == F.money("0.6") && !commit.holdWasExpired)
            state = try #require(try await store.state(of: "b"))
            #expect(state.held == .zero && state.spent.cost == F.money("3.1") && state.spent.requests == 1)
        }
    }

    @Test(
        "a caller whose instant is from before the current period (it read the clock, then waited for the lock) does not reset the period's spend",
        arguments: BudgetStoreKind.allCases)
    func staleInstantKeepsThePeriod(kind: BudgetStoreKind) async throws {
        // F.start is 23:00 UTC on 31 March: the daily period of 1 April begins an hour later
        let clock = ManualClock(F.start.addingTimeInterval(3_600 + 1))
        try await withBudgetStore(kind, clock: clock) { store, _ in
            try await store.setBudget(F.budget("day", dollars: 100, period: .daily(in: F.utc)))
            // another caller spends $5 in the new day first
            let first = try #require(try await store.reserve(F.request("5"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(first, actual: first.charge)
            // this caller read the clock a moment before midnight and reaches the store only now
            clock.advance(by: -2)
            let late = try #require(try await store.reserve(F.request("1"), policy: BudgetPolicy()).hold)
            clock.advance(by: 3)
            _ = try await store.commit(late, actual: late.charge)
            let state = try #require(try await store.state(of: "day"))
            #expect(state.spent.cost == F.money("6"), "the new day's $5 must not be reset by an instant from the day before")
            #expect(state.window?.start == F.start.addingTimeInterval(3_600))
        }
    }

    @Test("release gives the estimate back once; a second release is a no-op", arguments: BudgetStoreKind.allCases)
    func release(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            try await store.setBudget(F.budget())
            let hold = try #require(try await store.reserve(F.request("7"), policy: BudgetPolicy()).hold)
            #expect(try await store.release(hold))
            #expect(try await !store.release(hold))
            let state = try #require(try await store.state(of: "b"))
            #expect(state.held == .zero && state.spent == .zero)
        }
    }

    @Test("holds expire after their TTL; a late commit is still recorded as spend", arguments: BudgetStoreKind.allCases)
    func expiry(kind: BudgetStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withBudgetStore(kind, clock: clock) { store, _ in
            try await store.setBudget(F.budget())
            let hold = try #require(try await store.reserve(F.request("60"), policy: BudgetPolicy(), ttl: .seconds(30)).hold)
            #expect(hold.expiresAt == F.start.addingTimeInterval(30))
            clock.advance(by: 29)
            #expect(try await store.state(of: "b")?.held.cost == F.money("60"))
            clock.advance(by: 1)
            #expect(try await store.state(of: "b")?.held.cost == .zero)
            #expect(try await !store.release(hold))
            let commit = try await store.commit(hold, actual: F.actual("59"))
            #expect(commit.holdWasExpired)
            let state = try #require(try await store.state(of: "b"))
            #expect(state.spent.cost == F.money("59") && state.held.cost == .zero)
        }
    }

    @Test("a hold counts against every applicable budget, and a refusal by one leaves no hold anywhere", arguments: BudgetStoreKind.allCases)
    func atomicAcrossBudgets(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            try await store.setBudget(F.budget("org", dollars: 1000))
            try await store.setBudget(F.budget("team", scope: BudgetScope(.team("growth")), dollars: 10))
            try await store.setBudget(F.budget("ops", scope: BudgetScope(.team("ops")), dollars: 10))
            let first = try await store.reserve(F.request("4", team: "growth"), policy: BudgetPolicy())
            #expect(first.hold?.budgets == ["org", "team"])
            #expect(try await store.state(of: "org")?.held.cost == F.money("4"))
            #expect(try await store.state(of: "team")?.held.cost == F.money("4"))
            #expect(try await store.state(of: "ops")?.held.cost == .zero)
            // 4 + 7 = 11 of 10 is 110%: the team budget stops it, so the org budget holds nothing more
            let second = try await store.reserve(F.request("7", team: "growth"), policy: BudgetPolicy())
            #expect(second.hold == nil)
            #expect(second.decision.deciding?.budget == "team" && second.decision.deciding?.level == .hardStop)
            #expect(try await store.state(of: "org")?.held.cost == F.money("4"))
        }
    }

    @Test("a calendar period resets at its boundary; a rolling window ages spend out", arguments: BudgetStoreKind.allCases)
    func periods(kind: BudgetStoreKind) async throws {
        let clock = ManualClock(Fixtures.date("2026-03-31T21:00:00Z"))  // 23:00 in Berlin
        try await withBudgetStore(kind, clock: clock) { store, _ in
            try await store.setBudget(F.budget("month", period: .monthly(in: Fixtures.berlin)))
            try await store.setBudget(F.budget("hour", period: .rolling(hours: 1)))
            let a = try #require(try await store.reserve(F.request("5"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(a, actual: F.actual("5"))
            clock.advance(by: 1800)  // 23:30 Berlin
            let b = try #require(try await store.reserve(F.request("2"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(b, actual: F.actual("2"))
            #expect(try await store.state(of: "month")?.spent.cost == F.money("7"))
            #expect(try await store.state(of: "hour")?.spent.cost == F.money("7"))
            clock.advance(by: 1800)  // 00:00 on 1 April in Berlin; the first spend is exactly an hour old
            #expect(try await store.state(of: "month")?.spent.cost == .zero)
            #expect(try await store.state(of: "month")?.window?.start == Fixtures.date("2026-03-31T22:00:00Z"))
            #expect(try await store.state(of: "hour")?.spent.cost == F.money("2"))
            clock.advance(by: 1800)
            #expect(try await store.state(of: "hour")?.spent.cost == .zero)
        }
    }

    @Test("throttling: the bucket's tokens are taken by passing requests; the rest wait", arguments: BudgetStoreKind.allCases)
    func throttling(kind: BudgetStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withBudgetStore(kind, clock: clock) { store, _ in
            try await store.setBudget(F.budget(throttle: ThrottleRate(requests: 1, per: .seconds(2), burst: 1)))
            let setup = try #require(try await store.reserve(F.request("89.99"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(setup, actual: F.actual("89.99"))  // notification level: no token taken
            let first = try await store.reserve(F.request("0.01"), policy: BudgetPolicy())
            #expect(first.decision.action == .throttle(wait: .zero) && first.hold != nil)
            let second = try await store.reserve(F.request("0.01"), policy: BudgetPolicy())
            #expect(second.decision.action == .throttle(wait: .seconds(2)) && second.hold == nil)
            clock.advance(by: 1.5)
            #expect(try await store.reserve(F.request("0.01"), policy: BudgetPolicy()).decision.action == .throttle(wait: .milliseconds(500)))
            clock.advance(by: 0.5)
            #expect(try await store.reserve(F.request("0.01"), policy: BudgetPolicy()).hold != nil)
        }
    }

    @Test("budgets are listed by name, replaced in place (spend kept), removed with their spend", arguments: BudgetStoreKind.allCases)
    func definitions(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            try await store.setBudget(F.budget("z"))
            try await store.setBudget(F.budget("a"))
            let hold = try #require(try await store.reserve(F.request("1"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(hold, actual: F.actual("1"))
            try await store.setBudget(F.budget("a", dollars: 5))
            #expect(try await store.budgets().map(\.name) == ["a", "z"])
            #expect(try await store.budgets().first?.limit == .money(try Money(dollars: 5)))
            #expect(try await store.state(of: "a")?.spent.cost == F.money("1"))
            #expect(try await store.removeBudget(named: "a"))
            #expect(try await !store.removeBudget(named: "a"))
            #expect(try await store.state(of: "a") == nil)
        }
    }

    @Test("replacing a budget with another period starts its spend again", arguments: BudgetStoreKind.allCases)
    func periodChange(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            try await store.setBudget(F.budget("a", period: .rolling(hours: 5)))
            let hold = try #require(try await store.reserve(F.request("3"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(hold, actual: F.actual("3"))
            try await store.setBudget(F.budget("a", period: .rolling(hours: 6)))
            #expect(try await store.state(of: "a")?.spent == .zero)
            try await store.setBudget(F.budget("a", period: .rolling(hours: 5)))  // the old charge does not come back
            #expect(try await store.state(of: "a")?.spent == .zero)
        }
    }

    @Test("a budget removed and added again while a hold is open starts clean; the hold settles on the rest", arguments: BudgetStoreKind.allCases)
    func removedWhileHeld(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            try await store.setBudget(F.budget("a"))
            try await store.setBudget(F.budget("z"))
            let hold = try #require(try await store.reserve(F.request("3"), policy: BudgetPolicy()).hold)
            #expect(try await store.removeBudget(named: "a"))
            try await store.setBudget(F.budget("a"))
            _ = try await store.commit(hold, actual: F.actual("2"))
            let a = try #require(try await store.state(of: "a"))
            #expect(a.held == .zero && a.spent.cost == F.money("2"))
            let z = try #require(try await store.state(of: "z"))
            #expect(z.held == .zero && z.spent.cost == F.money("2"))
        }
    }

    @Test("replaceSpend sets a calendar budget's total, refuses a stale window, keeps a rolling budget's charges that are still inside", arguments: BudgetStoreKind.allCases)
    func replaceSpend(kind: BudgetStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withBudgetStore(kind, clock: clock) { store, _ in
            try await store.setBudget(F.budget("month"))
            try await store.setBudget(F.budget("hour", period: .rolling(hours: 1)))
            let held = try #require(try await store.reserve(F.request("4"), policy: BudgetPolicy()).hold)
            let march = try #require(BudgetPeriod.monthly(in: F.utc).window(containing: F.start))
            let total = BudgetCharge(cost: F.money("12.5"), tokens: 900, requests: 7)
            #expect(try await store.replaceSpend(of: "month", with: BudgetSpend(window: march, total: total)))
            var month = try #require(try await store.state(of: "month"))
            #expect(month.spent == total && month.held == held.charge)
            let february = try #require(BudgetPeriod.monthly(in: F.utc).window(containing: Fixtures.date("2026-02-10T00:00:00Z")))
            await #expect(throws: BudgetError.self) {
                _ = try await store.replaceSpend(of: "month", with: BudgetSpend(window: february, total: total))
            }
            let window = try #require(BudgetPeriod.rolling(hours: 1).window(containing: F.start))
            let spend = try BudgetSpend(window: window, entries: [
                BudgetSpend.Entry(at: F.start.addingTimeInterval(-3000), charge: F.actual("1")),
                BudgetSpend.Entry(at: F.start.addingTimeInterval(-60), charge: F.actual("2")),
            ])
            #expect(try await store.replaceSpend(of: "hour", with: spend))
            #expect(try await store.state(of: "hour")?.spent.cost == F.money("3"))
            clock.advance(by: 600)  // the first charge ages out, the second stays
            #expect(try await store.state(of: "hour")?.spent.cost == F.money("2"))
            #expect(try await !store.replaceSpend(of: "none", with: spend))
            month = try #require(try await store.state(of: "month"))
            #expect(month.spent == total)
        }
    }

    @Test("definitions round-trip exactly: scopes, limits, periods with their zones, custom ladders, throttles, queue delays", arguments: BudgetStoreKind.allCases)
    func roundTrip(kind: BudgetStoreKind) async throws {
        let budgets = try Self.variedBudgets()
        try await withBudgetStore(kind, clock: ManualClock(F.start)) { store, _ in
            for budget in budgets { try await store.setBudget(budget) }
            #expect(try await store.budgets() == budgets.sorted { $0.name < $1.name })
        }
    }

    /// Every shape a definition can take.
    static func variedBudgets() throws -> [Budget] {
        let ladder = try LadderProfile.custom([.notification: Threshold(basisPoints: 4_950), .emergency: 95, .hardStop: 150], name: "mine")
        return [
            try Budget(
                name: "tag", scope: BudgetScope(.tag(key: "env", value: "prod"), provider: "OpenAI", model: "gpt-4o"),
                limit: .tokens(5_000_000), period: .weekly(in: Fixtures.zone("America/New_York"), firstWeekday: 1), profile: ladder,
                throttle: ThrottleRate(requests: 3, per: .milliseconds(1_500), burst: 7), queueRetryAfter: .milliseconds(2_250)),
            try Budget(
                name: "key", scope: BudgetScope(.key("key_1")), limit: .requests(10_000), period: .rolling(hours: 5),
                profile: LadderProfile.premium.disabling([.warning])),
            try Budget(
                name: "custom", scope: BudgetScope(.project("apollo")), limit: .money(F.money("1234.567890123456789")),
                period: .custom(start: Fixtures.date("2026-01-01T00:00:00Z"), end: Date(timeIntervalSinceReferenceDate: 800_000_000.123456)),
                profile: .enterprise),
            try Budget(name: "org", scope: BudgetScope(.org("acme")), limit: .money(try Money(dollars: 1)), period: .quarterly(in: Fixtures.kolkata), profile: .free),
            try Budget(name: "user", scope: BudgetScope(.user("ana"), model: "claude-sonnet-4"), limit: .money(try Money(dollars: 2)), period: .yearly(in: Fixtures.berlin)),
            try Budget(name: "team", scope: BudgetScope(.team("growth")), limit: .money(try Money(dollars: 3)), period: .daily(in: F.utc)),
            try Budget(name: "all", limit: .money(try Money(dollars: 4)), period: .monthly(in: Fixtures.berlin)),
        ]
    }

    /// The reservation guarantee: concurrent callers with exact estimates never pass the hard stop.
    @Test("16 tasks with exact estimates: committed spend never passes the hard stop", arguments: [
        (BudgetStoreKind.memory, 10_000), (BudgetStoreKind.sqlite, 500), (BudgetStoreKind.sqliteMemoryBacked, 500),
    ])
    func guarantee(kind: BudgetStoreKind, requestsPerTask: Int) async throws {
        try await withBudgetStore(kind, clock: ManualClock(Fixtures.date("2026-05-10T12:00:00Z"))) { store, _ in
            // $100 limit, hard stop at 110%; throttling off so that only money decides
            try await store.setBudget(F.budget("guarded", profile: LadderProfile.standard.disabling([.throttling])))
            // 16 × 500 × $0.02 = $160 is asked for in the SQLite case, 16 × 10,000 × $0.01 = $1,600 in memory
            let estimate = F.money(kind == .memory ? "0.01" : "0.02")
            let passed = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        var passed = 0
                        let request = BudgetRequest(
                            provider: "acme", model: "acme-pro", estimate: BudgetCharge(cost: estimate), priority: .critical)
                        for _ in 0..<requestsPerTask {
                            guard let hold = try await store.reserve(request, policy: BudgetPolicy()).hold else { continue }
                            await Task.yield()  // other callers' holds are open meanwhile
                            _ = try await store.commit(hold, actual: hold.charge)
                            passed += 1
                        }
                        return passed
                    }
                }
                return try await group.reduce(0, +)
            }
            let state = try #require(try await store.state(of: "guarded"))
            // a request that would reach $110 (110%) is refused, so the last one admitted lands one estimate below
            #expect(state.spent.cost == (try F.money("110").subtracting(estimate)))
            #expect(state.spent.cost < F.money("110"))
            #expect(passed == Int((F.money("110").units - estimate.units) / estimate.units))
            #expect(state.held == .zero)
        }
    }
}
