import CostBudget
import CostControl
import Foundation
import Testing

/// Projections read from the real SQLite ledger, and the Meter sending alerts through a monitor.
@Suite("Budgets over the ledger")
struct BudgetLedgerTests {
    static func withLedger(_ body: (SQLiteUsageLedger) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-budget-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ControlPaths(database: directory.appendingPathComponent("b.db").path, environment: ["HOME": directory.path])
        try await body(try LedgerStore.open(paths: paths, environment: [:]))
    }

    static func date(_ text: String) -> Date { (try? Date(text, strategy: .iso8601)) ?? .distantPast }

    static func event(_ at: String, team: String, dollars: String, model: String = "gpt-4o") -> UsageEvent {
        UsageEvent(
            timestamp: date(at), provider: "openai", model: model, usage: Usage(inputTokens: 1_000, outputTokens: 100),
            cost: EventCost(total: Money(dollars) ?? .zero), dimensions: UsageDimensions(team: team))
    }

    @Test("daily spend of a budget's scope in its time zone, and the projection from it")
    func projection() async throws {
        try await Self.withLedger { ledger in
            // Berlin is UTC+1 in early March: 23:30 UTC on the 9th is the 10th there
            _ = try await ledger.record(contentsOf: [
                Self.event("2026-03-04T10:00:00Z", team: "search", dollars: "100"),  // before the 7-day window
                Self.event("2026-03-05T10:00:00Z", team: "search", dollars: "6"),
                Self.event("2026-03-09T23:30:00Z", team: "search", dollars: "4"),
                Self.event("2026-03-10T08:00:00Z", team: "search", dollars: "3"),
                Self.event("2026-03-10T09:00:00Z", team: "support", dollars: "50"),  // another team
                Self.event("2026-03-11T11:00:00Z", team: "search", dollars: "2"),
                Self.event("2026-03-11T12:00:00Z", team: "search", dollars: "1"),  // at the instant: counts
                Self.event("2026-03-11T12:00:00.001Z", team: "search", dollars: "9"),  // after it
            ])
            let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
            let budget = try Budget(
                name: "search", scope: BudgetScope(.team("search")), limit: .money(Money(dollars: 100)), period: .monthly(in: berlin))
            let days = try await ledger.dailySpend(
                scope: budget.scope, since: Self.date("2026-03-04T23:00:00Z"), until: Self.date("2026-03-11T12:00:00.001Z"),
                timeZone: berlin)
            #expect(days.map(\.day) == ["2026-03-04T23:00:00Z", "2026-03-09T23:00:00Z", "2026-03-10T23:00:00Z"].map(Self.date))
            #expect(days.map(\.charge.cost) == ["6", "7", "3"].map { Money($0) ?? .zero })
            #expect(days.first?.charge.requests == 1 && days.first?.charge.tokens == 1_100)

            let at = Self.date("2026-03-11T12:00:00Z")
            let sixteen = try Money(dollars: 16)
            let state = BudgetState(
                budget: budget, window: budget.period.window(containing: at), spent: BudgetCharge(cost: sixteen), held: .zero)
            let projection = try await ledger.projection(of: state, at: at)
            // the window: local midnight of Mar 5 (23:00 UTC on the 4th) to 13:00 on the 11th, 6.5 days; $16 spent in it
            #expect(projection.rateWindow.start == Self.date("2026-03-04T23:00:00Z"))
            #expect(projection.rateWindowSpend == sixteen.units)
            let span: Int128 = 6 * 86_400_000 + 13 * 3_600_000
            #expect(projection.burnRatePerDay == sixteen.units * 86_400_000 / span)
            // to the end of Berlin's March (2026-03-31T22:00Z): 20 days 10 hours
            let left: Int128 = 20 * 86_400_000 + 10 * 3_600_000
            #expect(projection.projectedSpend == sixteen.units + sixteen.units * left / span)
            #expect(projection.isOnTrack)
        }
    }

    @Test("a metered service with an alert monitor: the alerts follow its spend, stored in the ledger's file")
    func meterAlerts() async throws {
        try await Self.withLedger { ledger in
            let store = MemoryBudgetStore()
            await store.setBudget(
                try Budget(name: "team-search", scope: BudgetScope(.team("search")), limit: .money(Money(dollars: 1)), period: .monthly(in: .gmt)))
            let sink = MemoryAlertSink()
            let monitor = BudgetAlertMonitor(budgets: store, history: ledger, sinks: [sink])
            let engine = try #require(ledger.configuration.engine)
            let meter = Meter(budgets: store, ledger: ledger, engine: engine, alerts: monitor)
            // ten $0.10 calls: 10% … 100%
            for n in 1...10 {
                let outcome = try await meter.run(MeterTests.request) { _ in MeteredResult(n, usage: MeterTests.tenCents) }
                guard case .completed = outcome else { Issue.record("call \(n) refused"); return }
                await monitor.flush()
            }
            let levels = await sink.alerts.map(\.level)
            #expect(levels == [.warning, .notification, .throttling, .requestQueue])
            #expect(try await ledger.alerts().map(\.level) == levels.reversed())
            #expect(await monitor.failures == 0)
        }
    }
}
