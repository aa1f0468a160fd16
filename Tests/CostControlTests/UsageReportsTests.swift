import CostControl
import Foundation
import Testing

/// Days, weeks, months and sessions over a real ledger, against figures worked out by hand below.
@Suite("ccusage-style reports")
struct UsageReportsTests {
    typealias F = ReportFixtures

    /// Six events. Tokens per event as ccusage counts them (uncached input / output / cache
    /// creation / cache read → total):
    /// - f 2026-02-27T08:00Z m-a:   50 / 5 / 0 / 0 → 55, $0.00002
    /// - a 2026-03-10T10:00Z m-b: 1500 / 100 / 0 / 500 → 2100, $0.003
    /// - b 2026-03-10T23:30Z m-a:  500 / 50 / 200 / 300 → 1050, $0.0015 (00:30 on the 11th in Berlin)
    /// - c 2026-03-11T12:00Z m-a:  400 / 40 / 0 / 0 → 440, $0.0007
    /// - d 2026-03-11T13:00Z mystery-1: 600 / 60 / 0 / 0 → 660, unpriced
    /// - e 2026-03-15T09:00Z (a Sunday) m-b: 100 / 10 / 0 / 0 → 110, $0.0001
    static let events = [
        F.event("f", "2026-02-27T08:00:00Z", model: "m-a", input: 50, output: 5, micros: 20),
        F.event("a", "2026-03-10T10:00:00Z", model: "m-b", input: 2_000, output: 100, cacheRead: 500, micros: 3_000),
        F.event("b", "2026-03-10T23:30:00Z", model: "m-a", input: 1_000, output: 50, cacheRead: 300, cacheWrite: 200, micros: 1_500),
        F.event("c", "2026-03-11T12:00:00Z", model: "m-a", input: 400, output: 40, micros: 700),
        F.event("d", "2026-03-11T13:00:00Z", model: "mystery-1", input: 600, output: 60, micros: nil),
        F.event("e", "2026-03-15T09:00:00Z", model: "m-b", input: 100, output: 10, micros: 100),
    ]
    static let now = F.date("2026-03-20T00:00:00Z")

    struct Row: Equatable, CustomStringConvertible {
        var period: String
        var input, output, cacheCreation, cacheRead, total: Int
        var cost: String
        var models: [String]
        var description: String { "\(period) \(input)/\(output)/\(cacheCreation)/\(cacheRead)=\(total) \(cost) \(models)" }
    }

    static func rows(_ report: PeriodReport) -> [Row] {
        report.rows.map {
            let t = $0.amounts.tokens
            return Row(
                period: $0.period, input: t.input, output: t.output, cacheCreation: t.cacheCreation, cacheRead: t.cacheRead,
                total: t.total, cost: $0.amounts.cost.decimalString, models: $0.models.map(\.model))
        }
    }

    @Test("daily in UTC: uncached input, cache kinds, exact cost, models by cost", arguments: ReportLedgerKind.allCases)
    func dailyUTC(kind: ReportLedgerKind) async throws {
        try await withReportLedger(kind, events: Self.events, now: Self.now) { ledger in
            let report = try await UsageReports(ledger: ledger).periods(.daily)
            #expect(Self.rows(report) == [
                Row(period: "2026-02-27", input: 50, output: 5, cacheCreation: 0, cacheRead: 0, total: 55, cost: "0.00002", models: ["m-a"]),
                Row(period: "2026-03-10", input: 2_000, output: 150, cacheCreation: 200, cacheRead: 800, total: 3_150, cost: "0.0045", models: ["m-b", "m-a"]),
                Row(period: "2026-03-11", input: 1_000, output: 100, cacheCreation: 0, cacheRead: 0, total: 1_100, cost: "0.0007", models: ["m-a", "mystery-1"]),
                Row(period: "2026-03-15", input: 100, output: 10, cacheCreation: 0, cacheRead: 0, total: 110, cost: "0.0001", models: ["m-b"]),
            ])
            #expect(report.totals.tokens.total == 4_415)
            #expect(report.totals.cost.decimalString == "0.00532")
            #expect(report.totals.events == 6)
            #expect(report.totals.unpricedEvents == 1)
            let march10 = try #require(report.rows.first { $0.period == "2026-03-10" })
            #expect(march10.models.map(\.amounts.tokens) == [
                ReportTokens(input: 1_500, output: 100, cacheCreation: 0, cacheRead: 500),
                ReportTokens(input: 500, output: 50, cacheCreation: 200, cacheRead: 300),
            ])
            // 660 of 4,415 tokens unpriced: 3,755 / 4,415 = 85.05…% → rounded down.
            #expect(report.coverage.unpricedTokens == 660)
            #expect(report.coverage.summary == "85.0% of tokens priced; 1 model unpriced: mystery-1")
            let descending = try await UsageReports(ledger: ledger).periods(.daily, order: .desc)
            #expect(descending.rows.map(\.period) == ["2026-03-15", "2026-03-11", "2026-03-10", "2026-02-27"])
        }
    }

    @Test("daily in Europe/Berlin: 23:30 UTC lands on the next day", arguments: ReportLedgerKind.allCases)
    func dailyBerlin(kind: ReportLedgerKind) async throws {
        try await withReportLedger(kind, events: Self.events, now: Self.now) { ledger in
            let reports = UsageReports(ledger: ledger, timeZone: F.zone("Europe/Berlin"))
            let report = try await reports.periods(.daily)
            #expect(Self.rows(report) == [
                Row(period: "2026-02-27", input: 50, output: 5, cacheCreation: 0, cacheRead: 0, total: 55, cost: "0.00002", models: ["m-a"]),
                Row(period: "2026-03-10", input: 1_500, output: 100, cacheCreation: 0, cacheRead: 500, total: 2_100, cost: "0.003", models: ["m-b"]),
                Row(period: "2026-03-11", input: 1_500, output: 150, cacheCreation: 200, cacheRead: 300, total: 2_150, cost: "0.0022", models: ["m-a", "mystery-1"]),
                Row(period: "2026-03-15", input: 100, output: 10, cacheCreation: 0, cacheRead: 0, total: 110, cost: "0.0001", models: ["m-b"]),
            ])
            #expect(report.rows.first { $0.period == "2026-03-11" }?.start == F.date("2026-03-10T23:00:00Z"))
            // --since 2026-03-11 in Berlin starts at 23:00 UTC on the 10th: b is in, a is out.
            let since = try UsageWindow(timeZone: F.zone("Europe/Berlin")).since("20260311")
            let from11 = try await reports.periods(.daily, matching: UsageFilter(since: since))
            #expect(from11.rows.map(\.period) == ["2026-03-11", "2026-03-15"])
            #expect(from11.totals.tokens.total == 2_150 + 110)
        }
    }

    @Test("weekly starts on Sunday by default, on Monday when asked; monthly", arguments: ReportLedgerKind.allCases)
    func weeklyMonthly(kind: ReportLedgerKind) async throws {
        try await withReportLedger(kind, events: Self.events, now: Self.now) { ledger in
            let reports = UsageReports(ledger: ledger)
            let sunday = try await reports.periods(.weekly)
            // 2026-02-27 is a Friday, 2026-03-10 a Tuesday, 2026-03-15 a Sunday.
            #expect(sunday.rows.map(\.period) == ["2026-02-22", "2026-03-08", "2026-03-15"])
            #expect(sunday.rows.map(\.amounts.tokens.total) == [55, 3_150 + 1_100, 110])
            let monday = try await reports.periods(.weekly, startOfWeek: .monday)
            #expect(monday.rows.map(\.period) == ["2026-02-23", "2026-03-09"])
            #expect(monday.rows.map(\.amounts.tokens.total) == [55, 3_150 + 1_100 + 110])
            #expect(monday.rows.last?.amounts.cost.decimalString == "0.0053")
            let monthly = try await reports.periods(.monthly)
            #expect(monthly.rows.map(\.period) == ["2026-02", "2026-03"])
            #expect(monthly.rows.map(\.amounts.tokens.total) == [55, 4_360])
            #expect(monthly.rows.last?.models.map(\.model) == ["m-b", "m-a", "mystery-1"])
            #expect(monthly.rows.last?.models.first?.amounts.cost.decimalString == "0.0031")
        }
    }

    @Test("weeks across New York's switch to daylight time; 23:30 local on Saturday stays in its week")
    func weeksAcrossDST() async throws {
        let events = [
            F.event("n1", "2026-03-07T17:00:00Z", model: "m", input: 1, output: 0, micros: 1),  // Sat 12:00 EST
            F.event("n2", "2026-03-08T16:00:00Z", model: "m", input: 10, output: 0, micros: 1),  // Sun 12:00 EDT
            F.event("n3", "2026-03-14T16:00:00Z", model: "m", input: 100, output: 0, micros: 1),  // Sat 12:00 EDT
            F.event("n4", "2026-03-15T03:30:00Z", model: "m", input: 1_000, output: 0, micros: 1),  // Sat 23:30 EDT
        ]
        try await withReportLedger(events: events, now: Self.now) { ledger in
            let newYork = try await UsageReports(ledger: ledger, timeZone: F.zone("America/New_York")).periods(.weekly)
            #expect(newYork.rows.map(\.period) == ["2026-03-01", "2026-03-08"])
            #expect(newYork.rows.map(\.amounts.tokens.total) == [1, 1_110])
            #expect(newYork.rows.last?.start == F.date("2026-03-08T05:00:00Z"))
            let utc = try await UsageReports(ledger: ledger).periods(.weekly)
            #expect(utc.rows.map(\.period) == ["2026-03-01", "2026-03-08", "2026-03-15"])
            #expect(utc.rows.map(\.amounts.tokens.total) == [1, 110, 1_000])
        }
    }

    @Test("sessions: totals, first and last activity, project, order by cost; events without a session")
    func sessions() async throws {
        let events = [
            F.event("s1", "2026-03-10T10:00:00Z", model: "m-a", input: 100, output: 10, micros: 1_000, session: "s-1", project: "api"),
            F.event("s2", "2026-03-10T12:30:00Z", model: "m-b", input: 200, output: 20, micros: 3_000, session: "s-1", project: "api"),
            F.event("s3", "2026-03-11T09:00:00Z", model: "m-a", input: 300, output: 30, micros: 2_000, session: "s-2", project: "web"),
            F.event("s4", "2026-03-11T10:00:00Z", model: "m-a", input: 50, output: 5, micros: 100),
            F.event("s5", "2026-03-11T11:00:00Z", model: "nope", input: 40, output: 0, micros: nil, session: "s-2"),
        ]
        try await withReportLedger(events: events, now: Self.now) { ledger in
            let reports = UsageReports(ledger: ledger)
            let report = try await reports.sessions()
            #expect(report.sessions.map(\.session) == ["s-1", "s-2"])
            let first = try #require(report.sessions.first)
            #expect(first.firstActivity == F.date("2026-03-10T10:00:00Z"))
            #expect(first.lastActivity == F.date("2026-03-10T12:30:00Z"))
            #expect(first.project == "api")
            #expect(first.amounts.tokens == ReportTokens(input: 300, output: 30))
            #expect(first.amounts.cost.decimalString == "0.004")
            #expect(first.models.map(\.model) == ["m-b", "m-a"])
            #expect(report.sessions.last?.amounts.unpricedEvents == 1)
            #expect(report.sessions.last?.amounts.tokens.total == 370)
            #expect(report.totals.cost.decimalString == "0.006")
            #expect(report.totals.tokens.total == 330 + 370)
            #expect(report.eventsWithoutSession == 1)
            #expect(report.coverage.tokens == 755)
            #expect(report.coverage.unpricedTokens == 40)
            #expect(try await reports.sessions(order: .asc).sessions.map(\.session) == ["s-2", "s-1"])
            let since = try await reports.sessions(matching: UsageFilter(since: F.date("2026-03-11T00:00:00Z")))
            #expect(since.sessions.map(\.session) == ["s-2"])
        }
    }

    @Test("pricing coverage: fully and partly unpriced models, from the aggregates and the raw events", arguments: ReportLedgerKind.allCases)
    func coverage(kind: ReportLedgerKind) async throws {
        let events = [
            F.event("p1", "2026-03-10T10:00:00Z", model: "m-p", input: 1_000, output: 100, micros: 1_000),
            F.event("p2", "2026-03-10T11:00:00Z", model: "m-p", input: 400, output: 20, cacheRead: 100, micros: nil),
            F.event("x1", "2026-03-11T10:00:00Z", model: "mystery-1", input: 200, output: 10, micros: nil),
            F.event("x2", "2026-03-12T10:00:00Z", model: "mystery-1", input: 300, output: 0, micros: nil),
            F.event("q1", "2026-03-12T11:00:00Z", model: "m-q", input: 5_000, output: 500, micros: 9_000),
        ]
        try await withReportLedger(kind, events: events, now: Self.now) { ledger in
            let coverage = try await UsageReports(ledger: ledger).coverage()
            // 7,530 tokens; unpriced: p2 420 + x1 210 + x2 300 = 930; 6,600 / 7,530 = 87.649…%.
            #expect(coverage.tokens == 7_530)
            #expect(coverage.unpricedTokens == 930)
            #expect(coverage.events == 5)
            #expect(coverage.unpricedEvents == 3)
            #expect(coverage.summary == "87.6% of tokens priced; 2 models unpriced: mystery-1, m-p")
            let models = coverage.models
            #expect(models.map(\.model) == ["mystery-1", "m-p"])
            #expect(models.map(\.events) == [2, 2])
            #expect(models.map(\.unpricedEvents) == [2, 1])
            #expect(models.last?.tokens == ReportTokens(input: 300, output: 20, cacheCreation: 0, cacheRead: 100))
            #expect(models.first?.reason == "test: no price for mystery-1")
            #expect(abs(coverage.pricedShare - 6_600.0 / 7_530.0) < 1e-12)
            let daily = try await UsageReports(ledger: ledger).periods(.daily)
            #expect(daily.coverage == coverage)
            let priced = try await UsageReports(ledger: ledger).coverage(
                matching: UsageFilter(equals: [.model: ["m-q"]]))
            #expect(priced.isComplete)
            #expect(priced.summary == nil)
            #expect(priced.pricedShare == 1)
        }
    }

    @Test("adding a price and repricing fixes history: missing → priced now → complete")
    func repriceFlow() async throws {
        let bundled = CostEngine(catalog: try PriceCatalog.bundled())
        let events = [
            UsageEvent(
                id: "r1", timestamp: F.date("2026-03-10T10:00:00Z"), model: "acme-llm-1",
                usage: Usage(inputTokens: 1_000, outputTokens: 500)),
            UsageEvent(
                id: "r2", timestamp: F.date("2026-03-10T11:00:00Z"), model: "gpt-4o",
                usage: Usage(inputTokens: 1_000, outputTokens: 0)),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-reprice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let override = directory.appendingPathComponent("acme.json")
        try Data(#"{"providers": [{"id": "acme", "models": [{"id": "acme-llm-1", "prices": {"input_mtok": "2", "output_mtok": "8"}}]}]}"#.utf8)
            .write(to: override)
        try await withReportLedger(events: events, now: Self.now, engine: bundled) { ledger in
            let reports = UsageReports(ledger: ledger)
            let before = try await reports.missingPrices(engine: bundled)
            #expect(before.models.map(\.model) == ["acme-llm-1"])
            #expect(before.models.first?.provider == "unknown")
            #expect(before.models.first?.tokens.total == 1_500)
            #expect(before.models.first?.pricedNow == false)
            // gpt-4o: 1,000 input tokens at $2.50/MTok.
            #expect(try await reports.periods(.daily).totals.cost.decimalString == "0.0025")

            let paths = ControlPaths(environment: ["HOME": directory.path, "COSTCTL_PRICES_DIR": directory.appendingPathComponent("none").path])
            let catalog = try PriceOverrides.catalog(paths: paths, extraFiles: [override])
            let withOverride = CostEngine(catalog: catalog)
            #expect(try await reports.missingPrices(engine: withOverride).models.first?.pricedNow == true)
            let result = try await LedgerRepricing.reprice(ledger, matching: UsageFilter(), with: withOverride)
            #expect(result.changed == 1)
            let after = try await reports.missingPrices(engine: withOverride)
            #expect(after.models.isEmpty)
            #expect(after.isComplete)
            // acme-llm-1: 1,000 × $2/MTok + 500 × $8/MTok = $0.006, plus gpt-4o's $0.0025.
            let daily = try await reports.periods(.daily)
            #expect(daily.totals.cost.decimalString == "0.0085")
            #expect(daily.coverage.summary == nil)
        }
    }
}
