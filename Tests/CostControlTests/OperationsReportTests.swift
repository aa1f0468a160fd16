import CostBudget
import CostControl
import Foundation
import Testing

/// The operations report built from a real SQLite ledger (with budgets and recommendations in the
/// same file), periods cut in Europe/Berlin, and each of its four renderings.
@Suite("Operations report")
struct OperationsReportTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin") ?? .gmt

    static func date(_ text: String) -> Date { (try? Date(text, strategy: .iso8601)) ?? .distantPast }

    static func event(
        _ id: String, _ at: String, model: String, team: String, operation: String, dollars: String, input: Int, cacheRead: Int = 0,
        requests: Int = 1, provider: String = "openai"
    ) -> UsageEvent {
        UsageEvent(
            id: id, timestamp: date(at), provider: provider, model: model,
            usage: Usage(inputTokens: input, outputTokens: 100, cacheReadTokens: cacheRead, requests: requests),
            cost: EventCost(total: Money(dollars) ?? .zero), dimensions: UsageDimensions(team: team, operation: operation))
    }

    /// 2026-03-10 in Berlin (UTC+1) runs from 2026-03-09T23:00Z to 2026-03-10T23:00Z.
    static let events: [UsageEvent] = [
        event("e1", "2026-03-09T23:30:00Z", model: "gpt-4o", team: "search", operation: "answer", dollars: "3", input: 1_000, cacheRead: 400),
        event("e2", "2026-03-10T10:00:00Z", model: "gpt-4o", team: "search", operation: "answer", dollars: "1.5", input: 1_000),
        event("e3", "2026-03-10T12:00:00Z", model: "claude-3-5-haiku", team: "ads & <growth>", operation: "classify", dollars: "2",
              input: 2_000, cacheRead: 600, provider: "anthropic"),
        event("e4", "2026-03-10T23:30:00Z", model: "gpt-4o", team: "search", operation: "answer", dollars: "50", input: 9_000),  // the 11th
        event("p1", "2026-03-09T12:00:00Z", model: "gpt-4o", team: "search", operation: "answer", dollars: "4", input: 1_000, cacheRead: 100),
        event("p2", "2026-03-09T22:59:00Z", model: "gpt-4o", team: "search", operation: "answer", dollars: "1", input: 1_000),  // still the 9th
    ]

    static func withStores(
        _ events: [UsageEvent], _ body: (SQLiteUsageLedger, SQLiteBudgetStore, SQLiteRecommendationStore) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-opreport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ControlPaths(database: directory.appendingPathComponent("r.db").path, environment: ["HOME": directory.path])
        let ledger = try LedgerStore.open(paths: paths, environment: [:])
        _ = try await ledger.record(contentsOf: events)
        try await body(ledger, try BudgetStoreFile.open(paths: paths), try RecommendationStoreFile.open(paths: paths))
    }

    static func build(_ kind: OperationsReport.Kind = .daily, date: String? = "2026-03-09T23:00:00Z", withBudget: Bool = true)
        async throws -> OperationsReport
    {
        var report: OperationsReport?
        try await withStores(events) { ledger, budgets, recommendations in
            if withBudget {
                try await budgets.setBudget(
                    try Budget(name: "search-monthly", scope: BudgetScope(.team("search")), limit: .money(Money(dollars: 100)),
                               period: .monthly(in: berlin)))
            }
            let finding = Recommendation(
                kind: .promptCaching, scope: "team=<search>", title: "Cache the <system> prompt & tools", rationale: "Repeated prefixes.",
                monthlySaving: Money("12.345") ?? .zero, confidence: RecommendationConfidence(value: 0.8, components: [:]),
                difficulty: .easy, risk: .low, evidence: "test")
            _ = try await recommendations.upsert([finding], refresh: nil, baselineDays: 30, actor: "test")
            report = try await OperationsReport.build(
                ledger: ledger, budgets: budgets, recommendations: recommendations, kind: kind, date: date.map(Self.date),
                timeZone: berlin, at: Self.date("2026-03-12T08:00:00Z"))
        }
        return try #require(report)
    }

    @Test("a Berlin day: totals, previous day, change, top lists with averages, cache hit rate")
    func dailyTotals() async throws {
        let r = try await Self.build()
        #expect(r.period.start == Self.date("2026-03-09T23:00:00Z") && r.period.end == Self.date("2026-03-10T23:00:00Z"))
        #expect(r.previousPeriod.start == Self.date("2026-03-08T23:00:00Z") && r.previousPeriod.end == r.period.start)
        #expect(r.isComplete)
        #expect(r.totals.cost == Money("6.5"))
        #expect(r.totals.requests == 3 && r.totals.inputTokens == 4_000 && r.totals.cacheReadTokens == 1_000)
        #expect(r.totals.cacheHitRate == 0.25)
        #expect(r.previousTotals.cost == Money("5") && r.previousTotals.requests == 2)
        #expect(r.change.cost == Money("1.5"))
        #expect(abs((r.change.costRatio ?? 0) - 0.3) < 1e-12)
        #expect(r.topModels.map(\.name) == ["gpt-4o", "claude-3-5-haiku"])
        #expect(r.topModels.first?.averageCost == Money("2.25"))
        #expect(r.topModels.first?.requests == 2)
        #expect(r.topTeams.map(\.name) == ["search", "ads & <growth>"])
        #expect(r.topOperations.map(\.cost) == [Money("4.5"), Money("2")].compactMap { $0 })
        #expect(r.budgets.map(\.budget.name) == ["search-monthly"])
        #expect(r.openRecommendations == 1 && r.openMonthlySaving == Money("12.345"))
        #expect(r.timeline.providers == ["openai", "anthropic"])
        #expect(r.timeline.days.count == 30)
        #expect(r.timeline.days.last?.day == Self.date("2026-03-09T23:00:00Z"))
        #expect(r.timeline.days.last?.costs == [Money("4.5"), Money("2")].compactMap { $0 })
    }

    @Test("periods in a non-UTC zone: yesterday by default, ISO weeks, a month with a clock change")
    func periods() throws {
        let now = Self.date("2026-03-11T08:00:00Z")
        let daily = try OperationsReport.periods(kind: .daily, date: nil, since: nil, timeZone: Self.berlin, at: now)
        #expect(daily.period.start == Self.date("2026-03-09T23:00:00Z"))
        let weekly = try OperationsReport.periods(kind: .weekly, date: Self.date("2026-03-10T12:00:00Z"), since: nil, timeZone: Self.berlin, at: now)
        #expect(weekly.period.start == Self.date("2026-03-08T23:00:00Z") && weekly.period.end == Self.date("2026-03-15T23:00:00Z"))
        #expect(weekly.previous.start == Self.date("2026-03-01T23:00:00Z"))
        let lastWeek = try OperationsReport.periods(kind: .weekly, date: nil, since: nil, timeZone: Self.berlin, at: now)
        #expect(lastWeek.period.start == Self.date("2026-03-01T23:00:00Z"))
        let april = Self.date("2026-04-02T08:00:00Z")
        let monthly = try OperationsReport.periods(kind: .monthly, date: nil, since: nil, timeZone: Self.berlin, at: april)
        #expect(monthly.period.start == Self.date("2026-02-28T23:00:00Z") && monthly.period.end == Self.date("2026-03-31T22:00:00Z"))
        #expect(monthly.previous.start == Self.date("2026-01-31T23:00:00Z"))
        let range = try OperationsReport.periods(kind: .range, date: nil, since: nil, timeZone: Self.berlin, at: now)
        #expect(range.period.start == Self.date("2026-02-09T23:00:00Z") && range.period.end == now)
        #expect(range.previous.end == range.period.start && range.previous.duration == range.period.duration)
        #expect(throws: ControlError.self) {
            _ = try OperationsReport.periods(kind: .daily, date: Self.date("2026-03-12T08:00:00Z"), since: nil, timeZone: Self.berlin, at: now)
        }
    }

    @Test("the text form: sections and right-aligned numbers under their headings")
    func text() async throws {
        let text = try await Self.build().render(.text)
        #expect(text.hasPrefix("Daily cost report: 2026-03-10 (Europe/Berlin)"))
        for heading in ["TOTALS", "BUDGETS", "TOP MODELS", "TOP TEAMS", "TOP OPERATIONS", "ANOMALIES", "RECOMMENDATIONS", "MONTH PROJECTION"] {
            #expect(text.contains("\n\(heading)\n"), "\(heading)")
        }
        let lines = text.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.contains("THIS PERIOD") })
        let cost = try #require(lines.first { $0.hasPrefix("  Cost ") })
        let end = try #require(header.range(of: "THIS PERIOD")).upperBound.utf16Offset(in: header)
        #expect(try #require(cost.range(of: "$6.50")).upperBound.utf16Offset(in: cost) == end)
        #expect(cost.contains("+$1.50 (+30.0%)"))
        let model = try #require(lines.first { $0.contains("gpt-4o") && $0.contains("$2.2500") })
        #expect(model.contains("69.2%"))
        #expect(text.contains("Cache hit rate") && text.contains("25.0%"))
    }

    @Test("the Markdown form: a summary line and well-formed pipe tables")
    func markdown() async throws {
        let md = try await Self.build().render(.markdown)
        #expect(md.hasPrefix("## Daily cost report: 2026-03-10 (Europe/Berlin)\n**$6.50** (+30.0% vs 2026-03-09)"))
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var tables = 0
        var i = 0
        while i < lines.count {
            guard lines[i].hasPrefix("|") else { i += 1; continue }
            tables += 1
            let columns = lines[i].replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(lines[i + 1].range(of: #"^\|(---:?\|)+$"#, options: .regularExpression) != nil, "\(lines[i + 1])")
            while i < lines.count, lines[i].hasPrefix("|") {
                #expect(lines[i].replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == columns, "\(lines[i])")
                i += 1
            }
        }
        #expect(tables >= 6)
        #expect(md.contains("### Recommendations"))
    }

    @Test("the JSON form: stable snake_case keys and money as exact decimal strings")
    func json() async throws {
        let data = Data(try await Self.build().render(.json).utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["kind"] as? String == "daily")
        #expect(json["time_zone"] as? String == "Europe/Berlin")
        #expect((json["period"] as? [String: Any])?["start"] as? String == "2026-03-10T00:00:00+01:00")
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["cost_usd"] as? String == "6.5")
        #expect(totals["cache_hit_rate"] as? Double == 0.25)
        #expect(totals["requests"] as? Int == 3)
        #expect((json["change"] as? [String: Any])?["cost_usd"] as? String == "1.5")
        let models = try #require(json["top_models"] as? [[String: Any]])
        #expect(models.first?["average_cost_usd"] as? String == "2.25")
        let recs = try #require(json["recommendations"] as? [String: Any])
        #expect(recs["monthly_saving_usd"] as? String == "12.345" && recs["open"] as? Int == 1)
        for key in ["budgets", "top_teams", "top_operations", "anomalies", "timeline", "notes", "previous_totals", "generated_at"] {
            #expect(json[key] != nil, "\(key)")
        }
    }

    @Test("the HTML form: self-contained, every chart an accessible SVG, data escaped")
    func html() async throws {
        let html = try await Self.build().render(.html)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        for id in ["chart-daily-providers", "chart-models", "chart-teams", "chart-budget-1", "chart-forecast"] {
            #expect(html.contains("<svg id=\"\(id)\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\""), "\(id)")
            #expect(html.contains("<title id=\"\(id)-title\">"), "\(id)")
        }
        // nothing that runs or loads: no script, no external resource
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").range(of: "https?://", options: .regularExpression) == nil)
        // names from the data are escaped everywhere
        #expect(html.contains("ads &amp; &lt;growth&gt;") && !html.contains("<growth>"))
        #expect(html.contains("Cache the &lt;system&gt; prompt &amp; tools") && !html.contains("<system>"))
        // balanced elements
        for tag in ["svg", "section", "table", "details", "div", "article", "ul", "g"] {
            let opened = html.components(separatedBy: "<\(tag)>").count - 1 + html.components(separatedBy: "<\(tag) ").count - 1
            let closed = html.components(separatedBy: "</\(tag)>").count - 1
            #expect(opened == closed, "<\(tag)>: \(opened) opened, \(closed) closed")
        }
        #expect(html.contains("@media print"))
        #expect(html.contains("<details><summary>Data table: daily cost by provider</summary><table>"))
    }

    @Test("a spike day is reported as an anomaly, and the month's path ends at the month forecast")
    func anomalyAndForecastPath() async throws {
        let utc = TimeZone(identifier: "UTC") ?? .gmt
        var events: [UsageEvent] = []
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let march11 = Self.date("2026-03-11T00:00:00Z")
        // 8 weeks of 6 requests a day at $1.00–$1.30 each, then $20 each on March 11
        for daysBefore in 0...56 {
            let day = try #require(calendar.date(byAdding: .day, value: -daysBefore, to: march11))
            for i in 0..<6 {
                let cents = daysBefore == 0 ? 2_000 : 100 + (daysBefore * 7 + i * 3) % 31
                events.append(
                    UsageEvent(
                        id: "d\(daysBefore)-\(i)", timestamp: day.addingTimeInterval(Double(9 + i) * 3600), provider: "openai",
                        model: "gpt-4o", usage: Usage(inputTokens: 1_000, outputTokens: 100),
                        cost: EventCost(total: Money(units: Int128(cents) * Money.unitsPerDollar / 100)),
                        dimensions: UsageDimensions(team: "search", operation: "answer")))
            }
        }
        let now = Self.date("2026-03-12T08:00:00Z")
        try await Self.withStores(events) { ledger, budgets, recommendations in
            let r = try await OperationsReport.build(
                ledger: ledger, budgets: budgets, recommendations: recommendations, kind: .daily, timeZone: utc, at: now)
            #expect(r.period.start == march11)
            let spike = try #require(r.anomalies.first { $0.scope == .all && $0.kind == .cost })
            #expect(spike.start == march11 && spike.direction == "spike" && spike.cost == Money("120"))
            #expect(r.timeline.anomalies.contains(spike))
            #expect(r.change.cost > Money("100") ?? .zero)

            let path = r.forecastPath
            #expect(path.count == 31 && path.first?.day == Self.date("2026-03-01T00:00:00Z"))
            // spent through the 11th: every day's six requests, the spike included
            let spentThrough11 = r.monthForecast.map { $0.spent }
            #expect(path[10].actual == spentThrough11 && path[11].actual == spentThrough11)  // nothing recorded on the 12th
            #expect(path[10].expected == nil && path[11].expected != nil && path[30].actual == nil)
            for point in path where point.expected != nil {
                #expect((point.lower ?? .zero) <= (point.expected ?? .zero) && (point.expected ?? .zero) <= (point.upper ?? .zero))
            }
            let f = try #require(r.monthForecast)
            #expect(path[30].expected == f.projected && path[30].lower == f.lower && path[30].upper == f.upper)
            #expect(try r.render(.text).contains("cost spike"))
        }
    }

    @Test("an empty ledger still renders every form")
    func empty() async throws {
        try await Self.withStores([]) { ledger, budgets, recommendations in
            let r = try await OperationsReport.build(
                ledger: ledger, budgets: budgets, recommendations: recommendations, kind: .weekly, timeZone: .gmt,
                at: Self.date("2026-03-12T08:00:00Z"))
            #expect(r.totals.cost == .zero && r.topModels.isEmpty && r.change.costRatio == nil)
            for format in ReportFormat.allCases { #expect(!(try r.render(format)).isEmpty) }
            #expect(try r.render(.text).contains("No usage."))
        }
    }
}
