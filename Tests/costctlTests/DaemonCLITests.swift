import Foundation
import Testing

/// `costctl daemon` as a real process: `--once` exit codes, JSON log lines, SIGTERM, and two
/// daemons on one database. Every process has a watchdog: it is killed when a deadline passes.
@Suite("costctl daemon")
struct DaemonCLITests {
    /// A `costctl daemon` process with its standard error in a file.
    final class DaemonProcess {
        let process = Process()
        let stderr: URL

        init(_ cli: CLI, arguments: [String], name: String, environment: [String: String] = [:]) throws {
            stderr = cli.home.appendingPathComponent("\(name).stderr")
            _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.executableURL = CLI.binary
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env["HOME"] = cli.home.path
            env["XDG_DATA_HOME"] = cli.home.appendingPathComponent("data").path
            env["COSTCTL_PRICES_DIR"] = cli.prices.path
            env.removeValue(forKey: "COSTCTL_MASTER_KEY")
            env.merge(environment) { _, new in new }
            process.environment = env
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
        }

        var log: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

        /// The JSON log lines written so far.
        func lines() throws -> [[String: Any]] {
            try log.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON line: \(line)")
            }
        }

        /// Waits until `condition` holds, at most `seconds`.
        @discardableResult
        func wait(seconds: Double, until condition: () -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return condition()
        }

        /// Sends SIGTERM and waits at most `seconds` for the exit; kills it (and returns `nil`) past that.
        func terminate(within seconds: Double) async throws -> Int32? {
            process.terminate()
            guard try await wait(seconds: seconds, until: { !process.isRunning }) else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            process.waitUntilExit()
            return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
        }

        /// The watchdog of last resort.
        func kill9() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    static let masterKey = Data((0..<32).map { UInt8($0 &* 7 &+ 3) }).base64EncodedString()

    @Test("daemon --help lists the jobs and the options")
    func help() throws {
        let r = try CLI().run(["daemon", "--help"])
        #expect(r.status == 0)
        for word in ["--config", "--foreground", "--once", "--log-level", "quota-check", "weekly-summary", "alerts-deliver", "SIGTERM"] {
            #expect(r.stdout.contains(word), "\(word)")
        }
    }

    @Test("--once runs one job: exit 0 with its result as JSON and JSON log lines on standard error")
    func onceSucceeds() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("d.db").path
        let r = try cli.run(["daemon", "--once", "quota-check", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["job"] as? String == "quota-check" && json["outcome"] as? String == "succeeded")
        #expect((json["details"] as? [String: String])?["budgets"] == "0")
        let lines = try r.stderr.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON line: \(line)")
        }
        #expect(lines.count >= 2)
        for line in lines {
            #expect(line["ts"] is String && line["level"] is String && line["message"] is String && line["metadata"] is [String: Any])
            #expect(line.keys.contains("job"))
        }
        #expect(lines.contains { $0["job"] as? String == "quota-check" && $0["message"] as? String == "job finished" })
        // a second run is recorded too (cron runs it every hour)
        #expect(try cli.run(["daemon", "--once", "quota-check", "--db", db]).status == 0)
    }

    @Test("--once exits 1 when the job fails (alerts to deliver and no master key), 2 for a bad job or configuration")
    func onceFails() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("d.db").path
        let withKey = ["COSTCTL_MASTER_KEY": Self.masterKey]
        let add = try cli.run(["alerts", "channel", "add", "hook", "--webhook", "-", "--db", db], stdin: "http://127.0.0.1:9/hook\n", environment: withKey)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try cli.run(["alerts", "raise", "--title", "test", "--db", db]).status == 0)
        let failed = try cli.run(["daemon", "--once", "alerts-deliver", "--db", db, "--foreground"], environment: ["COSTCTL_MASTER_KEY": ""])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stdout.contains("alerts-deliver failed") && failed.stdout.contains("master key"))
        #expect(failed.stderr.contains("job failed"))
        // the failure raised daemon-job-failed
        let list = try cli.run(["alerts", "list", "--db", db, "--json"])
        #expect(list.stdout.contains("daemon-job-failed/alerts-deliver/"))
        #expect(try cli.run(["daemon", "--once", "coffee", "--db", db]).status == 2)
        let config = cli.home.appendingPathComponent("bad.json")
        try Data(#"{"jobs": {"report": {"at": "8am"}}}"#.utf8).write(to: config)
        let bad = try cli.run(["daemon", "--once", "report", "--config", config.path, "--db", db])
        #expect(bad.status == 2 && bad.stderr.contains("jobs.report.at"))
    }

    @Test("SIGTERM stops a running daemon: exit 0 within the time limit, its stop logged", .timeLimit(.minutes(2)))
    func sigterm() async throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("d.db").path
        let daemon = try DaemonProcess(cli, arguments: ["daemon", "--db", db], name: "daemon")
        defer { daemon.kill9() }
        #expect(try await daemon.wait(seconds: 60) { daemon.log.contains("daemon started") }, "\(daemon.log)")
        let status = try await daemon.terminate(within: 20)
        #expect(status == 0, "\(daemon.log)")
        let lines = try daemon.lines()
        #expect(lines.contains { $0["message"] as? String == "signal received: stopping" })
        #expect(lines.last?["message"] as? String == "daemon stopped")
    }

    @Test("two daemon processes on one database never run the same slot", .timeLimit(.minutes(3)))
    func twoProcesses() async throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("d.db").path
        let config = cli.home.appendingPathComponent("daemon.json")
        try Data("""
            {"jobs": {"quota-check": {"every": "1s"}, "alerts-deliver": {"every": "1s"}, "snapshot": {"enabled": false},
             "optimize": {"enabled": false}, "report": {"enabled": false}, "weekly-summary": {"enabled": false}}}
            """.utf8).write(to: config)
        // create the schema first, so both processes start on a ready file
        #expect(try cli.run(["daemon", "--once", "quota-check", "--db", db, "--config", config.path]).status == 0)
        let daemons = try ["a", "b"].map { try DaemonProcess(cli, arguments: ["daemon", "--db", db, "--config", config.path], name: $0) }
        defer { for daemon in daemons { daemon.kill9() } }
        for daemon in daemons {
            #expect(try await daemon.wait(seconds: 60) { daemon.log.contains("daemon started") }, "\(daemon.log)")
        }
        try await Task.sleep(for: .seconds(5))
        for daemon in daemons { #expect(try await daemon.terminate(within: 20) == 0, "\(daemon.log)") }
        var finished: [String: Int] = [:]
        var perDaemon: [Int] = []
        for daemon in daemons {
            let runs = try daemon.lines().filter { $0["message"] as? String == "job finished" }
            perDaemon.append(runs.count)
            for run in runs {
                let slot = (run["metadata"] as? [String: String])?["slot"] ?? ""
                finished["\(run["job"] as? String ?? "")@\(slot)", default: 0] += 1
            }
        }
        #expect(finished.count >= 6, "\(finished)")
        #expect(finished.values.allSatisfy { $0 == 1 }, "a slot ran twice: \(finished.filter { $0.value > 1 })")
        #expect(perDaemon.reduce(0, +) == finished.count)
    }
}
