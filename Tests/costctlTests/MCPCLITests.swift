import Foundation
import Testing

/// `costctl mcp` as a process: JSON-RPC over its standard input and output, read with a time limit.
@Suite("costctl mcp over stdio")
struct MCPCLITests {
    @Test("standard output carries only protocol messages: initialize, tools/list, calls, a bad line; notes go to standard error")
    func stdioFrames() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("mcp.db").path
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["mcp", "--db", db]
        process.environment = cli.environment()
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // the watchdog: whatever happens, the server is gone after 60 s
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }

        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"count-tokens","arguments":{"text":"hello world","encoding":"cl100k_base"}}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"estimate-cost","arguments":{"model":"gpt-4oo","input_tokens":1}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"costctl://catalog/none"}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get-cost-breakdown","arguments":{"by":["team"],"bucket":"day"}}}"#,
            "this is not JSON",
        ]
        CLI.writeAll(input.fileHandleForWriting, Data((requests.joined(separator: "\n") + "\n").utf8))
        // the input ends at once: the server still answers every request before it exits
        try input.fileHandleForWriting.close()

        // read lines until the output ends (the server exits) or the watchdog ends the server
        var buffer = Data()
        var messages: [[String: Any]] = []
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                guard !line.isEmpty else { continue }
                let object = try JSONSerialization.jsonObject(with: line) as? [String: Any]
                #expect(object?["jsonrpc"] as? String == "2.0", "not a JSON-RPC message: \(String(decoding: line, as: UTF8.self))")
                if let object { messages.append(object) }
            }
        }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        func answer(_ id: Int) -> [String: Any]? { messages.first { ($0["id"] as? Int) == id } }
        let initialize = try #require(answer(1)?["result"] as? [String: Any])
        #expect((initialize["serverInfo"] as? [String: Any])?["name"] as? String == "costctl")
        let tools = try #require((answer(2)?["result"] as? [String: Any])?["tools"] as? [[String: Any]])
        #expect(tools.count == 21)
        let count = try #require(answer(3)?["result"] as? [String: Any])
        #expect((count["structuredContent"] as? [String: Any])?["tokens"] as? Int == 2 && count["isError"] as? Bool == false)
        let unknown = try #require(answer(4)?["result"] as? [String: Any])
        #expect(unknown["isError"] as? Bool == true)
        let text = ((unknown["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        #expect(text.contains("did you mean 'gpt-4o'"), "\(text)")
        #expect(((answer(5)?["error"] as? [String: Any])?["message"] as? String)?.contains("costctl://catalog/prices") == true)
        #expect((answer(6)?["result"] as? [String: Any])?["isError"] as? Bool == false)
        #expect(messages.contains { ($0["error"] as? [String: Any])?["code"] as? Int == -32700 })
        #expect(messages.count == 7)
        #expect(stderr.contains("costctl mcp: 21 tools"))
        #expect(process.terminationStatus == 0)
    }
}
