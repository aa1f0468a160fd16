import Foundation
import Testing

/// The ccusage-style reports and the unpriced-model flow, run as real processes on real SQLite files.
@Suite("costctl reports")
struct ReportsCLITests {
    /// a: gpt-4o at 23:30 UTC (00:30 in Berlin): 600 uncached + 400 cache read input, 100 output →
    /// 600 × $2.50 + 400 × $1.25 + 100 × $10 per MTok = $0.003.
    /// b: gpt-4o-mini at 10:00 UTC: 2,000 input, 200 output → 2,000 × $0.15 + 200 × $0.60 per MTok = $0.00042.
    static let lines = [
        #"{"id":"a","timestamp":"2026-11-20T23:30:00Z","provider":"openai","model":"gpt-4o","usage":{"input_tokens":1000,"output_tokens":100,"cache_read_tokens":400},"session":"s1","project":"api"}"#,
        #"{"id":"b","timestamp":"2026-11-20T10:00:00Z","provider":"openai","model":"gpt-4o-mini","usage":{"input_tokens":2000,"output_tokens":200},"session":"s1","project":"api"}"#,
    ].joined(separator: "\n")

    static let tokenFields: Set<String> = [
        "inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens", "totalTokens", "totalCost",
    ]

    func filled() throws -> (CLI, String) {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("r.db").path
        let recorded = try cli.run(["record", "--db", db, "--stdin"], stdin: ReportsCLITests.lines)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        return (cli, db)
    }

    @Test("daily --json: ccusage's fields, uncached input, exact cost; --tz moves 23:30 UTC to the next day")
    func daily() throws {
        let (cli, db) = try filled()
        let r = try cli.run(["daily", "--db", db, "--since", "20261101", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        let days = try #require(json["daily"] as? [[String: Any]])
        #expect(days.count == 1)
        let day = try #require(days.first)
        #expect(Self.tokenFields.union(["date", "modelsUsed", "modelBreakdowns"]).isSubset(of: Set(day.keys)))
        #expect(day["date"] as? String == "2026-11-20")
        #expect(day["inputTokens"] as? Int == 2_600)
        #expect(day["cacheReadTokens"] as? Int == 400)
        #expect(day["outputTokens"] as? Int == 300)
        #expect(day["totalTokens"] as? Int == 3_300)
        #expect(day["totalCostExact"] as? String == "0.00342")
        #expect(day["totalCost"] as? Double == 0.00342)
        #expect(day["modelsUsed"] as? [String] == ["gpt-4o", "gpt-4o-mini"])
        let breakdown = try #require((day["modelBreakdowns"] as? [[String: Any]])?.first)
        #expect(breakdown["modelName"] as? String == "gpt-4o")
        #expect(breakdown["cost"] as? Double == 0.003)
        #expect(breakdown["inputTokens"] as? Int == 600)
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(Self.tokenFields.isSubset(of: Set(totals.keys)))
        #expect(totals["totalTokens"] as? Int == 3_300)
        #expect((json["coverage"] as? [String: Any])?["pricedShare"] as? Double == 1)

        let berlin = try cli.run(["daily", "--db", db, "--tz", "Europe/Berlin", "--json"]).json()
        let berlinDays = try #require(berlin["daily"] as? [[String: Any]])
        #expect(berlinDays.map { $0["date"] as? String } == ["2026-11-20", "2026-11-21"])
        #expect(berlinDays.map { $0["totalCostExact"] as? String } == ["0.00042", "0.003"])

        let table = try cli.run(["daily", "--db", db, "--breakdown"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("CACHE CREATE"))
        #expect(table.stdout.contains("└ gpt-4o-mini"))
        #expect(table.stdout.contains("3,300"))
    }

    @Test("weekly, monthly, session and blocks --json carry ccusage's keys")
    func shapes() throws {
        let (cli, db) = try filled()
        let weekly = try cli.run(["weekly", "--db", db, "--start-of-week", "monday", "--json"]).json()
        #expect((weekly["weekly"] as? [[String: Any]])?.first?["week"] as? String == "2026-11-16")
        let monthly = try cli.run(["monthly", "--db", db, "--json"]).json()
        let month = try #require((monthly["monthly"] as? [[String: Any]])?.first)
        #expect(month["month"] as? String == "2026-11")
        #expect(Self.tokenFields.isSubset(of: Set(month.keys)))
        let sessions = try cli.run(["session", "--db", db, "--json"]).json()
        let session = try #require((sessions["sessions"] as? [[String: Any]])?.first)
        #expect(session["sessionId"] as? String == "s1")
        #expect(session["projectPath"] as? String == "api")
        #expect(session["firstActivity"] as? String == "2026-11-20T10:00:00.000Z")
        #expect(session["lastActivity"] as? String == "2026-11-20T23:30:00.000Z")
        #expect(session["totalCostExact"] as? String == "0.00342")
        let blocks = try cli.run(["blocks", "--db", db, "--json", "--token-limit", "max"]).json()
        let list = try #require(blocks["blocks"] as? [[String: Any]])
        // 10:00 and 23:30: more than 5 hours apart, so a block, a gap (15:00 → 23:30) and a block.
        #expect(list.map { $0["id"] as? String } == [
            "2026-11-20T10:00:00.000Z", "gap-2026-11-20T15:00:00.000Z", "2026-11-20T23:00:00.000Z",
        ])
        #expect((list.first?["tokenCounts"] as? [String: Int])?["inputTokens"] as? Int == 2_000)
        #expect(blocks["tokenLimit"] as? Int == 2_200)
        let table = try cli.run(["blocks", "--db", db])
        #expect(table.stdout.contains("(8h gap)"))
        // --since wins over --recent (whose last 3 days depend on the clock).
        let recent = try cli.run(["blocks", "--db", db, "--recent", "--since", "2026-11-01", "--json"])
        #expect(recent.status == 0, "\(recent.stderr)")
        #expect((try recent.json()["blocks"] as? [Any])?.count == 3)
    }

    @Test("unpriced usage: reports show coverage, pricing missing lists it, import + reprice fix history")
    func unpricedFlow() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("u.db").path
        let at = ["--at", "2026-11-20T10:00:00Z"]
        #expect(try cli.run(["record", "--db", db, "--model", "acme-llm-1", "--input", "1000", "--output", "500"] + at).status == 0)
        #expect(try cli.run(["record", "--db", db, "--model", "gpt-4o", "--input", "1000", "--output", "0"] + at).status == 0)

        // 1,500 of 2,500 tokens have no price.
        let daily = try cli.run(["daily", "--db", db, "--json"]).json()
        let coverage = try #require(daily["coverage"] as? [String: Any])
        #expect(coverage["summary"] as? String == "40.0% of tokens priced; 1 model unpriced: acme-llm-1")
        #expect(coverage["unpricedTokens"] as? Int == 1_500)
        #expect((daily["totals"] as? [String: Any])?["totalCostExact"] as? String == "0.0025")
        #expect(try cli.run(["daily", "--db", db]).stdout.contains("40.0% of tokens priced; 1 model unpriced: acme-llm-1"))

        let missing = try cli.run(["pricing", "missing", "--db", db, "--json"])
        #expect(missing.status == 0, "\(missing.stderr)")
        let before = try #require((try missing.json()["unpriced_models"] as? [[String: Any]])?.first)
        #expect(before["model"] as? String == "acme-llm-1")
        #expect(before["unpriced_tokens"] as? Int == 1_500)
        #expect(before["unpriced_events"] as? Int == 1)
        #expect(before["priced_now"] as? Bool == false)

        let prices = cli.home.appendingPathComponent("acme.json")
        try Data(#"{"providers": [{"id": "acme", "models": [{"id": "acme-llm-1", "prices": {"input_mtok": "2", "output_mtok": "8"}}]}]}"#.utf8)
            .write(to: prices)
        #expect(try cli.run(["pricing", "import", prices.path, "--format", "costctl"]).status == 0)
        let now = try cli.run(["pricing", "missing", "--db", db])
        #expect(now.stdout.contains("priced now: costctl reprice --where model=acme-llm-1"))
        let repriced = try cli.run(["reprice", "--db", db, "--where", "model=acme-llm-1", "--json"])
        #expect(try repriced.json()["changed"] as? Int == 1, "\(repriced.stderr)")

        let after = try cli.run(["pricing", "missing", "--db", db, "--json"]).json()
        #expect((after["unpriced_models"] as? [Any])?.isEmpty == true)
        #expect(after["priced_share"] as? Double == 1)
        // 1,000 × $2 + 500 × $8 per MTok = $0.006, plus gpt-4o's $0.0025.
        let fixed = try cli.run(["daily", "--db", db, "--json"]).json()
        #expect((fixed["totals"] as? [String: Any])?["totalCostExact"] as? String == "0.0085")
        #expect((fixed["coverage"] as? [String: Any])?["summary"] is NSNull)
    }

    @Test("bad options are usage errors (exit 2); an empty ledger says how to fill it")
    func errors() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("e.db").path
        #expect(try cli.run(["blocks", "--db", db, "--token-limit", "lots"]).status == 2)
        #expect(try cli.run(["weekly", "--db", db, "--start-of-week", "someday"]).status == 2)
        #expect(try cli.run(["daily", "--db", db, "--since", "yesteryear"]).status == 2)
        let empty = try cli.run(["daily", "--db", db])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("No usage recorded"))
        let help = try cli.run(["--help"])
        for command in ["daily", "weekly", "monthly", "session", "blocks"] {
            #expect(help.stdout.contains(command), "\(command) in --help")
        }
    }
}
