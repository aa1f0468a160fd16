import CostBudget
import CostControl
import CostPricing
import Foundation
import Testing

@Suite("Daemon reports")
struct DaemonReportTests {
    typealias Support = DaemonTestSupport

    @Test("report periods: yesterday and last week (Monday to Sunday) in the zone, with their keys")
    func periods() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let slot = try #require(ISO8601DateFormatter().date(from: "2026-11-18T07:00:00Z"))  // Wednesday 08:00 in Berlin
        let daily = DaemonReportRequest.previous(.daily, before: slot, in: berlin)
        #expect(daily.key == "report:daily:2026-11-17")
        #expect(daily.start == ISO8601DateFormatter().date(from: "2026-11-16T23:00:00Z") && daily.end == ISO8601DateFormatter().date(from: "2026-11-17T23:00:00Z"))
        let weekly = DaemonReportRequest.previous(.weekly, before: slot, in: berlin)
        #expect(weekly.key == "report:weekly:2026-11-09")
        #expect(weekly.start == ISO8601DateFormatter().date(from: "2026-11-08T23:00:00Z") && weekly.end == ISO8601DateFormatter().date(from: "2026-11-15T23:00:00Z"))
        // on a Monday, last week is the one that just ended
        let monday = DaemonReportRequest.previous(.weekly, before: Support.monday.addingTimeInterval(8 * 3600), in: Support.utc)
        #expect(monday.key == "report:weekly:2026-11-09" && monday.end == Support.monday)
    }

    @Test("each channel gets the report's own rendering: JSON, Markdown, text")
    func payloads() throws {
        let request = DaemonReportRequest.previous(.daily, before: Support.monday.addingTimeInterval(8 * 3600), in: Support.utc)
        let markdown = "*Daily* <report>\n" + String(repeating: "line of the table\n", count: 400)
        let report = DaemonReport(title: "costctl daily usage 2026-11-15: $1.00", text: "DATE  COST\n2026-11-15  $1.00", markdown: markdown,
                                  json: Data(#"{"daily":[{"date":"2026-11-15","totalCost":1}]}"#.utf8))
        let alert = report.alert(for: request, at: Support.monday)
        #expect(alert.key == "report:daily:2026-11-15" && alert.kind == .report && alert.severity == .info)
        let webhook = try #require(try JSONSerialization.jsonObject(with: AlertPayloads.genericJSON(alert)) as? [String: Any])
        #expect(webhook["kind"] as? String == "report" && webhook["key"] as? String == alert.key && webhook["title"] as? String == report.title)
        let daily = try #require((webhook["report"] as? [String: Any])?["daily"] as? [[String: Any]])
        #expect(daily.first?["date"] as? String == "2026-11-15")
        let slack = try #require(try JSONSerialization.jsonObject(with: AlertPayloads.slack(alert)) as? [String: Any])
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        let texts = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        #expect(blocks.count > 3 && texts.allSatisfy { $0.count <= 3000 })
        #expect(texts[1].hasPrefix("*Daily* &lt;report&gt;"))
        #expect(texts.dropFirst().joined(separator: "\n").count >= markdown.count - 2)
        let (subject, body) = AlertPayloads.email(alert)
        #expect(subject == "[costctl] \(report.title)" && body == report.text)
        let discord = try #require(try JSONSerialization.jsonObject(with: AlertPayloads.discord(alert)) as? [String: Any])
        let embed = try #require((discord["embeds"] as? [[String: Any]])?.first)
        #expect((embed["description"] as? String)?.hasPrefix("*Daily*") == true && (embed["description"] as? String)?.count ?? 0 <= 4096)
        let teams = String(decoding: AlertPayloads.teams(alert), as: UTF8.self)
        #expect(teams.contains("AdaptiveCard") && teams.contains("line of the table"))
    }

    @Test("the operations reporter renders the day's operations report from the ledger, in all three forms")
    func operations() async throws {
        let ledger = MemoryUsageLedger(configuration: LedgerConfiguration(engine: CostEngine(catalog: try PriceCatalog.bundled())))
        let day = Support.monday.addingTimeInterval(-86_400)
        _ = try await ledger.record(UsageEvent(
            id: "a", timestamp: day.addingTimeInterval(3600), provider: "openai", model: "gpt-4o", usage: Usage(inputTokens: 100_000, outputTokens: 10_000),
            dimensions: UsageDimensions(team: "search")))
        _ = try await ledger.record(UsageEvent(
            id: "b", timestamp: Support.monday.addingTimeInterval(60), provider: "openai", model: "gpt-4o", usage: Usage(inputTokens: 1_000, outputTokens: 10)))
        let now = Support.monday.addingTimeInterval(8 * 3600)
        let request = DaemonReportRequest.previous(.daily, before: now, in: Support.utc)
        let report = try await DaemonReporter.operations(ledger: ledger, budgets: nil, recommendations: nil, now: { now }).make(request)
        #expect(report.title == "Daily cost report 2026-11-15: $0.35", "\(report.title)")
        // only the day asked for: Monday's request is not in it
        #expect(report.text.contains("2026-11-15") && report.text.contains("gpt-4o") && report.text.contains("search"))
        #expect(report.markdown.contains("gpt-4o") && report.markdown.contains("|"))
        let json = try #require(try JSONSerialization.jsonObject(with: report.json) as? [String: Any])
        #expect(json["kind"] as? String == "daily" && json["label"] as? String == "2026-11-15")
        #expect((json["totals"] as? [String: Any])?["requests"] as? Int == 1)
        #expect((json["totals"] as? [String: Any])?["cost_usd"] as? String == "0.35")
    }
}
