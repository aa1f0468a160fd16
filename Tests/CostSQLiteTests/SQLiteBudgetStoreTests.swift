import CostBudget
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// What only the SQLite budget store has: a file that outlives the process, several connections,
/// and a write-ahead log shared with the ledger's readers.
@Suite("SQLite budget store")
struct SQLiteBudgetStoreTests {
    typealias F = BudgetFixtures

    @Test("budgets, spend and open holds survive reopening; another connection sees changes at once")
    func persistence() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let first = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        let second = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)  // a second connection
        let budgets = try BudgetStoreContractTests.variedBudgets()
        for budget in budgets { try await first.setBudget(budget) }
        try await first.setBudget(F.budget("b", dollars: 50))
        #expect(try await second.budgets().count == budgets.count + 1)
        #expect(try await first.removeBudget(named: "all"))  // the other global budget
        #expect(try await second.budgets().count == budgets.count)
        let hold = try #require(try await second.reserve(F.request("4"), policy: BudgetPolicy()).hold)
        let settled = try #require(try await first.reserve(F.request("6"), policy: BudgetPolicy()).hold)
        #expect(hold.budgets == ["b"] && settled.budgets == ["b"])
        _ = try await second.commit(settled, actual: F.actual("5.5"))

        let reopened = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        #expect(try await reopened.budgets() == (budgets.filter { $0.name != "all" } + [F.budget("b", dollars: 50)]).sorted { $0.name < $1.name })
        let state = try #require(try await reopened.state(of: "b"))
        #expect(state.spent.cost == F.money("5.5") && state.held.cost == F.money("4"))
        #expect(try await reopened.openHolds().map(\.id) == [hold.id])
        #expect(try await reopened.commit(hold, actual: F.actual("1")).holdWasExpired == false)
    }

    @Test("a commit after its hold expired, among 2,000 open holds, reads keys, not every open hold; holds passed back altered are still found")
    func lateCommitAmongManyHolds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let store = try SQLiteBudgetStore(path: directory.databasePath, durability: .processCrash, now: clock.now)
        try await store.setBudget(F.budget(dollars: 1_000_000))
        let late = try #require(try await store.reserve(F.request("1"), policy: BudgetPolicy(), ttl: .seconds(1)).hold)
        var open: [BudgetHold] = []
        for _ in 0..<2_000 { open.append(try #require(try await store.reserve(F.request("0.01"), policy: BudgetPolicy()).hold)) }
        clock.advance(by: 2)
        #expect(try await store.commit(late, actual: F.actual("1")).holdWasExpired)
        #expect(try await !store.release(late))
        for (sql, plan) in try await store.cachedPlansForTesting(containing: "budget_live") {
            #expect(plan.allSatisfy { $0.contains("rank") }, "reads every open hold: \(sql) → \(plan)")
        }

        // a hold passed back with its expiry rounded down to the millisecond, which is past while
        // the hold is still open, is found near its key; one with an expiry far ahead among all
        // the open holds
        clock.advance(by: 298 - 0.000_2)
        #expect(open[0].expiresAt == F.start.addingTimeInterval(300) && clock.now() < open[0].expiresAt)
        var rounded = open[0]
        rounded.expiresAt = F.start.addingTimeInterval(299.999)
        #expect(try await store.release(rounded))
        var ahead = open[1]
        ahead.expiresAt = clock.now().addingTimeInterval(86_400)
        #expect(try await store.commit(ahead, actual: F.actual("0.01")).holdWasExpired == false)
        let state = try #require(try await store.state(of: "b"))
        #expect(state.held.cost == F.money("19.98") && state.spent.cost == F.money("1.01"))
    }

    @Test("a hold passed back with a NaN or infinite expiry is looked up without trapping, and found by its id")
    func nonFiniteExpiry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let store = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        try await store.setBudget(F.budget())
        for expiry in [Double.nan, .infinity] {
            var hold = try #require(try await store.reserve(F.request("2"), policy: BudgetPolicy()).hold)
            hold.expiresAt = Date(timeIntervalSinceReferenceDate: expiry)
            #expect(try await store.commit(hold, actual: F.actual("1")).holdWasExpired == false, "expiry \(expiry)")
            #expect(try await !store.release(hold))
        }
        let state = try #require(try await store.state(of: "b"))
        #expect(state.spent.cost == F.money("2") && state.held == .zero)
    }

    @Test("a long read of the file (a ledger report) does not stall reservations when the log is checkpointed")
    func longReader() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteBudgetStore(path: directory.databasePath, durability: .processCrash)
        try await store.setBudget(F.budget(dollars: 1_000_000))
        let reader = try Connection(path: directory.databasePath)
        try reader.execute("BEGIN")
        #expect(try reader.scalarText("SELECT COUNT(*) FROM budgets") == "1")  // holds a read snapshot
        defer { try? reader.execute("COMMIT") }
        // about 2 pages of log per pair here: pairs until the log has passed the 10,000-page
        // checkpoint threshold (the reader keeps it from starting again), then 500 more
        let clock = ContinuousClock()
        let log = directory.databasePath + "-wal"
        func logPages() -> Int {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
            return bytes / (4096 + 24)
        }
        var slowest = Duration.zero
        var pairs = 0
        var past = 0
        while past < 500 && pairs < 20_000 {
            let start = clock.now
            let hold = try #require(try await store.reserve(F.request("0.01"), policy: BudgetPolicy()).hold)
            _ = try await store.commit(hold, actual: hold.charge)
            slowest = max(slowest, clock.now - start)
            if slowest > .seconds(1) { break }  // a checkpoint waiting for the reader: would be 10 s a pair
            pairs += 1
            if past > 0 || (pairs % 100 == 0 && logPages() > 10_000) { past += 1 }
        }
        #expect(past == 500, "the log never passed the checkpoint threshold in \(pairs) pairs")
        #expect(slowest < .seconds(1))
    }
}

extension SQLiteBudgetStore {
    /// `EXPLAIN QUERY PLAN` of every cached statement whose SQL contains `text`, by SQL (`@testable`).
    func cachedPlansForTesting(containing text: String) throws -> [String: [String]] {
        try db.cachedPlansForTesting(containing: text)
    }
}
