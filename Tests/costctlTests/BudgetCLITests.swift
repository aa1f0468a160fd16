import Foundation
import Testing

/// `costctl budget …` and `costctl check`, run as real processes on a real SQLite file.
@Suite("costctl budget and check")
struct BudgetCLITests {
    @Test("set, list, status, check (exit 0 and 3), rm, with JSON")
    func lifecycle() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("b.db").path
        let set = try cli.run([
            "budget", "set", "growth", "--db", db, "--scope", "team=growth", "--limit", "1", "--period", "monthly", "--tz", "Europe/Berlin",
            "--profile", "premium", "--json",
        ])
        #expect(set.status == 0, "\(set.stderr)")
        let added = try set.json()
        #expect(added["status"] as? String == "added")
        let budget = try #require(added["budget"] as? [String: Any])
        #expect(budget["scope"] as? String == "team=growth" && budget["limit"] as? String == "1" && budget["time_zone"] as? String == "Europe/Berlin")
        #expect((budget["thresholds"] as? [String: Any])?["warning"] as? Double == 80)

        let again = try cli.run(["budget", "set", "growth", "--db", db, "--scope", "team=growth", "--limit", "1", "--profile", "premium", "--json"])
        #expect(try again.json()["status"] as? String == "replaced")

        let list = try cli.run(["budget", "list", "--db", db])
        #expect(list.status == 0 && list.stdout.contains("growth") && list.stdout.contains("team=growth") && list.stdout.contains("$1"))

        // nothing spent: a $0.50 request is fine (50%)
        let fine = try cli.run(["check", "--db", db, "--team", "growth", "--model", "gpt-4o", "--estimate", "0.50"])
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(fine.stdout.hasPrefix("go:"))

        // a $1.06 request would take the budget to 106%: emergency, only critical passes
        let refused = try cli.run(["check", "--db", db, "--team", "growth", "--model", "gpt-4o", "--estimate", "1.06", "--json"])
        #expect(refused.status == 3, "\(refused.stdout) \(refused.stderr)")
        let decision = try refused.json()
        #expect(decision["action"] as? String == "reject" && decision["passes"] as? Bool == false)
        let deciding = try #require(decision["deciding"] as? [String: Any])
        #expect(deciding["budget"] as? String == "growth" && deciding["level"] as? String == "emergency")
        #expect(deciding["used_after"] as? String == "$1.06")
        let critical = try cli.run(["check", "--db", db, "--team", "growth", "--model", "gpt-4o", "--estimate", "1.06", "--priority", "critical"])
        #expect(critical.status == 0)
        // another team is not counted by the budget
        let other = try cli.run(["check", "--db", db, "--team", "search", "--model", "gpt-4o", "--estimate", "5", "--json"])
        let otherVerdicts = try other.json()["verdicts"] as? [Any]
        #expect(other.status == 0 && otherVerdicts?.isEmpty == true)

        let status = try cli.run(["budget", "status", "growth", "--db", db, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try status.json()
        #expect(report["spent"] as? String == "0" && report["remaining"] as? String == "1" && report["held"] as? String == "0")
        let text = try cli.run(["budget", "status", "--db", db, "--tz", "Europe/Berlin"])
        #expect(text.stdout.contains("growth") && text.stdout.contains("░") && text.stdout.contains("0.0% of $1"))

        // usage recorded outside the Meter counts after a sync: 1,000 input + 500 output of gpt-4o = $0.0075
        let record = try cli.run(["record", "--db", db, "--model", "gpt-4o", "--input", "1000", "--output", "500", "--team", "growth"])
        #expect(record.status == 0, "\(record.stderr)")
        let sync = try cli.run(["budget", "sync", "--db", db, "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let synced = try #require(try JSONSerialization.jsonObject(with: Data(sync.stdout.utf8)) as? [[String: Any]])
        #expect(synced.first?["before"] as? String == "0" && synced.first?["after"] as? String == "0.0075" && synced.first?["changed"] as? Bool == true)
        let after = try cli.run(["budget", "status", "growth", "--db", db, "--json"])
        let afterReport = try after.json()
        #expect(afterReport["spent"] as? String == "0.0075" && afterReport["remaining"] as? String == "0.9925")
        let projection = try #require(afterReport["projection"] as? [String: Any])
        // whether $0.0075 since the rate window's start projects over $1 depends on the time of day
        // (the window is at least an hour): on_track must agree with the projected spend
        #expect(projection["rate_window_spend"] as? String == "0.0075")
        let projected = try #require((projection["projected_spend"] as? String).flatMap(Double.init))
        #expect(projection["on_track"] as? Bool == (projected <= 1), "\(projection)")

        let removed = try cli.run(["budget", "rm", "growth", "--db", db])
        #expect(removed.status == 0 && removed.stdout.contains("Removed budget 'growth'"))
        let missing = try cli.run(["budget", "rm", "growth", "--db", db])
        #expect(missing.status == 1 && missing.stderr.contains("no budget named 'growth'"))
    }

    @Test("bad definitions exit 2 with what to type instead, and store nothing")
    func invalid() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("b.db").path
        let scope = try cli.run(["budget", "set", "x", "--db", db, "--scope", "teem=growth", "--limit", "5"])
        #expect(scope.status == 2 && scope.stderr.contains("did you mean 'team'?"))
        let period = try cli.run(["budget", "set", "x", "--db", db, "--limit", "5", "--period", "fortnightly", "--json"])
        #expect(period.status == 2 && period.stderr.contains("invalid-input"))
        let ladder = try cli.run(["budget", "set", "x", "--db", db, "--limit", "5", "--threshold", "hard-stop=50"])
        #expect(ladder.status == 2 && ladder.stderr.contains("must rise with the level"))
        let list = try cli.run(["budget", "list", "--db", db, "--json"])
        #expect(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || list.stdout.contains("[]"))
        let check = try cli.run(["check", "--db", db, "--model", "gpt-4o"])
        #expect(check.status == 2 && check.stderr.contains("--estimate"))
    }
}

/// `costctl budget live`: the live state moved into a memory-backed file and back, as real processes.
@Suite("costctl budget live")
struct BudgetLiveCLITests {
    @Test("memory: rebuilt from the ledger, followed by every command; database: moved back; --dir alone is refused")
    func moves() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("b.db").path
        let liveDirectory = cli.home.appendingPathComponent("shm").path
        #expect(try cli.run(["budget", "set", "growth", "--db", db, "--scope", "team=growth", "--limit", "1", "--period", "monthly"]).status == 0)
        let record = try cli.run(["record", "--db", db, "--model", "gpt-4o", "--input", "1000", "--output", "500", "--team", "growth"])
        #expect(record.status == 0, "\(record.stderr)")

        let shown = try cli.run(["budget", "live", "--db", db, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(try shown.json()["placement"] as? String == "database" && shown.json()["rebuilt"] as? Bool == false)

        let moved = try cli.run(["budget", "live", "memory", "--dir", liveDirectory, "--db", db, "--json"])
        #expect(moved.status == 0, "\(moved.stderr)")
        let result = try moved.json()
        let file = try #require(result["file"] as? String)
        #expect(result["placement"] as? String == "memory" && result["rebuilt"] as? Bool == true && result["budgets"] as? Int == 1)
        #expect(file.hasPrefix(liveDirectory + "/") && FileManager.default.fileExists(atPath: file))
        // the event recorded outside the Meter is counted: the move rebuilt the spend from the ledger
        let status = try cli.run(["budget", "status", "growth", "--db", db, "--json"])
        #expect(try status.json()["spent"] as? String == "0.0075", "\(status.stdout)")
        let check = try cli.run(["check", "--db", db, "--team", "growth", "--model", "gpt-4o", "--estimate", "0.5"])
        #expect(check.status == 0, "\(check.stderr)")
        let text = try cli.run(["budget", "live", "--db", db])
        #expect(text.stdout.contains("memory-backed file \(file)") && !text.stdout.contains("Rebuilt"))
        // doctor reads where it is without moving or rebuilding anything
        let doctor = try cli.run(["doctor", "--db", db, "--json"])
        #expect(try doctor.json()["budget_live_state"] as? String == file)
        #expect(try cli.run(["doctor", "--db", db]).stdout.contains("budgets' live state in the memory-backed file \(file)"))

        let back = try cli.run(["budget", "live", "database", "--db", db])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("in the database") && back.stdout.contains("Rebuilt from the usage ledger: 1 budget"))
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try cli.run(["budget", "status", "growth", "--db", db, "--json"]).json()["spent"] as? String == "0.0075")
        #expect(try cli.run(["doctor", "--db", db, "--json"]).json()["budget_live_state"] as? String == "database")

        let bad = try cli.run(["budget", "live", "--dir", liveDirectory, "--db", db])
        #expect(bad.status == 2 && bad.stderr.contains("--dir goes with"))
    }
}
