import MCP

/// One argument of a tool: its JSON type, what it means, and whether it must be given. The same
/// description makes the tool's JSON Schema and checks the arguments of every call.
struct ToolParameter: Sendable {
    enum Kind: Sendable {
        case string, integer, number, boolean
        /// An array of strings (a single string is taken as a comma-separated list).
        case stringList
        /// An object of strings, or of arrays of strings (`{"team": ["search", "support"]}`).
        case stringMap
    }

    var name: String
    var kind: Kind
    var description: String
    var required = false
    /// The values a string may take (its schema's `enum`).
    var choices: [String] = []
    /// The smallest value an integer may take.
    var minimum: Int?
    var maximum: Int?

    static func string(_ name: String, _ description: String, required: Bool = false, choices: [String] = []) -> ToolParameter {
        ToolParameter(name: name, kind: .string, description: description, required: required, choices: choices)
    }

    static func integer(_ name: String, _ description: String, required: Bool = false, minimum: Int? = 0, maximum: Int? = nil) -> ToolParameter {
        ToolParameter(name: name, kind: .integer, description: description, required: required, minimum: minimum, maximum: maximum)
    }

    static func boolean(_ name: String, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .boolean, description: description)
    }

    static func list(_ name: String, _ description: String, required: Bool = false, choices: [String] = []) -> ToolParameter {
        ToolParameter(name: name, kind: .stringList, description: description, required: required, choices: choices)
    }

    static func map(_ name: String, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .stringMap, description: description)
    }

    /// The property's JSON Schema.
    var schema: Value {
        var object: [String: Value] = ["description": .string(description)]
        switch kind {
        case .string:
            object["type"] = "string"
            if !choices.isEmpty { object["enum"] = .array(choices.map(Value.string)) }
        case .integer:
            object["type"] = "integer"
            if let minimum { object["minimum"] = .int(minimum) }
            if let maximum { object["maximum"] = .int(maximum) }
        case .number:
            object["type"] = "number"
        case .boolean:
            object["type"] = "boolean"
        case .stringList:
            var items: [String: Value] = ["type": "string"]
            if !choices.isEmpty { items["enum"] = .array(choices.map(Value.string)) }
            object["type"] = "array"
            object["items"] = .object(items)
        case .stringMap:
            object["type"] = "object"
            object["additionalProperties"] = .object([
                "anyOf": .array([["type": "string"], ["type": "array", "items": ["type": "string"]]])
            ])
        }
        return .object(object)
    }

    /// The phrase "a string", "an integer ≥ 0", … used in error messages.
    var typePhrase: String {
        switch kind {
        case .string: choices.isEmpty ? "a string" : "one of " + choices.joined(separator: ", ")
        case .integer:
            switch (minimum, maximum) {
            case let (min?, max?): "an integer from \(min) to \(max)"
            case let (min?, nil): "an integer of at least \(min)"
            case let (nil, max?): "an integer of at most \(max)"
            case (nil, nil): "an integer"
            }
        case .number: "a number"
        case .boolean: "true or false"
        case .stringList: "an array of strings"
        case .stringMap: "an object of strings (or arrays of strings)"
        }
    }
}
