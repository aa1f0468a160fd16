import ArgumentParser
import CostControl
import CostMCP
import Foundation
import MCP

struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve costctl's tools to an MCP client (Claude Code, Claude Desktop, …) over standard input and output.",
        discussion: """
            Usage, breakdowns, forecasts, anomalies, prices and tokens, budgets, API keys (masked), plans,
            recommendations, alerts and imports, as MCP tools with JSON schemas and structured JSON
            results; the price and plan catalogs as resources. Standard output carries only protocol
            messages; notes go to standard error. Keys need the master key (COSTCTL_MASTER_KEY or
            COSTCTL_MASTER_KEY_FILE) in the server's environment. See Documentation/MCP.md.

            Register it:
              claude mcp add costctl -- costctl mcp --db ~/.local/share/costctl/costctl.db
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let configuration = CostMCPConfiguration(
            paths: global.paths, timeZone: global.timeZone, priceFiles: global.priceFiles.map { URL(fileURLWithPath: $0) })
        let server = CostMCPServer(configuration: configuration)
        FileHandle.standardError.write(
            Data("costctl mcp: \(server.tools.tools.count) tools on standard input/output, database \(global.paths.database.path)\n".utf8))
        try await server.run(transport: StdioTransport())
    }
}
