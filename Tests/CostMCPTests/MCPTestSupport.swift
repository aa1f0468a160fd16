import CostControl
import CostMCP
import Foundation
import MCP
import Testing

/// A demo database in a temporary directory (14 days of the demo's usage, its budgets), the
/// server's tools on it, and a master key in the tools' environment. Removed by `close()`.
struct DemoServer {
    let directory: URL
    let database: String
    let environment: [String: String]
    let tools: CostTools

    static func make(days: Int = 14, perDay: Int = 120) async throws -> DemoServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-mcp-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("demo.db").path
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        // the data directory is the test's own, so no override file of the machine's user applies
        let environment = ["COSTCTL_MASTER_KEY": key, "XDG_DATA_HOME": directory.path, "USER": "tester"]
        let paths = ControlPaths(database: database, environment: environment)
        let catalog = try PriceOverrides.catalog(paths: paths)
        let ledger = try LedgerStore.open(paths: paths, catalog: catalog)
        let utc = TimeZone(identifier: "UTC") ?? .gmt
        let now = Date()
        let since = try UsageWindow(timeZone: utc, now: now).since("\(days)d")
        for batch in DemoUsage(seed: 7, requestsPerDay: perDay).dailyBatches(from: since, to: now) {
            _ = try await ledger.record(contentsOf: batch, policy: .rejectAll)
        }
        _ = try await DemoBudgets.install(store: try BudgetStoreFile.open(paths: paths), ledger: ledger, timeZone: utc, at: now)
        let tools = CostTools(configuration: CostMCPConfiguration(paths: paths, environment: environment))
        return DemoServer(directory: directory, database: database, environment: environment, tools: tools)
    }

    func close() {
        try? FileManager.default.removeItem(at: directory)
    }

    var paths: ControlPaths { ControlPaths(database: database, environment: environment) }

    /// Calls a tool; returns its result with the structured content as an object.
    func call(_ name: String, _ arguments: [String: Value] = [:]) async -> CallTool.Result {
        await tools.call(name, arguments: arguments)
    }

    /// Calls a tool that must succeed; returns its structured content.
    func ok(
        _ name: String, _ arguments: [String: Value] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Value] {
        let result = await call(name, arguments)
        #expect(result.isError == false, "\(name): \(result.text)", sourceLocation: sourceLocation)
        let object = try #require(result.structuredContent?.objectValue, sourceLocation: sourceLocation)
        // the text content is the same JSON
        let parsed = try JSONDecoder().decode(Value.self, from: Data(result.text.utf8))
        #expect(parsed == result.structuredContent, sourceLocation: sourceLocation)
        return object
    }

    /// Calls a tool that must fail; returns the error message.
    func failure(
        _ name: String, _ arguments: [String: Value] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async -> String {
        let result = await call(name, arguments)
        #expect(result.isError == true, "\(name) should have failed: \(result.text)", sourceLocation: sourceLocation)
        return result.text
    }
}

extension CallTool.Result {
    /// The text of the first text content.
    var text: String {
        for item in content {
            if case .text(let text, _, _) = item { return text }
        }
        return ""
    }
}

extension Value {
    subscript(_ key: String) -> Value? { objectValue?[key] }
    subscript(_ index: Int) -> Value? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}

extension Dictionary where Key == String, Value == MCP.Value {
    func string(_ key: String) -> String? { self[key]?.stringValue }
    func int(_ key: String) -> Int? { self[key]?.intValue }
    func array(_ key: String) -> [MCP.Value] { self[key]?.arrayValue ?? [] }
}
