import CostControl
import Foundation
import Testing

/// `--follow` and the `import` command line, on real files that grow while they are read.
@Suite("import --follow and the import command")
struct ImportFollowTests {
    static func line(_ id: String, output: Int, at time: String) -> String {
        #"{"type":"assistant","isSidechain":false,"sessionId":"s-follow","requestId":"req_\#(id)","timestamp":"\#(time)","message":{"id":"msg_\#(id)","role":"assistant","model":"claude-sonnet-4-20250514","usage":{"input_tokens":100,"output_tokens":\#(output),"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}"#
            + "\n"
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    /// Waits up to 10 s for `condition`.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    @Test("follow reads appended lines, waits for a half-written line, and keeps the final streaming copy")
    func followsAGrowingFile() async throws {
        let bench = try ImportBench()
        let projects = bench.directory.appendingPathComponent("projects/-home-eve-app")
        try FileManager.default.createDirectory(at: projects, withIntermediateDirectories: true)
        let file = projects.appendingPathComponent("s-follow.jsonl").path
        _ = FileManager.default.createFile(atPath: file, contents: Data(Self.line("1", output: 10, at: "2026-11-20T10:00:00Z").utf8))
        let stop = StopSwitch()
        var options = ImportOptions(format: .claudeCode, paths: [bench.directory.appendingPathComponent("projects").path])
        options.environment = ["HOME": bench.directory.path]
        options.settleInterval = 0.4
        let importer = bench.importer
        let task = Task { try await importer.follow(options, pollInterval: 0.05, shouldStop: { stop.isOn }) }
        let ledger = bench.ledger
        #expect(try await Self.eventually { try await ledger.event(id: "claude-code:msg_1:req_1") != nil })

        // A streaming response: a partial copy, then half of the final line, then its end.
        let final = Self.line("2", output: 900, at: "2026-11-20T10:01:00Z")
        try Self.append(Self.line("2", output: 3, at: "2026-11-20T10:01:00Z"), to: file)
        try Self.append(String(final.prefix(60)), to: file)
        try await Task.sleep(nanoseconds: 150_000_000)
        try Self.append(String(final.dropFirst(60)), to: file)
        // A new session file in the same directory is picked up too.
        _ = FileManager.default.createFile(
            atPath: projects.appendingPathComponent("s-new.jsonl").path,
            contents: Data(Self.line("3", output: 7, at: "2026-11-20T10:02:00Z").utf8))
        #expect(try await Self.eventually { try await ledger.event(id: "claude-code:msg_3:req_3") != nil })
        #expect(try await Self.eventually { try await ledger.event(id: "claude-code:msg_2:req_2") != nil })
        stop.turnOn()
        let summary = try await task.value
        #expect(try await ledger.event(id: "claude-code:msg_2:req_2")?.usage.outputTokens == 900)
        #expect(summary.added == 3)
        #expect(summary.duplicateCopies == 1)
        #expect(summary.files == 2)
        #expect(summary.skipped["malformed line (not JSON, or a usage field of the wrong type)"] == nil)
    }

    @Test("follow on Codex logs keeps the session's model and running totals between polls")
    func followsCodex() async throws {
        let bench = try ImportBench()
        let day = bench.directory.appendingPathComponent("sessions/2026/11/20")
        try FileManager.default.createDirectory(at: day, withIntermediateDirectories: true)
        let file = day.appendingPathComponent("rollout-x.jsonl").path
        func count(_ input: Int, _ cached: Int, _ output: Int, at time: String) -> String {
            #"{"timestamp":"\#(time)","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":\#(input),"cached_input_tokens":\#(cached),"output_tokens":\#(output),"reasoning_output_tokens":0,"total_tokens":\#(input + output)}}}}"# + "\n"
        }
        let head = #"{"timestamp":"2026-11-20T10:00:00Z","type":"session_meta","payload":{"id":"sess-f","cwd":"/w/app"}}"# + "\n"
            + #"{"timestamp":"2026-11-20T10:00:01Z","type":"turn_context","payload":{"model":"gpt-5"}}"# + "\n"
        _ = FileManager.default.createFile(atPath: file, contents: Data((head + count(1000, 0, 100, at: "2026-11-20T10:00:05Z")).utf8))
        let stop = StopSwitch()
        var options = ImportOptions(format: .codex, paths: [bench.directory.appendingPathComponent("sessions").path])
        options.environment = ["HOME": bench.directory.path]
        let importer = bench.importer
        let task = Task { try await importer.follow(options, pollInterval: 0.05, shouldStop: { stop.isOn }) }
        let ledger = bench.ledger
        #expect(try await Self.eventually { try await ledger.event(id: "codex:sess-f:t1100") != nil })
        // Only running totals: the next event is the difference (1500 in, 1000 of it cached; 50 out).
        try Self.append(count(2500, 1000, 150, at: "2026-11-20T10:01:00Z"), to: file)
        #expect(try await Self.eventually { try await ledger.event(id: "codex:sess-f:t2650") != nil })
        stop.turnOn()
        let summary = try await task.value
        #expect(summary.added == 2)
        let second = try #require(try await ledger.event(id: "codex:sess-f:t2650"))
        #expect(second.model == "gpt-5")
        #expect(second.usage.inputTokens == 1500)
        #expect(second.usage.cacheReadTokens == 1000)
        #expect(second.usage.outputTokens == 50)
        #expect(second.dimensions.project == "app")
    }

    @Test("a copy larger than the one a previous run stored is counted, and the stored copy kept")
    func largerCopyAfterStore() async throws {
        let bench = try ImportBench()
        let dir = bench.directory.appendingPathComponent("projects/-p")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("s.jsonl").path
        _ = FileManager.default.createFile(atPath: file, contents: Data(Self.line("9", output: 4, at: "2026-11-20T10:00:00Z").utf8))
        let clock: @Sendable () -> Date = { ImportBench.date("2026-11-20T12:00:00Z") }
        let first = try await bench.run(.claudeCode, [dir.path]) { $0.now = clock; $0.settleInterval = 0 }
        #expect(first.added == 1)
        try Self.append(Self.line("9", output: 700, at: "2026-11-20T10:03:00Z"), to: file)
        let second = try await bench.run(.claudeCode, [dir.path]) { $0.now = clock; $0.settleInterval = 0 }
        #expect(second.added == 0)
        #expect(second.alreadyStored == 1)
        #expect(second.largerCopiesKept == 1)
        #expect(second.text.contains("recorded while still streaming"))
        #expect(try await bench.ledger.event(id: "claude-code:msg_9:req_9")?.usage.outputTokens == 4)
    }

    @Test("costctl import --follow tails a growing file and stops cleanly on SIGINT")
    func followStopsOnInterrupt() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("f.db").path
        let file = cli.home.appendingPathComponent("calls.jsonl").path
        _ = FileManager.default.createFile(
            atPath: file, contents: Data(#"{"id":"c1","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":1000,"output":10}"#.utf8 + [10]))
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["import", "jsonl", file, "--db", db, "--follow", "--poll-interval", "0.1", "--json"]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = cli.home.path
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let collected = Collected()
        out.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
        func waitFor(_ text: String) -> Bool {
            for _ in 0..<300 {
                if collected.text.contains(text) { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }
        // The first poll's line says the initial import is done; then the file grows.
        #expect(waitFor(#""added":1"#))
        try Self.append(#"{"id":"c2","timestamp":"2026-11-20T10:00:05Z","model":"gpt-4o","input":2000,"output":20}"# + "\n", to: file)
        #expect(waitFor(#""added":2"#))
        kill(process.processIdentifier, SIGINT)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "\(errors)")
        let output = collected.text + String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // One JSON line per poll that found something, then the final summary (pretty-printed).
        #expect(output.contains(#""added" : 2"#))
        let usage = try cli.run(["usage", "--db", db, "--since", "2026-11-01", "--json"])
        let totals = try #require(try usage.json()["totals"] as? [String: Any])
        #expect(totals["events"] as? Int == 2)
        #expect(totals["input_tokens"] as? Int == 3000)
    }

    @Test("import --json prints the summary; no progress bar when piped; errors map to exit codes")
    func commandLine() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("c.db").path
        let r = try cli.run(["import", "claude-code", ImportBench.fixture("claude-code"), "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let json = try r.json()
        #expect(json["added"] as? Int == 7)
        #expect(json["duplicate_copies"] as? Int == 5)
        #expect((json["skipped"] as? [String: Int])?["synthetic model (<synthetic>)"] == 1)
        let text = try cli.run(["import", "claude-code", ImportBench.fixture("claude-code"), "--db", db])
        #expect(text.status == 0)
        #expect(text.stdout.contains("already recorded 7"))

        #expect(try cli.run(["import", "openai-costs", "--db", db]).status == 2)
        #expect(try cli.run(["import", "bogus", "x", "--db", db]).status == 2)
        #expect(try cli.run(["import", "csv", "x.csv", "--follow", "--db", db]).status == 2)
        let missing = try cli.run(["import", "codex", "/nonexistent/dir", "--db", db, "--json"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file or directory"))
        let help = try cli.run(["import", "--help"])
        #expect(help.stdout.contains("claude-code"))
        #expect(help.stdout.contains("--cost-mode"))
    }
}

/// Bytes a child process wrote, collected from a pipe's handler.
final class Collected: Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A stop switch for a follow loop in a test.
final class StopSwitch: Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private var on = false

    func turnOn() {
        lock.lock()
        on = true
        lock.unlock()
    }

    var isOn: Bool {
        lock.lock()
        defer { lock.unlock() }
        return on
    }
}

@Suite("import parsing helpers")
struct ImportParsingTests {
    @Test("log timestamps read to the millisecond, like Timestamp.parse", arguments: [
        "2026-11-10T09:00:05.120Z", "2026-11-10T09:00:05Z", "2024-02-29T23:59:59.999Z", "2026-11-10T09:00:05.123456Z",
        "2026-11-10T09:00:05+02:00", "2026-11-10 09:00:05",
    ])
    func timestamps(text: String) throws {
        let expected = try Timestamp.parse(text)
        let read = try #require(ImportTimestamp.parse(text))
        #expect(Int64((read.timeIntervalSince1970 * 1000).rounded(.down)) == Int64((expected.timeIntervalSince1970 * 1000).rounded(.down)))
        #expect(ImportTimestamp.parse("2026-02-30T09:00:05Z") == nil)
    }
}

@Suite("import: Claude Code line reading")
struct ClaudeCodeLineTests {
    @Test("escaped quotes and backslashes in content, unicode escapes, nesting; trailing junk is malformed")
    func scannerEdges() async throws {
        let bench = try ImportBench()
        let dir = bench.directory.appendingPathComponent("projects/-p")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let good = #"{"type":"assistant","message":{"content":[{"type":"text","text":"a \"quoted\" \\\"usage\\\" word \\"},{"type":"tool_use","input":{"a":[1,2.5e3,{"b":null}],"c":true}}],"id":"msg_\u0041","model":"claude-sonnet-4-20250514","usage":{"input_tokens":10,"output_tokens":5.0,"cache_read_input_tokens":null}},"requestId":"req_1","sessionId":"s","timestamp":"2026-11-10T10:00:00.5Z","costUSD":1e-05}"#
        let junk = #"{"type":"assistant","message":{"id":"msg_2","model":"claude-sonnet-4-20250514","usage":{"input_tokens":1,"output_tokens":1}},"timestamp":"2026-11-10T10:00:00Z"} trailing"#
        let wrongType = #"{"type":"assistant","message":{"id":"msg_3","model":"claude-sonnet-4-20250514","usage":{"input_tokens":"many","output_tokens":1}},"timestamp":"2026-11-10T10:00:00Z"}"#
        try (good + "\n" + junk + "\n" + wrongType + "\n").write(to: dir.appendingPathComponent("s.jsonl"), atomically: true, encoding: .utf8)
        let summary = try await bench.run(.claudeCode, [dir.path])
        #expect(summary.added == 1)
        #expect(summary.skipped["malformed line (not JSON, or a usage field of the wrong type)"] == 2)
        let event = try #require(try await bench.ledger.event(id: "claude-code:msg_A:req_1"))
        #expect(event.usage.inputTokens == 10)
        #expect(event.usage.outputTokens == 5)
        #expect(event.cost?.total == ImportBench.usd("0.00001"))
        #expect(event.timestamp == ImportBench.date("2026-11-10T10:00:00.500Z"))
    }
}
