import CostBudget
import CostControl
import CostSQLite
import Foundation
import Synchronization
import Testing

/// Spend is consistent with the ledger: the Meter over one SQLite file (ledger and budgets), then
/// the budgets' spend worked out again from the ledger's events.
@Suite("Budget spend rebuilt from the ledger")
struct BudgetLedgerSyncTests {
    final class Clock: Sendable {
        private let instant: Mutex<Date>
        init(_ start: Date) { instant = Mutex(start) }
        func advance(by seconds: TimeInterval) { instant.withLock { $0 += seconds } }
        var now: @Sendable () -> Date { { [self] in instant.withLock { $0 } } }
    }

    static func zone(_ id: String) throws -> TimeZone { try #require(TimeZone(identifier: id)) }

    /// Five budgets over different scopes, measures and periods; none is reached by the traffic.
    static func budgets() throws -> [Budget] {
        [
            try Budget(name: "org-acme", scope: BudgetScope(.org("acme")), limit: .money(Money(dollars: 100_000)), period: .monthly(in: zone("UTC"))),
            try Budget(name: "team-search-daily", scope: BudgetScope(.team("search")), limit: .money(Money(dollars: 100_000)), period: .daily(in: zone("Europe/Berlin"))),
            try Budget(name: "ana-tokens", scope: BudgetScope(.user("ana")), limit: .tokens(1_000_000_000), period: .rolling(hours: 6)),
            try Budget(name: "mini-requests", scope: BudgetScope(.global, provider: "OpenAI", model: "GPT-4o-mini"), limit: .requests(1_000_000), period: .weekly(in: zone("America/New_York"))),
            try Budget(name: "prod", scope: BudgetScope(.tag(key: "env", value: "prod")), limit: .money(Money(dollars: 100_000)), period: .rolling(days: 1)),
        ]
    }

    @Test("the Meter over a SQLite ledger and budget store: the ledger gives every budget's spend exactly; a wiped store is repaired")
    func meterThenRebuild() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("costctl.db").path
        let ledger = try LedgerStore.open(paths: ControlPaths(database: path, environment: ["HOME": directory.path]), environment: [:])
        // past, so that the ledger's future-skew check accepts every event; 21:00 UTC is 22:00 in Berlin
        let clock = Clock(try #require(ISO8601DateFormatter().date(from: "2026-10-20T21:00:00Z")))
        let store = try SQLiteBudgetStore(path: path, now: clock.now)  // the same file as the ledger
        let budgets = try Self.budgets()
        for budget in budgets { try await store.setBudget(budget) }
        let meter = Meter(budgets: store, ledger: ledger, engine: try #require(ledger.configuration.engine), now: clock.now)

        let teams = ["search", "growth", "search"]
        let users = ["ana", "bo", "cy", "ana"]
        let models = ["gpt-4o", "gpt-4o-mini"]
        for i in 0..<240 {
            let request = MeteredRequest(
                provider: "openai", model: models[i % 2], estimate: Usage(inputTokens: 1_000 + 37 * i, outputTokens: 400),
                dimensions: UsageDimensions(
                    org: i % 7 == 0 ? "other" : "acme", team: teams[i % 3], user: users[i % 4], tags: ["env": i % 5 == 0 ? "dev" : "prod"]))
            let outcome = try await meter.run(request) { _ in
                // the provider reports other counts than estimated: actuals differ from the holds
                MeteredResult(i, usage: Usage(inputTokens: 900 + 53 * i, outputTokens: 100 + (i * 31) % 700, cacheReadTokens: (i % 3) * 200))
            }
            guard case .completed = outcome else {
                Issue.record("call \(i) refused")
                return
            }
            clock.advance(by: 360)  // 6 minutes: 24 hours in all, across Berlin's midnight and out of the rolling windows
        }

        let sync = BudgetLedgerSync(ledger: ledger, pageSize: 50)
        var nonZero = 0
        for budget in budgets {
            let fromLedger = try #require(try await sync.spend(of: budget, at: clock.now()))
            let counted = try #require(try await store.state(of: budget.name))
            #expect(fromLedger.total == counted.spent, "\(budget.name): ledger \(fromLedger.total), store \(counted.spent)")
            #expect(fromLedger.window == counted.window)
            if fromLedger.total.requests > 0 { nonZero += 1 }
        }
        #expect(nonZero == budgets.count)
        let consistent = try await sync.rebuild(store, at: clock.now())
        #expect(consistent.count == budgets.count && consistent.allSatisfy(\.wasConsistent))

        // a store that lost its spend (a new file with the same budgets) is repaired from the ledger
        let wiped = try SQLiteBudgetStore(path: directory.appendingPathComponent("wiped.db").path, now: clock.now)
        for budget in budgets { try await wiped.setBudget(budget) }
        let repaired = try await sync.rebuild(wiped, at: clock.now())
        #expect(repaired.count == budgets.count)
        for result in repaired {
            #expect(result.before == .zero)
            let original = try #require(try await store.state(of: result.budget))
            #expect(try await wiped.state(of: result.budget)?.spent == original.spent)
            #expect(result.after == original.spent)
        }
        // and the repaired rolling budgets age out as the original ones do
        clock.advance(by: 3 * 3600)
        var before: [String: BudgetState] = [:]
        for name in ["ana-tokens", "prod"] {
            let original = try #require(try await store.state(of: name))
            #expect(try await wiped.state(of: name)?.spent == original.spent)
        }
        for budget in budgets {
            let state = try #require(try await store.state(of: budget.name))
            before[budget.name] = state
        }

        // the live state moved to a memory-backed file: built from the ledger, to the same figures
        let live = directory.appendingPathComponent("shm").path
        let memory = try SQLiteBudgetStore(path: path, liveState: .memoryBacked(directory: live), now: clock.now)
        #expect(memory.rebuiltLiveState)
        for budget in budgets {
            let state = try #require(try await memory.state(of: budget.name))
            #expect(state.spent == before[budget.name]?.spent, "\(budget.name)")
            #expect(state.window == before[budget.name]?.window, "\(budget.name)")
        }
        // the store still open on the database's own live state refuses to count on in the old place
        await #expect(throws: SQLiteError.self) { _ = try await store.state(of: "org-acme") }
        // reopened as configured, the file is kept; rolling charges age out of it as they did in the database
        let again = try SQLiteBudgetStore(path: path, now: clock.now)
        #expect(!again.rebuiltLiveState && again.liveStatePath == memory.liveStatePath)
        clock.advance(by: 2 * 3600)
        for name in ["ana-tokens", "prod"] {
            #expect(try await again.state(of: name)?.spent == (try await wiped.state(of: name))?.spent, "\(name)")
        }
    }
}
