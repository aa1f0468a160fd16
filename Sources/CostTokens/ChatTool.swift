/// One function tool of an OpenAI chat request (`tools: [{"type": "function", "function": …}]`),
/// reduced to what OpenAI's cookbook counts: the function's name and description, and for each
/// top-level parameter its name, type, description and enum values.
///
/// What the cookbook's rule does not count (nested schemas such as `items` or an object's own
/// `properties`, `default`, `minimum`, `anyOf`…) is kept as `uncountedSchemaText`, the compact JSON
/// of those parts, so that a count can say how much it may have missed.
///
/// For example:
///
/// ```swift
/// let weather = ChatTool(
///     name: "get_current_weather",
///     description: "Get the current weather in a given location",
///     parameters: [
///         .init(name: "location", type: "string", description: "The city and state, e.g. San Francisco, CA"),
///         .init(name: "unit", type: "string", description: "The unit of temperature to return",
///               enumValues: ["celsius", "fahrenheit"]),
///     ]
/// )
/// ```
public struct ChatTool: Sendable, Hashable {
    /// One top-level parameter of a function.
    public struct Parameter: Sendable, Hashable {
        /// The property's name.
        public var name: String
        /// Its JSON Schema `type` (`string`, `integer`…; several types joined with `, `), or empty.
        public var type: String
        /// Its description, or empty.
        public var description: String
        /// Its `enum` values as text, or `nil` when it has none.
        public var enumValues: [String]?
        /// The compact JSON of the parts of its schema the cookbook's rule does not count, or empty.
        public var uncountedSchemaText: String

        /// Makes a parameter.
        public init(
            name: String,
            type: String,
            description: String = "",
            enumValues: [String]? = nil,
            uncountedSchemaText: String = ""
        ) {
            self.name = name
            self.type = type
            self.description = description
            self.enumValues = enumValues
            self.uncountedSchemaText = uncountedSchemaText
        }
    }

    /// The function's name.
    public var name: String
    /// The function's description, or empty.
    public var description: String
    /// The function's top-level parameters, in the order of the request.
    public var parameters: [Parameter]

    /// Makes a tool.
    public init(name: String, description: String = "", parameters: [Parameter] = []) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// The fixed tokens of OpenAI's tool rendering, as fitted in OpenAI's cookbook "How to count tokens
/// with tiktoken" (`num_tokens_for_tools`, section 7). OpenAI does not publish how tools are
/// rendered; the cookbook checks these constants on one example request per model, so counts made
/// with them are estimates.
///
/// For example, `ChatToolFormat(model: "gpt-4o")` is ``modern`` (7 tokens per function).
public struct ChatToolFormat: Sendable, Hashable {
    /// Tokens at the start of each function.
    public var perFunction: Int
    /// Tokens when a function has properties.
    public var propertiesStart: Int
    /// Tokens for each property.
    public var perProperty: Int
    /// Tokens when a property has an enum (negative: the enum replaces part of the property line).
    public var enumStart: Int
    /// Tokens for each enum value, besides the value's own tokens.
    public var perEnumValue: Int
    /// Tokens once at the end of the tool definitions, when there is at least one tool.
    public var end: Int
    /// Whether the cookbook lists this model family and checks the constants against the API.
    public var isPublished: Bool

    /// Makes a format.
    public init(
        perFunction: Int,
        propertiesStart: Int,
        perProperty: Int,
        enumStart: Int,
        perEnumValue: Int,
        end: Int,
        isPublished: Bool
    ) {
        self.perFunction = perFunction
        self.propertiesStart = propertiesStart
        self.perProperty = perProperty
        self.enumStart = enumStart
        self.perEnumValue = perEnumValue
        self.end = end
        self.isPublished = isPublished
    }

    /// gpt-4o and gpt-4o-mini: 7 per function, 3 for properties, 3 per property, −3 for an enum,
    /// 3 per enum value, 12 at the end.
    public static let modern = ChatToolFormat(
        perFunction: 7,
        propertiesStart: 3,
        perProperty: 3,
        enumStart: -3,
        perEnumValue: 3,
        end: 12,
        isPublished: true
    )

    /// gpt-3.5-turbo and gpt-4: as ``modern`` but 10 per function.
    public static let legacy = modern.with { $0.perFunction = 10 }

    /// The ``modern`` constants for families the cookbook does not check (gpt-4.1, gpt-4.5, gpt-5).
    public static let modernUnverified = modern.with { $0.isPublished = false }

    /// The ``legacy`` constants for gpt-4 variants the cookbook does not check (gpt-4-turbo).
    public static let legacyUnverified = legacy.with { $0.isPublished = false }

    /// A copy with `change` applied.
    func with(_ change: (inout ChatToolFormat) -> Void) -> ChatToolFormat {
        var copy = self
        change(&copy)
        return copy
    }

    /// Model-name prefixes and their format (longest prefix wins).
    static let table: [(prefix: String, value: ChatToolFormat)] = [
        ("gpt-3.5-turbo", .legacy), ("gpt-35-turbo", .legacy), ("gpt-4", .legacy),
        ("gpt-4-turbo", .legacyUnverified), ("gpt-4-1106", .legacyUnverified), ("gpt-4-0125", .legacyUnverified),
        ("gpt-4o", .modern), ("chatgpt-4o", .modern),
        ("gpt-4.1", .modernUnverified), ("gpt-4.5", .modernUnverified), ("gpt-5", .modernUnverified),
    ]

    /// The tool format of an OpenAI chat model, or `nil` when it is not known here.
    ///
    /// For example, `ChatToolFormat(model: "gpt-4-0613")` is ``legacy``.
    public init?(model: String) {
        guard let format = ModelPrefixMatch.longest(model, in: Self.table) else { return nil }
        self = format
    }
}
