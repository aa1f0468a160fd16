import CostControl
import Foundation
import MCP

/// The arguments of one call, checked against the tool's parameters before the tool runs: no
/// unknown name, every required one given, each of its declared type and range. Accessors then
/// read typed values. `null` counts as absent.
struct ToolArguments: Sendable {
    let tool: String
    private let values: [String: Value]
    private let parameters: [String: ToolParameter]

    /// - throws: ``CostMCPError`` `.invalidArguments` naming the argument and what it must be.
    init(tool: String, parameters: [ToolParameter], values: [String: Value]?) throws {
        self.tool = tool
        self.parameters = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
        self.values = (values ?? [:]).filter { !$0.value.isNull }
        let names = parameters.map(\.name)
        for name in self.values.keys.sorted() where self.parameters[name] == nil {
            let takes = names.isEmpty ? "it takes no arguments" : "it takes " + names.joined(separator: ", ")
            throw CostMCPError.invalid("unknown argument '\(name)' for \(tool)\(Suggest.didYouMean(name, in: names)); \(takes)")
        }
        for parameter in parameters {
            guard let value = self.values[parameter.name] else {
                if parameter.required {
                    throw CostMCPError.invalid("missing required argument '\(parameter.name)' for \(tool): \(parameter.description)")
                }
                continue
            }
            try Self.check(value, parameter, tool: tool)
        }
    }

    private static func check(_ value: Value, _ p: ToolParameter, tool: String) throws {
        func wrong() -> CostMCPError {
            CostMCPError.invalid("argument '\(p.name)' of \(tool) must be \(p.typePhrase), got \(kindName(value))")
        }
        switch p.kind {
        case .string:
            guard let text = stringOf(value) else { throw wrong() }
            if !p.choices.isEmpty, !p.choices.contains(text.lowercased()) {
                throw CostMCPError.invalid(
                    "argument '\(p.name)' of \(tool) must be one of \(p.choices.joined(separator: ", "))\(Suggest.didYouMean(text, in: p.choices))")
            }
        case .integer:
            guard let n = integerOf(value) else { throw wrong() }
            if let min = p.minimum, n < min { throw wrong() }
            if let max = p.maximum, n > max { throw wrong() }
        case .number:
            guard value.intValue != nil || value.doubleValue?.isFinite == true else { throw wrong() }
        case .boolean:
            guard value.boolValue != nil else { throw wrong() }
        case .stringList:
            guard let items = listOf(value) else { throw wrong() }
            for item in items where !p.choices.isEmpty && !p.choices.contains(item.lowercased()) {
                throw CostMCPError.invalid(
                    "argument '\(p.name)' of \(tool): each item must be one of \(p.choices.joined(separator: ", "))\(Suggest.didYouMean(item, in: p.choices))")
            }
        case .stringMap:
            guard let object = value.objectValue else { throw wrong() }
            for (key, item) in object where stringOf(item) == nil && item.arrayValue.map({ $0.allSatisfy { stringOf($0) != nil } }) != true {
                throw CostMCPError.invalid("argument '\(p.name)' of \(tool): the value of '\(key)' must be a string or an array of strings")
            }
        }
    }

    // MARK: - Reading

    func string(_ name: String) -> String? { values[name].flatMap(Self.stringOf) }

    /// A string argument the tool cannot do without (checked as required in its parameters).
    func required(_ name: String) throws -> String {
        guard let text = string(name), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CostMCPError.invalid("argument '\(name)' of \(tool) must not be empty")
        }
        return text
    }

    /// A string argument lower-cased (for choices).
    func choice(_ name: String) -> String? { string(name)?.lowercased() }

    func int(_ name: String) -> Int? { values[name].flatMap(Self.integerOf) }

    func bool(_ name: String) -> Bool? { values[name]?.boolValue }

    func list(_ name: String) -> [String] { values[name].flatMap(Self.listOf) ?? [] }

    /// `{"team": "search"}` or `{"team": ["search", "support"]}` as dimension → accepted values.
    func map(_ name: String) -> [String: [String]] {
        guard let object = values[name]?.objectValue else { return [:] }
        var result: [String: [String]] = [:]
        for (key, item) in object {
            if let text = Self.stringOf(item) {
                result[key] = [text]
            } else if let items = item.arrayValue {
                result[key] = items.compactMap(Self.stringOf)
            }
        }
        return result
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    // MARK: - Values

    /// A JSON string (a data URL arrives decoded as data: it is read back as its text).
    private static func stringOf(_ value: Value) -> String? {
        if let text = value.stringValue { return text }
        if case .data(let mimeType, let data) = value {
            return "data:\(mimeType ?? "");base64,\(data.base64EncodedString())"
        }
        return nil
    }

    /// An integer, or a number with no fraction (JSON has one number type).
    private static func integerOf(_ value: Value) -> Int? {
        if let n = value.intValue { return n }
        if let d = value.doubleValue, d.isFinite, d == d.rounded(), abs(d) < 9e15 { return Int(d) }
        return nil
    }

    private static func listOf(_ value: Value) -> [String]? {
        if let text = value.stringValue {
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard let items = value.arrayValue else { return nil }
        let strings = items.compactMap(stringOf)
        return strings.count == items.count ? strings : nil
    }

    private static func kindName(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string, .data: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
