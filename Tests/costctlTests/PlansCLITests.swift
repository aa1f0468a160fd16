import CostControl
import Foundation
import Testing

/// `costctl plans`, run as a real process on a real SQLite ledger filled with a scenario.
@Suite("costctl plans")
struct PlansCLITests {
    /// The end of the replayed days: a fixed UTC midnight, so the scenarios are the same every run.
    static let end = Date(timeIntervalSince1970: 1_795_305_600)  // 2026-11-22T00:00:00Z
    static let until = "2026-11-22T00:00:00Z"

    /// A database at `cli.home/name.db` holding `days` days of `scenario`.
    static func database(_ cli: CLI, _ scenario: PlanScenario.Kind, days: Int = 45) async throws -> String {
        let path = cli.home.appendingPathComponent("\(scenario.rawValue).db").path
        let ledger = try LedgerStore.open(paths: ControlPaths(database: path, environment: ["HOME": cli.home.path]), environment: [:])
        let result = try await ledger.record(contentsOf: PlanScenario(scenario, seed: 11).events(days: days, endingAt: end))
        #expect(result.rejected.isEmpty)
        return path
    }

    @Test("the catalog lists every plan, with --json ids, prices and windows")
    func catalog() throws {
        let cli = try CLI()
        let text = try cli.run(["plans"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("claude-max-20x"))
        #expect(text.stdout.contains("(estimate)"))
        let json = try cli.run(["plans", "--json"])
        let plans = try #require(try json.json()["plans"] as? [[String: Any]])
        let ids = plans.compactMap { $0["id"] as? String }
        for id in ["api", "claude-pro", "claude-max-5x", "claude-max-20x", "chatgpt-plus", "chatgpt-team", "gemini-free", "gemini-tier-1"] {
            #expect(ids.contains(id))
        }
        #expect(plans.first { $0["id"] as? String == "claude-max-20x" }?["monthly_price"] as? String == "200")
    }

    @Test("a Claude Code heavy user on Max 20x: Pro does not fit, Max 5x does and saves $100")
    func claudeCodeHeavyUser() async throws {
        let cli = try CLI()
        let db = try await PlansCLITests.database(cli, .claudeCodeMax20x)
        let r = try cli.run(["plans", "--fit", "--current", "claude-max-20x", "--db", db, "--until", PlansCLITests.until, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        let plans = try #require(json["plans"] as? [[String: Any]])
        func plan(_ id: String) -> [String: Any]? { plans.first { $0["id"] as? String == id } }
        let pro = try #require(plan("claude-pro"))
        #expect(pro["fits"] as? Bool == false)
        #expect((pro["windows_over_limit"] as? Int ?? 0) > 20)
        #expect((pro["peak_utilization"] as? Double ?? 0) > 3)
        let max20 = try #require(plan("claude-max-20x"))
        #expect(max20["fits"] as? Bool == true)
        let peak = try #require(max20["peak_utilization"] as? Double)
        #expect(peak > 0.12 && peak < 0.23)
        #expect(max20["monthly_price"] as? String == "200")
        #expect(json["recommended"] as? String == "claude-max-5x")
        #expect(json["monthly_saving"] as? String == "100")
        let confidence = try #require(json["confidence"] as? Double)
        #expect(confidence > 0 && confidence < 1)
        let components = try #require(json["confidence_components"] as? [String: Any])
        for key in ["coverage", "calibration", "stability", "headroom", "trend"] { #expect(components[key] is Double) }
        // Public estimates, no meter: the calibration component says so.
        #expect(components["calibration"] as? Double == 0.7)
        #expect(plans.last?["id"] as? String == "api")
        #expect((plans.last?["monthly_cost"] as? String).flatMap { Double($0) } ?? 0 > 200)

        let text = try cli.run(["plans", "--fit", "--current", "claude-max-20x", "--db", db, "--until", PlansCLITests.until, "--tz", "Europe/Berlin"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Recommended: claude-max-5x (saves $100.00 a month)"))
        #expect(text.stdout.contains("claude-pro would have hit its limit in"))
        #expect(text.stdout.contains("+01:00"))
    }

    @Test("a meter reading calibrates the current plan, and the other plans follow by their ratios")
    func meter() async throws {
        let cli = try CLI()
        let db = try await PlansCLITests.database(cli, .claudeCodeMax20x)
        // The last event of the scenario, read from the ledger: the meter is read right after it.
        let ledger = try LedgerStore.open(paths: ControlPaths(database: db, environment: ["HOME": cli.home.path]), environment: [:])
        let latest = try #require(try await ledger.info().latest)
        let reading = "session=15%@" + Timestamp.format(latest.addingTimeInterval(60))
        let r = try cli.run(["plans", "--current", "claude-max-20x", "--meter", reading, "--db", db, "--until", PlansCLITests.until, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        let calibration = try #require((json["calibration"] as? [[String: Any]])?.first)
        #expect(calibration["source"] as? String == "meter")
        let allowance = try #require((calibration["allowance"] as? String).flatMap { Double($0) })
        let plans = try #require(json["plans"] as? [[String: Any]])
        func session(_ id: String) -> [String: Any]? {
            (plans.first { $0["id"] as? String == id }?["window_fits"] as? [[String: Any]])?.first { $0["kind"] as? String == "session" }
        }
        #expect(session("claude-max-20x")?["allowance_source"] as? String == "meter")
        let max5 = try #require((session("claude-max-5x")?["allowance"] as? String).flatMap { Double($0) })
        let pro = try #require((session("claude-pro")?["allowance"] as? String).flatMap { Double($0) })
        #expect(abs(max5 - allowance / 4) < 1e-9)
        #expect(abs(pro - allowance / 20) < 1e-9)
    }

    @Test("a 'usage limit reached' line in imported Claude Code logs calibrates the current plan's session")
    func rateLimitFromImportedLogs() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("cc.db").path
        let imported = try cli.run(["import", "claude-code", ImportBench.fixture("claude-code"), "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        // The fixture's refusal is at 2026-11-10T09:04Z, resetting at 17:00: the 5-hour session that
        // began at 09:00 (its end, 14:00, is nearer the reset than the week's end).
        // API traffic of the same provider, recorded by hand: --where keeps it out of the fit.
        let api = try cli.run([
            "record", "--db", db, "--at", "2026-11-10T09:30:00Z", "--provider", "anthropic", "--model", "claude-sonnet-4-5",
            "--input", "2000000", "--output", "1000",
        ])
        #expect(api.status == 0, "\(api.stderr)")
        let r = try cli.run([
            "plans", "--current", "claude-pro", "--where", "tag:source=claude-code", "--db", db, "--until", PlansCLITests.until, "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["refusals"] as? Int == 1)
        let all = try cli.run(["plans", "--current", "claude-pro", "--db", db, "--until", PlansCLITests.until, "--json"])
        #expect((try all.json()["requests"] as? Int ?? 0) == (json["requests"] as? Int ?? 0) + 1)
        let calibration = try #require((json["calibration"] as? [[String: Any]])?.first)
        #expect(calibration["window"] as? String == "session")
        #expect(calibration["source"] as? String == "rate_limit")
        #expect((calibration["detail"] as? String)?.contains("2026-11-10T09:04:00Z") == true)
        let allowance = try #require((calibration["allowance"] as? String).flatMap { Double($0) })
        #expect(allowance > 0)
        let pro = try #require((json["plans"] as? [[String: Any]])?.first { $0["id"] as? String == "claude-pro" })
        let session = try #require((pro["window_fits"] as? [[String: Any]])?.first { $0["kind"] as? String == "session" })
        #expect(session["allowance_source"] as? String == "rate_limit")
        // The window that was refused was full: at least 100% under the calibrated allowance.
        #expect((pro["peak_utilization"] as? Double ?? 0) >= 1)
    }

    @Test("a spiky service on the Gemini API outgrows the free tier on its spike days")
    func spikyService() async throws {
        let cli = try CLI()
        let db = try await PlansCLITests.database(cli, .spikyService, days: 30)
        let r = try cli.run(["plans", "--fit", "--db", db, "--until", PlansCLITests.until, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["family"] as? String == "gemini")
        let free = try #require((json["plans"] as? [[String: Any]])?.first { $0["id"] as? String == "gemini-free" })
        #expect(free["fits"] as? Bool == false)
        #expect((free["windows_over_limit"] as? Int ?? 0) >= 1)
        #expect(json["recommended"] as? String != "gemini-free")
    }

    @Test("bad input exits 2 with a message", arguments: [
        (["plans", "--meter", "session=10%@2026-11-02T20:59Z"], "--current"),
        (["plans", "--current", "claude-ultra"], "claude-max-5x"),
        (["plans", "--current", "claude-pro", "--meter", "session=ten"], "KIND=PERCENT%@TIME"),
        (["plans", "--fit", "--days", "0"], "--days"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("empty.db").path
        let r = try cli.run(arguments + ["--db", db])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("an empty ledger gives no recommendation and says why; --help lists the options")
    func emptyLedger() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("empty.db").path
        let r = try cli.run(["plans", "--fit", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["recommended"] is NSNull)
        #expect(json["confidence"] is NSNull)
        #expect((json["notes"] as? [String])?.contains { $0.contains("nothing to fit") } == true)
        let help = try cli.run(["plans", "--help"])
        #expect(help.status == 0)
        for option in ["--fit", "--current", "--meter", "--days", "--until", "--plans", "--json", "--db", "--tz"] {
            #expect(help.stdout.contains(option), "\(option)")
        }
    }

    @Test("a plan file overrides the catalog by id")
    func overrideFile() throws {
        let cli = try CLI()
        let file = cli.home.appendingPathComponent("plans.json")
        try Data(#"{"plans": [{"id": "claude-pro", "monthly_price": "17"}]}"#.utf8).write(to: file)
        let r = try cli.run(["plans", "--plans", file.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let plans = try #require(try r.json()["plans"] as? [[String: Any]])
        #expect(plans.first { $0["id"] as? String == "claude-pro" }?["monthly_price"] as? String == "17")
    }
}
