/// One message of an OpenAI chat request, as the Chat Completions API takes it.
///
/// For example:
///
/// ```swift
/// let messages = [
///     ChatMessage(role: "system", content: "You are terse."),
///     ChatMessage(role: "user", content: "hello", name: "ana"),
/// ]
/// ```
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `developer`, `user`, `assistant` or `tool`; it is counted as text.
    public var role: String
    /// The text of the message.
    public var content: String
    /// The participant's name, if given; it is counted as text plus the format's name overhead.
    public var name: String?
    /// When the content came as a list of parts: the text parts, one by one (``content`` is then
    /// their concatenation). OpenAI does not document how parts are joined, so a count with parts is
    /// an estimate between the two readings.
    public var textParts: [String]?
    /// Image parts, counted by the model's image rule (a size range when the size is unknown).
    public var images: [ChatImage] = []

    /// Makes a message.
    public init(role: String, content: String, name: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
    }
}

/// The fixed tokens OpenAI's chat format adds around messages, as published in OpenAI's cookbook
/// "How to count tokens with tiktoken" (`num_tokens_from_messages`).
///
/// Every message costs `tokensPerMessage` plus the tokens of its role, content and name; a name
/// adds `tokensPerName`; the reply is primed with `replyPrimingTokens`.
///
/// For example:
///
/// ```swift
/// let format = ChatMessageFormat(model: "gpt-4o-2024-08-06")  // .standard: 3, 1, 3
/// ```
public struct ChatMessageFormat: Sendable, Hashable {
    /// Tokens added for every message (`<|start|>`, the role separator, `<|end|>`).
    public var tokensPerMessage: Int
    /// Tokens added when a message has a name.
    public var tokensPerName: Int
    /// Tokens that prime the reply (`<|start|>assistant<|message|>`), added once per request.
    public var replyPrimingTokens: Int
    /// Whether OpenAI's cookbook lists this model family and checks the rule against the API's
    /// `prompt_tokens`; counts with an unlisted family are estimates.
    public var isPublished: Bool

    /// Makes a format.
    public init(tokensPerMessage: Int, tokensPerName: Int, replyPrimingTokens: Int, isPublished: Bool) {
        self.tokensPerMessage = tokensPerMessage
        self.tokensPerName = tokensPerName
        self.replyPrimingTokens = replyPrimingTokens
        self.isPublished = isPublished
    }

    /// gpt-3.5-turbo (0613 and later), gpt-4 and gpt-4o: 3 per message, 1 per name, 3 for the reply.
    public static let standard = ChatMessageFormat(
        tokensPerMessage: 3,
        tokensPerName: 1,
        replyPrimingTokens: 3,
        isPublished: true
    )

    /// gpt-3.5-turbo-0301: 4 per message and −1 per name (a name replaces the role), 3 for the reply.
    public static let gpt35Turbo0301 = ChatMessageFormat(
        tokensPerMessage: 4,
        tokensPerName: -1,
        replyPrimingTokens: 3,
        isPublished: true
    )

    /// The standard numbers for families OpenAI's cookbook does not list (gpt-4.1, gpt-4.5,
    /// gpt-5): the same chat format is assumed, but the count is an estimate.
    public static let standardUnverified = ChatMessageFormat(
        tokensPerMessage: 3,
        tokensPerName: 1,
        replyPrimingTokens: 3,
        isPublished: false
    )

    /// Model-name prefixes and their format (longest prefix wins, as in the model → encoding map).
    static let table: [(prefix: String, value: ChatMessageFormat)] = [
        ("gpt-3.5-turbo", .standard), ("gpt-35-turbo", .standard),
        ("gpt-3.5-turbo-0301", .gpt35Turbo0301), ("gpt-35-turbo-0301", .gpt35Turbo0301),
        ("gpt-4", .standard), ("gpt-4o", .standard), ("chatgpt-4o", .standard),
        ("gpt-4.1", .standardUnverified), ("gpt-4.5", .standardUnverified), ("gpt-5", .standardUnverified),
    ]

    /// The format of an OpenAI chat model, or `nil` for a model whose format is not known here
    /// (the o-series reasoning models, embedding and completion models, other vendors).
    ///
    /// For example, `ChatMessageFormat(model: "gpt-3.5-turbo-0301")` is ``gpt35Turbo0301``.
    public init?(model: String) {
        guard let format = ModelPrefixMatch.longest(model, in: Self.table) else { return nil }
        self = format
    }
}
