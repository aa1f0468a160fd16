import CostControl
import Foundation
import Testing

/// `costctl recommend`, run as a real process on a real SQLite database filled with a scenario.
@Suite("costctl recommend")
struct RecommendCLITests {
    static let window = ["--since", "2026-10-23T00:00:00Z", "--until", PlansCLITests.until]

    @Test("a Claude Code user on Max 20x: a ranked plan change with saving, confidence components, actions, evidence; stored pending")
    func listsPlanChange() async throws {
        let cli = try CLI()
        let db = try await PlansCLITests.database(cli, .claudeCodeMax20x)
        let r = try cli.run(["recommend", "--db", db, "--current", "claude-max-20x", "--json"] + Self.window)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["added"] as? Int == 1)
        let list = try #require(json["recommendations"] as? [[String: Any]])
        let first = try #require(list.first)
        #expect(first["kind"] as? String == "plan-change")
        #expect(first["monthly_saving"] as? String == "100")
        #expect(first["baseline_monthly_spend"] as? String == "200")
        #expect(first["status"] as? String == "pending")
        #expect(first["difficulty"] as? String == "easy")
        let components = try #require(first["confidence_components"] as? [String: Any])
        #expect(Set(components.keys) == ["coverage", "calibration", "stability", "headroom", "trend"])
        let confidence = try #require(first["confidence"] as? Double)
        #expect(confidence > 0 && confidence < 0.95)
        let priority = try #require(first["priority"] as? Double)
        #expect(abs(priority - (0.5 + 0.3 * confidence + 0.2)) < 0.001)  // the only one: full saving term, easy
        let actions = try #require(first["actions"] as? [[String: Any]])
        #expect(actions.first?["type"] as? String == "change-plan" && actions.first?["to"] as? String == "claude-max-5x")
        #expect((first["evidence"] as? String)?.hasPrefix("costctl plans --fit") == true)

        let text = try cli.run(["recommend", "--db", db, "--current", "claude-max-20x"] + Self.window)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Switch from claude-max-20x to claude-max-5x"))
        #expect(text.stdout.contains("saves $100.00/month"))
        #expect(text.stdout.contains("0 new, 1 found again"))
    }

    @Test("the lifecycle through the CLI: invalid steps exit 2, accept, implemented, verify --saving, show with history")
    func lifecycle() async throws {
        let cli = try CLI()
        let db = try await PlansCLITests.database(cli, .claudeCodeMax20x)
        let listed = try cli.run(["recommend", "--db", db, "--current", "claude-max-20x", "--json"] + Self.window)
        let id = try #require((try listed.json()["recommendations"] as? [[String: Any]])?.first?["id"] as? String)

        let early = try cli.run(["recommend", "implemented", id, "--db", db, "--json"])
        #expect(early.status == 2)
        #expect(early.stderr.contains("invalid-transition") && early.stderr.contains("pending"))
        #expect(try cli.run(["recommend", "reject", id, "--db", db]).status == 2)  // --reason is required
        #expect(try cli.run(["recommend", "accept", "rec-000000000000", "--db", db]).status == 1)

        let accepted = try cli.run(["recommend", "accept", id, "--db", db, "--json"], environment: ["USER": "sam"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(try accepted.json()["status"] as? String == "accepted")
        let implemented = try cli.run(["recommend", "implemented", id, "--at", "2026-11-22T00:00:00Z", "--db", db, "--json"])
        #expect(implemented.status == 0, "\(implemented.stderr)")
        #expect(try implemented.json()["implemented_at"] as? String == "2026-11-22T00:00:00Z")
        // a plan change is billed by the vendor: the ledger cannot measure it
        let unmeasured = try cli.run(["recommend", "verify", id, "--db", db])
        #expect(unmeasured.status == 2 && unmeasured.stderr.contains("--saving"))
        let verified = try cli.run(["recommend", "verify", id, "--saving", "95.50", "--db", db, "--json"])
        #expect(verified.status == 0, "\(verified.stderr)")
        let verification = try #require(try verified.json()["verification"] as? [String: Any])
        #expect(verification["actual_saving"] as? String == "95.5")

        let shown = try cli.run(["recommend", "show", id, "--db", db, "--json"])
        let history = try #require(try shown.json()["history"] as? [[String: Any]])
        #expect(history.compactMap { $0["to"] as? String } == ["pending", "accepted", "implemented", "verified"])
        #expect(history.first { $0["to"] as? String == "accepted" }?["actor"] as? String == "cli:sam")
        let text = try cli.run(["recommend", "show", id, "--db", db])
        #expect(text.stdout.contains("verified: actual saving $95.50/month"))
        #expect(text.stdout.contains("accepted → implemented"))

        // a later refresh keeps it verified and its numbers frozen
        let again = try cli.run(["recommend", "--db", db, "--current", "claude-max-20x", "--status", "verified", "--json"] + Self.window)
        #expect((try again.json()["recommendations"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
    }

    @Test("auto-execution: opt-in is stored and validated; below 0.95 nothing runs even when opted in")
    func auto() async throws {
        let cli = try CLI()
        let db = try await PlansCLITests.database(cli, .claudeCodeMax20x)
        let marker = cli.home.appendingPathComponent("hook-ran").path
        let hook = cli.home.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\ntouch '\(marker)'\n".write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)

        #expect(try cli.run(["recommend", "auto", "--enable", "manual", "--db", db]).status == 2)
        #expect(try cli.run(["recommend", "auto", "--enable", "change-plan", "--db", db]).status == 2)  // needs --hook
        let enabled = try cli.run(["recommend", "auto", "--enable", "change-plan", "--hook", hook, "--enable", "route-model", "--db", db, "--json"])
        #expect(enabled.status == 0, "\(enabled.stderr)")
        let settings = try #require(try enabled.json()["enabled"] as? [[String: Any]])
        #expect(settings.compactMap { $0["action"] as? String } == ["change-plan", "route-model"])
        #expect(settings.first?["command"] as? String == hook)

        let r = try cli.run(["recommend", "--db", db, "--current", "claude-max-20x", "--json"] + Self.window)
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try r.json()["auto_actions"] as? [Any])?.isEmpty == true)
        #expect((try r.json()["recommendations"] as? [[String: Any]])?.first?["status"] as? String == "pending")
        #expect(!FileManager.default.fileExists(atPath: marker))

        let disabled = try cli.run(["recommend", "auto", "--disable", "change-plan", "--run", "--db", db])
        #expect(disabled.status == 0, "\(disabled.stderr)")
        #expect(disabled.stdout.contains("for: route-model") && disabled.stdout.contains("Nothing eligible"))
        let missing = try cli.run(["recommend", "auto", "--remove-route", "route-000000000000", "--db", db])
        #expect(missing.status == 1 && missing.stderr.contains("no model route"))
    }

    @Test("help lists the subcommands; a bad scope is invalid usage")
    func helpAndScope() throws {
        let cli = try CLI()
        let help = try cli.run(["recommend", "--help"])
        for word in ["accept", "reject", "implemented", "verify", "show", "auto"] { #expect(help.stdout.contains(word)) }
        let bad = try cli.run(["recommend", "--scope", "squad=x", "--db", cli.home.appendingPathComponent("x.db").path])
        #expect(bad.status == 2)
    }
}
