import CostControl
import Foundation
public import MCP

/// The costctl MCP server: the tools of ``CostTools`` and the resources of ``CostResources`` over
/// any MCP transport (`costctl mcp` uses standard input and output).
///
/// For example:
///
/// ```swift
/// let server = CostMCPServer(configuration: CostMCPConfiguration(paths: ControlPaths(database: "/tmp/demo.db")))
/// try await server.run(transport: StdioTransport())   // until the client closes the connection
/// ```
public struct CostMCPServer: Sendable {
    public static let name = "costctl"
    public static let version = "0.1.0"

    public let tools: CostTools

    /// The tool calls being answered (the SDK answers each request in a task of its own).
    let inFlight = InFlightCalls()

    public init(configuration: CostMCPConfiguration) {
        tools = CostTools(configuration: configuration)
    }

    /// An MCP `Server` with the tools and resources registered, not yet started.
    public func makeServer() async -> Server {
        let server = Server(
            name: Self.name, version: Self.version, title: "costctl: LLM costs, budgets, keys and savings",
            instructions: """
                Tools to read what LLM usage cost (summaries, breakdowns, forecasts, anomalies), price requests and count \
                tokens, manage budgets, API keys (always masked), savings recommendations and alerts, and import usage logs. \
                Money is exact: amounts are decimal strings of US dollars.
                """,
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let tools = self.tools
        let inFlight = self.inFlight
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools.tools) }
        await server.withMethodHandler(CallTool.self) { params in
            await inFlight.enter()
            let result = await tools.call(params)
            await inFlight.leave()
            return result
        }
        await server.withMethodHandler(ListResources.self) { _ in ListResources.Result(resources: CostResources.all) }
        await server.withMethodHandler(ReadResource.self) { params in
            do {
                let text = try await self.readResource(params.uri)
                return ReadResource.Result(contents: [.text(text, uri: params.uri, mimeType: "application/json")])
            } catch let error as CostMCPError {
                throw MCPError.invalidParams(error.message)
            } catch {
                throw MCPError.internalError(ToolFailure.describe(error).1)
            }
        }
        return server
    }

    /// The JSON text of a resource (``CostResources``).
    ///
    /// - throws: ``CostMCPError`` `.unknownResource` for a URI the server does not have, or the
    ///   catalog's error.
    public func readResource(_ uri: String) async throws -> String {
        try await CostResources.read(uri, context: tools.context)
    }

    /// Serves on `transport` until the client disconnects.
    public func run(transport: any Transport) async throws {
        let server = await makeServer()
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        // the input ended: answer the calls still running before the process exits, so a client that
        // writes its requests and closes its end still gets every answer (the SDK starts a task per
        // request: a moment for the last ones to begin, the drain, a moment for the answers to go out)
        try? await Task.sleep(for: .milliseconds(50))
        await inFlight.drain(within: .seconds(60))
        try? await Task.sleep(for: .milliseconds(100))
    }
}

/// Counts the tool calls being answered, so the server can let them finish when its input ends.
actor InFlightCalls {
    private var count = 0

    func enter() { count += 1 }

    func leave() { count -= 1 }

    /// Waits until no call is running, or `limit` has passed.
    func drain(within limit: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while count > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
