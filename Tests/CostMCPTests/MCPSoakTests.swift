import CostControl
import CostMCP
import Foundation
import MCP
import Testing

/// Thousands of calls in process: first through the MCP protocol (an MCP `Client` and the server on
/// an in-memory transport, where the SDK's JSON handling costs most of a call on a debug build), then
/// straight to the tool handlers. The server keeps answering, every answer is checked, and its open
/// files and resident memory do not grow with the number of calls. COSTCTL_MCP_SOAK=N runs N
/// protocol calls and 4N direct ones instead of 400 and 1,600.
@Suite("MCP soak")
struct MCPSoakTests {
    static var protocolCalls: Int {
        ProcessInfo.processInfo.environment["COSTCTL_MCP_SOAK"].flatMap(Int.init) ?? 400
    }

    static var directCalls: Int { protocolCalls * 4 }

    /// The mix: reports, prices, tokens, budgets, alerts, errors of every kind; the two heaviest
    /// reports (a breakdown by team and day, every budget's status with its projection) every
    /// 50th call, so the default run stays fast on a debug build.
    static let mix: [(String, [String: Value], Bool)] = [
        ("get-usage-summary", ["since": "7d", "top": 5], false),
        ("estimate-cost", ["model": "gpt-4o", "input_tokens": 1_200, "output_tokens": 300], false),
        ("count-tokens", ["text": "The quick brown fox jumps over the lazy dog.", "model": "gpt-4o"], false),
        ("list-budgets", [:], false),
        ("check-budget", ["model": "gpt-4o-mini", "team": "search", "estimate_usd": "0.001"], false),
        ("list-alerts", ["limit": 5], false),
        ("estimate-cost", ["model": "gpt-4oo", "input_tokens": 1], true),
        ("estimate-cost", ["model": 42], true),
        ("get-cost-breakdown", ["by": ["team"], "bucket": "fortnight"], true),
        ("no-such-tool", [:], true),
    ]
    static let heavy: [(String, [String: Value], Bool)] = [
        ("get-cost-breakdown", ["by": ["team"], "bucket": "day", "since": "7d"], false),
        ("budget-status", [:], false),
    ]

    static func call(_ i: Int) -> (String, [String: Value], Bool) {
        i % 50 == 49 ? heavy[(i / 50) % heavy.count] : mix[i % mix.count]
    }

    @Test("thousands of calls through the protocol and to the handlers: every answer right, no growth of open files or memory")
    func soak() async throws {
        let demo = try await DemoServer.make(days: 7, perDay: 60)
        defer { demo.close() }
        let mcp = CostMCPServer(configuration: CostMCPConfiguration(paths: demo.paths, environment: demo.environment))
        let server = await mcp.makeServer()
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverSide)
        let client = Client(name: "soak", version: "1")
        _ = try await client.connect(transport: clientSide)

        let (tools, _) = try await client.listTools()
        #expect(tools.count == CostToolsTests.names.count)

        func overProtocol(_ count: Int) async throws {
            for i in 0..<count {
                let (name, arguments, fails) = Self.call(i)
                let (content, isError) = try await client.callTool(name: name, arguments: arguments)
                #expect((isError ?? false) == fails, "call \(i): \(name)")
                guard case .text(let text, _, _)? = content.first, text.count > 10 else {
                    Issue.record("call \(i): \(name) answered no text")
                    return
                }
            }
        }
        func direct(_ count: Int) async {
            for i in 0..<count {
                let (name, arguments, fails) = Self.call(i)
                let result = await mcp.tools.call(name, arguments: arguments)
                #expect((result.isError ?? false) == fails && result.structuredContent?.objectValue != nil, "call \(i): \(name)")
            }
        }
        try await overProtocol(100)
        await direct(100)
        let filesBefore = Self.openFiles()
        let memoryBefore = Self.residentBytes()
        var start = Date()
        try await overProtocol(Self.protocolCalls)
        let protocolSeconds = Date().timeIntervalSince(start)
        start = Date()
        await direct(Self.directCalls)
        let directSeconds = Date().timeIntervalSince(start)
        let filesAfter = Self.openFiles()
        let memoryAfter = Self.residentBytes()
        let grown = (memoryAfter - memoryBefore) / 1_048_576
        func rate(_ seconds: Double, _ calls: Int) -> String {
            String(format: "%.2f s (%.2f ms per call)", seconds, seconds * 1_000 / Double(calls))
        }
        print(
            "MCP soak: \(Self.protocolCalls) calls through the protocol in \(rate(protocolSeconds, Self.protocolCalls)), "
                + "\(Self.directCalls) to the handlers in \(rate(directSeconds, Self.directCalls)); open files \(filesBefore) → \(filesAfter); "
                + "resident memory +\(grown) MiB")
        #expect(filesAfter <= filesBefore + 2, "open files \(filesBefore) → \(filesAfter)")
        #expect(grown < 64, "resident memory grew by \(grown) MiB")
        // still answering
        let (content, isError) = try await client.callTool(name: "count-tokens", arguments: ["text": "hello world", "encoding": "cl100k_base"])
        #expect(isError != true)
        if case .text(let text, _, _)? = content.first { #expect(text.contains(#""tokens":2"#)) }
        await client.disconnect()
        await server.stop()
    }

    /// Entries of /proc/self/fd (Linux); 0 elsewhere.
    static func openFiles() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    /// Resident set size from /proc/self/statm (Linux); 0 elsewhere.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
