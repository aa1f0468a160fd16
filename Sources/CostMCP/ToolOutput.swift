import CostControl
import Foundation
import MCP

/// A tool's result as JSON: `structuredContent` (an object) and the same JSON as text content, for
/// clients that read only text. Made with the encoder settings of the matching `costctl … --json`.
struct ToolOutput: Sendable {
    var value: Value

    /// `value` encoded as the CLI encodes it (`snakeCase`, `isoDates`), wrapped as `{key: …}` when
    /// `key` is given or when it is not a JSON object (structured content must be an object).
    init(_ value: some Encodable, snakeCase: Bool = false, isoDates: Bool = false, key: String? = nil) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        if isoDates { encoder.dateEncodingStrategy = .iso8601 }
        let decoded = try JSONDecoder().decode(Value.self, from: try encoder.encode(value))
        if let key {
            self.value = .object([key: decoded])
        } else if decoded.objectValue != nil {
            self.value = decoded
        } else {
            self.value = .object(["result": decoded])
        }
    }

    init(object: [String: Value]) {
        value = .object(object)
    }

    /// The JSON text of the result: compact, keys sorted.
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    var result: CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: Optional(value), isError: false)
    }
}

/// Errors as MCP tool errors (`isError: true`): the module's code and its actionable message, as
/// text and as `{"error": {"code", "message", "suggestions"}}`.
enum ToolFailure {
    static func result(_ error: any Error, tool: String, redacting secrets: [String] = []) -> CallTool.Result {
        var (code, message, suggestions) = describe(error)
        for secret in secrets where secret.count >= 4 {
            message = message.replacingOccurrences(of: secret, with: "[secret]")
        }
        let structured: Value = .object([
            "error": .object([
                "code": .string(code), "message": .string(message), "tool": .string(tool),
                "suggestions": .array(suggestions.map(Value.string)),
            ])
        ])
        return CallTool.Result(
            content: [.text(text: "\(tool) failed (\(code)): \(message)", annotations: nil, _meta: nil)], structuredContent: Optional(structured),
            isError: true)
    }

    /// Code, message and suggestions of any error the tools may throw. The messages of these
    /// types never hold secrets or bound values; an unexpected error is named by its type only.
    static func describe(_ error: any Error) -> (String, String, [String]) {
        switch error {
        case let e as CostMCPError: (e.code.rawValue, e.message, [])
        case let e as PricingError: (e.code.rawValue, e.message, e.suggestions)
        case let e as ControlError: (e.code.rawValue, e.message, [])
        case let e as BudgetError: (e.code.rawValue, e.message, [])
        case let e as RotationError: (e.code.rawValue, e.message, [])
        case let e as OptimizerError: (e.code.rawValue, e.message, [])
        case let e as CostTokensError: (e.code.rawValue, e.message, [])
        case let e as SQLiteError: (e.code.rawValue, e.message, [])
        case let e as CryptoError: (e.code.rawValue, e.message, [])
        default: ("internal", "unexpected \(String(describing: type(of: error))); the server keeps running", [])
        }
    }
}
