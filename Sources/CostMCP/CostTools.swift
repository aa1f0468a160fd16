import CostControl
import Foundation
public import MCP

/// The server's tools: their list (with schemas) and the dispatch of a call. A call never throws
/// and never traps: bad arguments, unknown names and every error of the library come back as a
/// tool error (`isError: true`) with an actionable message.
public struct CostTools: Sendable {
    let context: CostToolContext
    let specs: [String: ToolSpec]
    let order: [String]

    public init(configuration: CostMCPConfiguration) {
        context = CostToolContext(configuration: configuration)
        let all = Self.usageTools + Self.pricingTools + Self.budgetTools + Self.keyTools + Self.optimizerTools + Self.alertTools
        specs = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
        order = all.map(\.name)
    }

    /// Every tool, in a stable order, with its input schema.
    public var tools: [Tool] { order.compactMap { specs[$0]?.tool } }

    /// Runs the tool `name` with `arguments`.
    public func call(_ name: String, arguments: [String: Value]?) async -> CallTool.Result {
        guard let spec = specs[name] else {
            let error = CostMCPError(
                code: .unknownTool, message: "no tool named '\(name)'\(Suggest.didYouMean(name, in: order)); tools: \(order.joined(separator: ", "))")
            return ToolFailure.result(error, tool: name)
        }
        let secrets = spec.secretArguments.compactMap { arguments?[$0]?.stringValue }
        do {
            let checked = try ToolArguments(tool: name, parameters: spec.parameters, values: arguments)
            return try await spec.handler(checked, context).result
        } catch {
            return ToolFailure.result(error, tool: name, redacting: secrets)
        }
    }

    /// Runs a call as the MCP `tools/call` method receives it.
    public func call(_ parameters: CallTool.Parameters) async -> CallTool.Result {
        await call(parameters.name, arguments: parameters.arguments)
    }
}
