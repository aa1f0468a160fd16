import CostControl
import Foundation
import Testing

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
