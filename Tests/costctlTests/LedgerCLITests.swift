import CostControl
import Foundation
import Testing

/// The ledger commands, run as real processes on real SQLite files.
@Suite("costctl ledger commands")
struct LedgerCLITests {
    static func eventLine(_ id: String, user: String = "alice", input: Int = 1_000, output: Int = 100, extra: String = "") -> String {
        #"{"id":"\#(id)","timestamp":"2026-11-20T10:00:00Z","provider":"openai","model":"gpt-4o","usage":{"input_tokens":\#(input),"output_tokens":\#(output)},"user":"\#(user)","team":"search"\#(extra)}"#
    }

    @Test("demo fills a database and reports it from the aggregates")
    func demo() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("demo.db").path
        let r = try cli.run(["demo", "--db", db, "--days", "7", "--per-day", "100", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        let added = try #require(json["events_added"] as? Int)
        #expect(added > 300)
        let byTeam = try #require(json["by_team"] as? [String: Any])
        #expect(byTeam["source"] as? String == "daily_by_dimension")
        let totals = try #require(byTeam["totals"] as? [String: Any])
        #expect(totals["events"] as? Int == added)
        let budgets = try #require(json["budgets"] as? [[String: Any]])
        #expect(budgets.map { ($0["budget"] as? [String: Any])?["name"] as? String } == ["demo-platform-monthly", "demo-all-7d"])
        // the rolling budget is sized so that its spend is about 85%: the notification level
        #expect(budgets.last?["level"] as? String == "notification")
        // the demo's top recommendations, stored in its database
        let recommendations = try #require(json["recommendations"] as? [[String: Any]])
        #expect(recommendations.count <= 3)
        for recommendation in recommendations { #expect(recommendation["status"] as? String == "pending") }
        let status = try cli.run(["budget", "status", "--db", db])
        #expect(status.status == 0 && status.stdout.contains("demo-platform-monthly"))
        let usage = try cli.run(["usage", "--db", db, "--since", "7d", "--by", "team"])
        #expect(usage.status == 0)
        #expect(usage.stdout.contains("TOTAL"))
        #expect(usage.stdout.contains("platform"))
    }

    @Test("record is idempotent and says so; usage --json has rows and totals")
    func recordIdempotent() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("l.db").path
        let args = ["record", "--db", db, "--id", "req-1", "--at", "2026-11-20T10:00:00Z", "--model", "gpt-4o",
                    "--input", "1000", "--output", "500", "--user", "alice", "--tag", "env=prod"]
        let first = try cli.run(args + ["--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try first.json()["status"] as? String == "added")
        #expect(try first.json()["cost_usd"] as? String == "0.0075")
        let second = try cli.run(args)
        #expect(second.status == 0)
        #expect(second.stdout.contains("already recorded; nothing changed"))
        // The event's rollup sums wait for a fold: doctor says so, and the report folds them.
        let doctor = try cli.run(["doctor", "--db", db, "--json"])
        #expect(doctor.status == 0, "\(doctor.stderr)")
        #expect((try doctor.json()["ledger"] as? [String: Any])?["pending_rollup_events"] as? Int == 1)
        #expect(try cli.run(["doctor", "--db", db]).stdout.contains("1 event not yet folded into the rollups"))
        let usage = try cli.run(["usage", "--db", db, "--since", "2026-11-01", "--by", "user", "--json"])
        #expect(usage.status == 0, "\(usage.stderr)")
        let json = try usage.json()
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["requests"] as? Int == 1)
        #expect(totals["input_tokens"] as? Int == 1000)
        #expect(totals["cost_usd"] as? String == "0.0075")
        #expect(totals["unpriced"] as? Int == 0)
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["user"] as? String == "alice")
        let folded = try cli.run(["doctor", "--db", db, "--json"])
        #expect((try folded.json()["ledger"] as? [String: Any])?["pending_rollup_events"] as? Int == 0)
    }

    @Test("an invalid stdin line rejects the whole input unless --skip-invalid")
    func stdinPolicies() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("l.db").path
        let input = [
            LedgerCLITests.eventLine("a"), LedgerCLITests.eventLine("b", input: -5), LedgerCLITests.eventLine("c"),
        ].joined(separator: "\n")
        let rejected = try cli.run(["record", "--db", db, "--stdin"], stdin: input)
        #expect(rejected.status == 2)
        #expect(rejected.stderr.contains("line 2"))
        #expect(rejected.stderr.contains("usage.input_tokens"))
        #expect(rejected.stderr.contains("nothing was written"))
        let empty = try cli.run(["usage", "--db", db, "--since", "2026-11-01", "--json"])
        #expect((try empty.json()["totals"] as? [String: Any])?["events"] as? Int == 0)

        let skipped = try cli.run(["record", "--db", db, "--stdin", "--skip-invalid", "--json"], stdin: input)
        #expect(skipped.status == 0, "\(skipped.stderr)")
        let summary = try skipped.json()
        #expect(summary["added"] as? Int == 2)
        let rejects = try #require(summary["rejected"] as? [[String: Any]])
        #expect(rejects.first?["line"] as? Int == 2)

        let strict = try cli.run(
            ["record", "--db", db, "--stdin", "--strict"], stdin: LedgerCLITests.eventLine("d", extra: #","colour":"red""#))
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("unknown field 'colour'"))
    }

    @Test("export JSON Lines records into another database with identical totals; CSV has a header")
    func exportRoundTrip() throws {
        let cli = try CLI()
        let source = cli.home.appendingPathComponent("a.db").path
        let target = cli.home.appendingPathComponent("b.db").path
        #expect(try cli.run(["demo", "--db", source, "--days", "3", "--per-day", "50", "--json"]).status == 0)
        let exported = try cli.run(["export", "--db", source, "--format", "jsonl"])
        #expect(exported.status == 0)
        let imported = try cli.run(["record", "--db", target, "--stdin", "--json"], stdin: exported.stdout)
        #expect(imported.status == 0, "\(imported.stderr)")
        let a = try cli.run(["usage", "--db", source, "--since", "10d", "--by", "user,model", "--json"]).json()
        let b = try cli.run(["usage", "--db", target, "--since", "10d", "--by", "user,model", "--json"]).json()
        #expect((a["totals"] as? [String: Any])?["cost_usd"] as? String == (b["totals"] as? [String: Any])?["cost_usd"] as? String)
        #expect((a["rows"] as? [Any])?.count == (b["rows"] as? [Any])?.count)
        let csv = try cli.run(["export", "--db", source, "--format", "csv", "--since", "1d"])
        #expect(csv.stdout.hasPrefix("id,timestamp,provider,model,"))
        let again = try cli.run(["record", "--db", target, "--stdin", "--json"], stdin: exported.stdout)
        #expect(try again.json()["added"] as? Int == 0)
    }

    @Test("forget shows, then removes, one user's events and aggregates")
    func forget() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("l.db").path
        let input = (0..<10).map { LedgerCLITests.eventLine("e\($0)", user: $0 < 4 ? "alice" : "bob") }.joined(separator: "\n")
        #expect(try cli.run(["record", "--db", db, "--stdin"], stdin: input).status == 0)
        let dry = try cli.run(["forget", "--db", db, "--user", "alice"])
        #expect(dry.stdout.contains("would remove 4 raw events"))
        let done = try cli.run(["forget", "--db", db, "--user", "alice", "--yes", "--json"])
        #expect(try done.json()["events_deleted"] as? Int == 4)
        let usage = try cli.run(["usage", "--db", db, "--since", "2026-11-01", "--by", "user", "--json"]).json()
        let rows = try #require(usage["rows"] as? [[String: Any]])
        #expect(rows.map { $0["user"] as? String } == ["bob"])
    }

    @Test("errors: a bad --where dimension and an unknown time are usage errors (exit 2)")
    func errors() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("l.db").path
        let bad = try cli.run(["usage", "--db", db, "--where", "usr=alice"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not a dimension"))
        let time = try cli.run(["usage", "--db", db, "--since", "last tuesday"])
        #expect(time.status == 2)
        #expect(time.stderr.contains("30d"))
    }

    // MARK: - Real processes

    @Test("every acknowledged event survives SIGKILL, and the file passes integrity_check")
    func sigkillDurability() async throws {
        signal(SIGPIPE, SIG_IGN)
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("crash.db").path
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["record", "--db", db, "--stdin", "--skip-invalid", "--batch-size", "5", "--ack"]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = cli.home.path
        env["COSTCTL_PRICES_DIR"] = cli.prices.path
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writeFD = input.fileHandleForWriting.fileDescriptor
        let writer = Thread {
            var n = 0
            while true {
                let line = LedgerCLITests.eventLine("kill-\(n)") + "\n"
                let written = line.utf8CString.withUnsafeBufferPointer { write(writeFD, $0.baseAddress, line.utf8.count) }
                if written < 0 { return }
                n += 1
            }
        }
        writer.start()
        let readFD = output.fileHandleForReading.fileDescriptor
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        var killed = false
        while true {
            let n = read(readFD, &buffer, buffer.count)
            if n <= 0 { break }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
            if !killed, text.components(separatedBy: "\n").count > 300 {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let acknowledged = text.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("added ") ? String(line.dropFirst(6)) : nil
        }
        #expect(acknowledged.count >= 300)
        let ledger = try SQLiteUsageLedger(path: db)
        for id in acknowledged {
            #expect(try await ledger.event(id: id) != nil, "acknowledged \(id) is missing")
        }
        #expect(try await ledger.integrityCheck() == "ok")
        // The killed process's last batches were never folded into the rollups: a report reads
        // them back from their events, so the aggregates count every stored event.
        #expect(try await ledger.pendingRollupEvents() > 0)
        let report = try await ledger.query(UsageQuery())
        #expect(report.source != .raw)
        #expect(report.totals.events == (try await ledger.info().events))
        #expect(try await ledger.pendingRollupEvents() == 0)
    }

    @Test("two processes writing one database at once lose nothing and never report a locked database")
    func twoWriters() async throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("shared.db").path
        let perWriter = 3_000
        func writer(_ name: String) throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["record", "--db", db, "--stdin", "--skip-invalid", "--batch-size", "20", "--json"]
            var env = ProcessInfo.processInfo.environment
            env["HOME"] = cli.home.path
            env["COSTCTL_PRICES_DIR"] = cli.prices.path
            process.environment = env
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let lines = (0..<perWriter).map { LedgerCLITests.eventLine("\(name)-\($0)", user: name) }.joined(separator: "\n")
            let handle = input.fileHandleForWriting
            Thread {
                CLI.writeAll(handle, Data(lines.utf8))
                try? handle.close()
            }.start()
            return (process, output)
        }
        let a = try writer("p1")
        let b = try writer("p2")
        let outA = String(decoding: a.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let outB = String(decoding: b.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        a.0.waitUntilExit()
        b.0.waitUntilExit()
        #expect(a.0.terminationStatus == 0, "\(outA)")
        #expect(b.0.terminationStatus == 0, "\(outB)")
        #expect(!outA.contains("locked") && !outB.contains("locked"))
        let ledger = try SQLiteUsageLedger(path: db)
        let report = try await ledger.query(UsageQuery(groupBy: [.user]))
        #expect(report.totals.events == 2 * perWriter)
        #expect(report.rows.map(\.totals.events) == [perWriter, perWriter])
        #expect(try await ledger.integrityCheck() == "ok")
    }
}
