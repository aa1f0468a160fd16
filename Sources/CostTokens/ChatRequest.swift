public import Foundation

/// The parts of an OpenAI Chat Completions request body that cost prompt tokens and that CostTokens
/// can count: the messages (text content) and the function tools.
///
/// ``init(json:)`` reads either a request body (`{"model": …, "messages": [...], "tools": [...]}`,
/// legacy `functions` too) or a bare JSON array of messages.
///
/// For example:
///
/// ```swift
/// let request = try ChatRequest(json: Data(#"{"messages": [{"role": "user", "content": "hi"}]}"#.utf8))
/// let estimate = try ChatTokenCounter(model: "gpt-4o").count(request.messages, tools: request.tools)
/// ```
public struct ChatRequest: Sendable, Hashable {
    /// The messages, in order.
    public var messages: [ChatMessage]
    /// The function tools (from `tools`, or from the legacy `functions`).
    public var tools: [ChatTool]

    /// Makes a request.
    public init(messages: [ChatMessage], tools: [ChatTool] = []) {
        self.messages = messages
        self.tools = tools
    }

    /// Reads a request body or a bare array of messages.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidRequest`` when the JSON
    ///   is not one of those shapes, a message has no `role`, or a content part is neither text nor
    ///   an image (OpenAI publishes no rule for audio and file parts).
    public init(json data: Data) throws {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CostTokensError.invalidRequest("not JSON: \(error.localizedDescription)")
        }
        if let array = root as? [Any] {
            self.init(messages: try Self.messages(array), tools: [])
            return
        }
        guard let body = root as? [String: Any], let messages = body["messages"] as? [Any] else {
            throw CostTokensError.invalidRequest(
                "expected an OpenAI chat request body with \"messages\" (and optionally \"tools\"), "
                    + "or a JSON array of messages")
        }
        var tools: [ChatTool] = []
        if let list = body["tools"] as? [Any] {
            for (index, item) in list.enumerated() {
                guard let entry = item as? [String: Any], let function = entry["function"] as? [String: Any] else {
                    throw CostTokensError.invalidRequest(
                        "tools[\(index)] is not {\"type\": \"function\", \"function\": {...}}; only function tools are counted")
                }
                tools.append(try Self.tool(function, path: "tools[\(index)].function"))
            }
        }
        if let list = body["functions"] as? [Any] {
            for (index, item) in list.enumerated() {
                guard let function = item as? [String: Any] else {
                    throw CostTokensError.invalidRequest("functions[\(index)] is not an object")
                }
                tools.append(try Self.tool(function, path: "functions[\(index)]"))
            }
        }
        self.init(messages: try Self.messages(messages), tools: tools)
    }

    static func messages(_ array: [Any]) throws -> [ChatMessage] {
        try array.enumerated().map { index, item in
            guard let message = item as? [String: Any], let role = message["role"] as? String else {
                throw CostTokensError.invalidRequest("messages[\(index)] has no \"role\"")
            }
            let content: String
            var parts: (texts: [String], images: [ChatImage])?
            switch message["content"] {
            case let text as String: content = text
            case nil, is NSNull: content = ""
            case let list as [Any]:
                parts = try Self.parts(list, message: index)
                content = parts?.texts.joined() ?? ""
            default:
                throw CostTokensError.invalidRequest(
                    "messages[\(index)].content is neither text nor a list of parts")
            }
            var chat = ChatMessage(role: role, content: content, name: message["name"] as? String)
            if let parts {
                chat.textParts = parts.texts
                chat.images = parts.images
            }
            return chat
        }
    }

    static func tool(_ function: [String: Any], path: String) throws -> ChatTool {
        guard let name = function["name"] as? String else {
            throw CostTokensError.invalidRequest("\(path) has no \"name\"")
        }
        let description = function["description"] as? String ?? ""
        let schema = function["parameters"] as? [String: Any] ?? [:]
        let properties = schema["properties"] as? [String: Any] ?? [:]
        // JSON objects have no order once parsed; counting does not depend on it.
        let parameters = properties.keys.sorted().map { key -> ChatTool.Parameter in
            let property = properties[key] as? [String: Any] ?? [:]
            let type: String
            switch property["type"] {
            case let single as String: type = single
            case let several as [Any]: type = several.compactMap { $0 as? String }.joined(separator: ", ")
            default: type = ""
            }
            let enumValues = (property["enum"] as? [Any]).map { $0.map(Self.text) }
            let counted: Set<String> = ["type", "description", "enum"]
            let rest = property.filter { !counted.contains($0.key) }
            return ChatTool.Parameter(
                name: key,
                type: type,
                description: property["description"] as? String ?? "",
                enumValues: enumValues,
                uncountedSchemaText: rest.isEmpty ? "" : compactJSON(rest)
            )
        }
        return ChatTool(name: name, description: description, parameters: parameters)
    }

    static func text(_ value: Any) -> String {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: compactJSON(value)
        }
    }

    static func compactJSON(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension CostTokensError.Code {
    /// A chat request body is not in a shape CostTokens can count.
    public static let invalidRequest = CostTokensError.Code(rawValue: "invalid_request")
}

extension CostTokensError {
    static func invalidRequest(_ detail: String) -> CostTokensError {
        CostTokensError(code: .invalidRequest, message: "chat request: \(detail)")
    }
}
