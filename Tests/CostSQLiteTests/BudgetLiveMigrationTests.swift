import CostBudget
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Migration `0014-budget-live`: accounts and holds move into one table, rolling charges into one
/// keyed by (budget, instant, seq). A file written before it keeps every figure.
@Suite("Budget storage migration 0014")
struct BudgetLiveMigrationTests {
    typealias F = BudgetFixtures

    /// Writes, in the tables of `0005-budgets`, what the store before 0014 wrote for: a monthly and a
    /// rolling budget, $7 spent on each ($3 and $2 at one instant, $2 later), one open hold of $4 on both.
    static func writeOldLayout(at path: String, hold: BudgetHold) throws {
        let db = try Connection(path: path)
        try Migrator.migrate(db, migrations: Migrator.ledger.filter { $0.name != "0014-budget-live" })
        let month = try F.budget("month", period: .monthly(in: Fixtures.utc))
        let hour = try F.budget("hour", period: .rolling(hours: 1))
        let encoder = JSONEncoder()
        func money(_ text: String) -> String {
            let (hi, lo) = BudgetSession.halves(F.money(text))
            return "\(hi), \(lo)"
        }
        let now = F.start.timeIntervalSinceReferenceDate
        let monthStart = Fixtures.date("2026-03-01T00:00:00Z").timeIntervalSinceReferenceDate
        let monthEnd = Fixtures.date("2026-04-01T00:00:00Z").timeIntervalSinceReferenceDate
        for budget in [month, hour] {
            let insert = try db.cached("INSERT INTO budgets (name, definition) VALUES (?, ?)")
            insert.bind(budget.name, at: 1)
            insert.bind(String(decoding: try encoder.encode(budget), as: UTF8.self), at: 2)
            try insert.step()
        }
        try db.execute(
            """
            INSERT INTO budget_accounts VALUES ('month', \(monthStart), \(monthEnd), \(money("7")), 0, 3, \(money("4")), 0, 1, NULL, NULL);
            INSERT INTO budget_accounts VALUES ('hour', \(now - 3600), \(now), \(money("7")), 0, 3, \(money("4")), 0, 1, NULL, NULL);
            INSERT INTO budget_entries VALUES ('hour', \(now - 1800), \(money("3")), 0, 1);
            INSERT INTO budget_entries VALUES ('hour', \(now - 1800), \(money("2")), 0, 1);
            INSERT INTO budget_entries VALUES ('hour', \(now - 600), \(money("2")), 0, 1);
            INSERT INTO budget_holds VALUES ('\(hold.id.uuidString)', '["hour","month"]', \(money("4")), 0, 1, 'acme', 'acme-pro',
                \(hold.createdAt.timeIntervalSinceReferenceDate), \(hold.expiresAt.timeIntervalSinceReferenceDate));
            """)
    }

    @Test("a file from before 0014 keeps its spend, holds and rolling charges; the old tables are gone")
    func migratesOldFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let hold = BudgetHold(
            budgets: ["hour", "month"], charge: BudgetCharge(cost: F.money("4"), requests: 1), provider: "acme", model: "acme-pro",
            createdAt: F.start.addingTimeInterval(-10.25), expiresAt: F.start.addingTimeInterval(289.75))
        try Self.writeOldLayout(at: directory.databasePath, hold: hold)

        let store = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        for name in ["month", "hour"] {
            let state = try #require(try await store.state(of: name))
            #expect(state.spent == BudgetCharge(cost: F.money("7"), requests: 3))
            #expect(state.held == BudgetCharge(cost: F.money("4"), requests: 1))
        }
        #expect(try await store.openHolds() == [hold])

        let check = try Connection(path: directory.databasePath)
        #expect(try check.scalarText("PRAGMA integrity_check") == "ok")
        #expect(try check.scalarText("SELECT count(*) FROM pragma_foreign_key_check") == "0")
        #expect(
            try check.scalarText("SELECT group_concat(name) FROM sqlite_schema WHERE name IN ('budget_accounts', 'budget_holds', 'budget_entries_0005')")
                == nil)
        #expect(try check.scalarText("SELECT group_concat(seq) FROM budget_entries WHERE budget = 'hour' ORDER BY at, seq") == "0,1,0")

        // the migrated hold settles (found at its key), and the charges at one instant age out together
        #expect(try await store.commit(hold, actual: BudgetCharge(cost: F.money("1"), requests: 1)).holdWasExpired == false)
        #expect(try await store.state(of: "month")?.spent.cost == F.money("8"))
        #expect(try await store.state(of: "month")?.held == .zero)
        clock.advance(by: 1801)
        #expect(try await store.state(of: "hour")?.spent == BudgetCharge(cost: F.money("3"), requests: 2))
        #expect(try await store.state(of: "month")?.spent.cost == F.money("8"))
    }

    @Test("holds at the far ends of time migrate at the key Swift gives them: 291,000 years out, before year -290,000, a fraction before 2001")
    func extremeExpiries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try Connection(path: directory.databasePath)
        try Migrator.migrate(db, migrations: Migrator.ledger.filter { $0.name != "0014-budget-live" })
        let budget = try F.budget()
        let insert = try db.cached("INSERT INTO budgets (name, definition) VALUES (?, ?)")
        insert.bind(budget.name, at: 1)
        insert.bind(String(decoding: try JSONEncoder().encode(budget), as: UTF8.self), at: 2)
        try insert.step()
        let (heldHi, heldLo) = BudgetSession.halves(F.money("4"))
        try db.execute("INSERT INTO budget_accounts VALUES ('b', NULL, NULL, 0, 0, 0, 0, \(heldHi), \(heldLo), 0, 4, NULL, NULL)")
        // expiries in seconds since 2001: TTLs of about 9.2e12 s and -1e14 s (a "never" or
        // "at once" written by hand), one just below 0, and an ordinary one
        let expiries: [Double] = [9.21e12, -1e14, -0.000_000_5, F.start.timeIntervalSinceReferenceDate + 289.75]
        var holds: [BudgetHold] = []
        for expiry in expiries {
            let hold = BudgetHold(
                budgets: ["b"], charge: BudgetCharge(cost: F.money("1"), requests: 1), provider: "acme", model: "acme-pro",
                createdAt: F.start, expiresAt: Date(timeIntervalSinceReferenceDate: expiry))
            holds.append(hold)
            let (hi, lo) = BudgetSession.halves(hold.charge.cost)
            try db.execute(
                """
                INSERT INTO budget_holds VALUES ('\(hold.id.uuidString)', '["b"]', \(hi), \(lo), 0, 1, 'acme', 'acme-pro',
                    \(F.start.timeIntervalSinceReferenceDate), \(expiry));
                """)
        }

        // the migration runs when the store opens: it must not stop on any of them
        let clock = ManualClock(F.start)
        let store = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        let check = try Connection(path: directory.databasePath)
        for hold in holds {
            let rank = try check.scalarInt("SELECT rank FROM budget_live WHERE kind = 1 AND name = '\(hold.id.uuidString)'")
            #expect(rank == BudgetSession.rank(expiring: hold.expiresAt), "expiry \(hold.expiresAt.timeIntervalSinceReferenceDate)")
        }
        // the two in the past expire; the others settle
        #expect(try await store.openHolds().map(\.id) == [holds[0].id, holds[3].id].sorted { $0.uuidString < $1.uuidString })
        #expect(try await store.commit(holds[0], actual: F.actual("1")).holdWasExpired == false)
        #expect(try await store.release(holds[3]))
        #expect(try await store.state(of: "b")?.held == .zero)
    }

    @Test("commits at one instant each keep their rolling charge; a hold whose expiry came back rounded is still found")
    func sameInstantAndRoundedExpiry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let store = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        try await store.setBudget(F.budget("hour", period: .rolling(hours: 1)))
        var holds: [BudgetHold] = []
        for _ in 0..<3 { holds.append(try #require(try await store.reserve(F.request("2"), policy: BudgetPolicy()).hold)) }
        for hold in holds.prefix(2) { _ = try await store.commit(hold, actual: F.actual("2")) }
        // a caller that kept the hold as text got its expiry back to the millisecond
        var rounded = holds[2]
        rounded.expiresAt = Date(
            timeIntervalSinceReferenceDate: (rounded.expiresAt.timeIntervalSinceReferenceDate * 1000).rounded() / 1000 + 0.0004)
        #expect(try await store.commit(rounded, actual: F.actual("2")).holdWasExpired == false)
        #expect(try await store.openHolds().isEmpty)
        let state = try #require(try await store.state(of: "hour"))
        #expect(state.spent.cost == F.money("6") && state.held == .zero)
        #expect(try await store.release(holds[0]) == false)  // settled already: found neither way
        clock.advance(by: 3601)
        #expect(try await store.state(of: "hour")?.spent == .zero)
    }

    @Test("expired holds give their charge back; the expiry bound is exact to the instant")
    func expiryBound() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let store = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        try await store.setBudget(F.budget())
        let early = try #require(try await store.reserve(F.request("1"), policy: BudgetPolicy(), ttl: .milliseconds(1_500)).hold)
        let late = try #require(try await store.reserve(F.request("2"), policy: BudgetPolicy(), ttl: .milliseconds(1_501)).hold)
        clock.advance(by: 1.5)  // exactly the first one's expiry: it expires, the second does not
        #expect(try await store.openHolds() == [late])
        #expect(try await store.state(of: "b")?.held.cost == F.money("2"))
        #expect(try await store.commit(early, actual: F.actual("1")).holdWasExpired)
        clock.advance(by: 0.01)
        #expect(try await store.state(of: "b")?.held == .zero)
        #expect(try await store.state(of: "b")?.spent.cost == F.money("1"))
    }
}
