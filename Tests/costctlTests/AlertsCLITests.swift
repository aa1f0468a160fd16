import Foundation
import Testing

/// `costctl alerts …` as real processes on a real SQLite file with a real master key.
@Suite("costctl alerts")
struct AlertsCLITests {
    @Test("channel add from stdin (masked, sealed), rules, raise, deliver to a command hook, list, ack, history; the planted URL token is nowhere")
    func tour() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("a.db").path
        let env = ["COSTCTL_MASTER_KEY": KeysCLITests.masterKey()]
        let marker = "PLANTED" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var outputs: [String] = []
        func run(_ arguments: [String], stdin: String? = nil, status: Int32 = 0) throws -> CLI.Result {
            let result = try cli.run(arguments + ["--db", db], stdin: stdin, environment: env)
            #expect(result.status == status, "\(arguments): \(result.stdout) \(result.stderr)")
            outputs.append(result.stdout + result.stderr)
            return result
        }
        let received = cli.home.appendingPathComponent("received.json").path
        let hook = cli.home.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\ncat >> '\(received)'\n".write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)

        // a webhook URL and signing secret from stdin; nothing on the command line
        let url = "http://127.0.0.1:1/hooks/\(marker)/tail"
        let added = try run(["alerts", "channel", "add", "ops", "--webhook", "-", "--sign", "--json"], stdin: "\(url)\nsign-\(marker)\n")
        let row = try added.json()
        #expect(row["target"] as? String == "http://127.0.0.1:1/…/tail (signed)" && row["kind"] as? String == "webhook")
        #expect(!added.stderr.contains("shell history"))
        // a URL on the command line works, with a warning
        let flagged = try run(["alerts", "channel", "add", "chat", "--slack", "http://127.0.0.1:1/services/\(marker)x"])
        #expect(flagged.stderr.contains("shell history"))
        _ = try run(["alerts", "channel", "add", "hook", "--command", hook])
        let bad = try run(["alerts", "channel", "add", "mail", "--smtp", "-"], stdin: "smtp://u:\(marker)@127.0.0.1:25\n", status: 2)
        #expect(bad.stderr.contains("needs --to"))
        _ = try run(["alerts", "channel", "add", "two", "--slack", "-", "--discord", "-"], status: 2)

        let list = try run(["alerts", "channel", "list"])
        #expect(list.stdout.contains("ops") && list.stdout.contains("…/tail (signed)") && list.stdout.contains("hook.sh"))

        _ = try run(["alerts", "rule", "add", "everything", "--channel", "hook", "--channel", "ops", "--cool-down", "1h"])
        _ = try run(["alerts", "rule", "add", "wrong", "--channel", "nowhere"], status: 2)
        let rules = try run(["alerts", "rule", "list"])
        #expect(rules.stdout.contains("everything") && rules.stdout.contains("3600s"))

        // a rules file: all or none
        let rulesFile = cli.home.appendingPathComponent("rules.json").path
        try #"[{"name":"night","kinds":["budget-level"],"channels":["hook"],"quiet_hours":{"start_hour":22,"end_hour":7,"time_zone":"Europe/Paris"}},{"name":"oops","channels":["missing"]}]"#
            .write(toFile: rulesFile, atomically: true, encoding: .utf8)
        let refused = try run(["alerts", "rule", "import", rulesFile], status: 2)
        #expect(refused.stderr.contains("channel 'missing'"))
        try #"{"rules":[{"name":"night","kinds":["budget-level"],"channels":["hook"],"quiet_hours":{"start_hour":22,"end_hour":7,"time_zone":"Europe/Paris"}}]}"#
            .write(toFile: rulesFile, atomically: true, encoding: .utf8)
        _ = try run(["alerts", "rule", "import", rulesFile])
        let imported = try run(["alerts", "rule", "list"])
        #expect(imported.stdout.contains("night") && imported.stdout.contains("22-7 Europe/Paris"))
        _ = try run(["alerts", "rule", "rm", "night"])

        // channel test: the hook gets a test alert now
        let tested = try run(["alerts", "channel", "test", "hook"])
        #expect(tested.stdout.contains("accepted the test alert"))
        try FileManager.default.removeItem(atPath: received)

        let raised = try run(["alerts", "raise", "--kind", "usage-spike", "--severity", "critical", "--title", "tokens 5x", "--key", "spike/1", "--scope", "team=ads"])
        #expect(raised.stdout.contains("queued for hook, ops"))
        let again = try run(["alerts", "raise", "--title", "tokens 5x", "--key", "spike/1"])
        #expect(again.stdout.contains("was raised already"))

        let delivered = try run(["alerts", "deliver", "--json"])
        let report = try delivered.json()
        #expect(report["delivered"] as? Int == 1 && report["retrying"] as? Int == 1)
        let hookJSON = try #require(FileManager.default.contents(atPath: received))
        let alert = try #require(try JSONSerialization.jsonObject(with: hookJSON) as? [String: Any])
        #expect(alert["key"] as? String == "spike/1" && alert["kind"] as? String == "usage-spike" && alert["severity"] as? String == "critical")

        let history = try run(["alerts", "history"])
        #expect(history.stdout.contains("delivered") && history.stdout.contains("HTTP request failed"))
        let alerts = try run(["alerts", "list", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2 && (rows.first?["alert"] as? [String: Any])?["at"] is String)
        _ = try run(["alerts", "ack", "spike/1"])
        _ = try run(["alerts", "ack", "spike/1"], status: 1)
        #expect(!(try run(["alerts", "list", "--unacked"]).stdout.contains("spike/1")))
        _ = try run(["alerts", "channel", "rm", "chat"])
        _ = try run(["alerts", "channel", "rm", "chat"], status: 1)

        for output in outputs {
            #expect(!output.contains(marker), "a command printed the secret: \(output)")
        }
        for suffix in ["", "-wal", "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: db + suffix) else { continue }
            #expect(bytes.range(of: Data(marker.utf8)) == nil, "the secret is in \(db + suffix)")
        }
    }
}
