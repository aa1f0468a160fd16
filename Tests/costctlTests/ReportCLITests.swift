import CostControl
import Foundation
import Testing

/// `costctl report`, run as a real process on a real SQLite file filled through the library.
@Suite("costctl report")
struct ReportCLITests {
    static func date(_ text: String) -> Date { (try? Date(text, strategy: .iso8601)) ?? .distantPast }

    static func event(_ id: String, _ at: String, team: String, dollars: String, model: String = "gpt-4o") -> UsageEvent {
        UsageEvent(
            id: id, timestamp: date(at), provider: "openai", model: model, usage: Usage(inputTokens: 1_000, outputTokens: 100, cacheReadTokens: 250),
            cost: EventCost(total: Money(dollars) ?? .zero), dimensions: UsageDimensions(team: team, operation: "answer"))
    }

    /// A database with three days of usage around 2026-11-10 in Europe/Paris (UTC+1).
    static func database(_ cli: CLI) async throws -> String {
        let db = cli.home.appendingPathComponent("report.db").path
        let ledger = try LedgerStore.open(paths: ControlPaths(database: db), environment: [:])
        _ = try await ledger.record(contentsOf: [
            event("a", "2026-11-09T12:00:00Z", team: "search", dollars: "2"),
            event("b", "2026-11-09T23:30:00Z", team: "search", dollars: "3"),  // 00:30 on the 10th in Paris
            event("c", "2026-11-10T15:00:00Z", team: "ads", dollars: "1.25", model: "gpt-4o-mini"),
            event("d", "2026-11-10T23:30:00Z", team: "ads", dollars: "7"),  // the 11th in Paris
        ])
        return db
    }

    @Test("report daily --date --tz --json: the Paris day, the day before, exact money")
    func dailyJSON() async throws {
        let cli = try CLI()
        let db = try await Self.database(cli)
        let r = try cli.run(["report", "daily", "--db", db, "--date", "2026-11-10", "--tz", "Europe/Paris", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["kind"] as? String == "daily" && json["label"] as? String == "2026-11-10")
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["cost_usd"] as? String == "4.25" && totals["requests"] as? Int == 2)
        #expect(totals["cache_hit_rate"] as? Double == 0.25)
        #expect((json["previous_totals"] as? [String: Any])?["cost_usd"] as? String == "2")
        let teams = try #require(json["top_teams"] as? [[String: Any]])
        #expect(teams.map { $0["name"] as? String } == ["search", "ads"])
        #expect(teams.first?["average_cost_usd"] as? String == "3")
    }

    @Test("report weekly --format markdown and text; --format html writes one page")
    func formats() async throws {
        let cli = try CLI()
        let db = try await Self.database(cli)
        let md = try cli.run(["report", "weekly", "--db", db, "--date", "2026-11-10", "--tz", "Europe/Paris", "--format", "markdown"])
        #expect(md.status == 0, "\(md.stderr)")
        #expect(md.stdout.hasPrefix("## Weekly cost report: 2026-W46 (2026-11-09 – 2026-11-15) (Europe/Paris)"))
        #expect(md.stdout.contains("| ads | 2 | $8.25 | $4.1250 | 62.3% |"))
        #expect(md.stdout.contains("| search | 2 | $5.00 | $2.5000 | 37.7% |"))
        let text = try cli.run(["report", "monthly", "--db", db, "--date", "2026-11-10"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Monthly cost report: 2026-11 (UTC)") && text.stdout.contains("TOP OPERATIONS"))
        let html = try cli.run(["report", "--db", db, "--format", "html", "--since", "2026-11-01"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.hasSuffix("</html>\n"))
        #expect(html.stdout.contains("<svg id=\"chart-daily-providers\" role=\"img\""))
    }

    @Test("usage errors exit 2 with a message")
    func usageErrors() async throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("empty.db").path
        let noPeriod = try cli.run(["report", "--db", db, "--date", "2026-11-10"])
        #expect(noPeriod.status == 2 && noPeriod.stderr.contains("--date needs a period"))
        let clash = try cli.run(["report", "daily", "--db", db, "--json", "--format", "html"])
        #expect(clash.status == 2)
        let future = try cli.run(["report", "daily", "--db", db, "--date", "2999-01-01"])
        #expect(future.status == 2 && future.stderr.contains("future"))
        let badFormat = try cli.run(["report", "daily", "--db", db, "--format", "pdf"])
        #expect(badFormat.status == 2)
        let help = try cli.run(["report", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--format"))
    }
}
