import Foundation
import Testing

/// `costctl demo --scenario`: one user's realistic usage recorded and advised on, as a real process.
@Suite("costctl demo --scenario")
struct DemoScenarioCLITests {
    @Test("the Claude Code scenario is recorded and fitted against its plan; the answer agrees with `plans --fit`")
    func claudeCode() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("s.db").path
        let demo = try cli.run(["demo", "--scenario", "claude-code-max-20x", "--db", db, "--json"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let json = try demo.json()
        let added = try #require(json["events_added"] as? Int)
        #expect(added > 2_000)
        #expect((json["budgets"] as? [Any])?.isEmpty == true)
        let recommendations = try #require(json["recommendations"] as? [[String: Any]])
        // the fit of the same database: a plan-change recommendation exactly when it recommends another plan
        let fit = try cli.run(["plans", "--fit", "--current", "claude-max-20x", "--db", db, "--json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let recommended = try fit.json()["recommended"] as? String
        let planChanges = recommendations.filter { $0["kind"] as? String == "plan-change" }
        #expect(planChanges.isEmpty == (recommended == "claude-max-20x"), "\(recommended ?? "-") vs \(planChanges)")
        // the demo prints the same fit
        #expect((json["plan_fit"] as? [String: Any])?["recommended"] as? String == recommended)
    }

    @Test("the spiky service's demo shows the plan fit that warns the free tier would cut it off")
    func spikyService() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("g.db").path
        let text = try cli.run(["demo", "--scenario", "spiky-service", "--db", db])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Plan fit:") && text.stdout.contains("current plan gemini-free"), "\(text.stdout)")
        #expect(text.stdout.contains("costctl plans --fit --current gemini-free --db \(db)"))
        let fit = try cli.run(["plans", "--fit", "--current", "gemini-free", "--db", db, "--json"])
        let plans = try #require(try fit.json()["plans"] as? [[String: Any]])
        let free = try #require(plans.first { $0["id"] as? String == "gemini-free" })
        #expect(free["fits"] as? Bool == false)
        #expect(try fit.json()["recommended"] as? String != "gemini-free")
    }

    @Test("an unknown scenario is invalid usage and names the known ones")
    func unknown() throws {
        let r = try CLI().run(["demo", "--scenario", "nope"])
        #expect(r.status == 2 && r.stderr.contains("claude-code-max-20x, team-top-model, spiky-service"), "\(r.stderr)")
    }
}
