/// Counts the prompt tokens of an OpenAI chat request: the messages' text with the model's
/// encoding plus the chat format's fixed tokens, as in OpenAI's cookbook "How to count tokens with
/// tiktoken" (`num_tokens_from_messages`), which the cookbook checks against the API's
/// `prompt_tokens`.
///
/// The count is exact (``TokenEstimate/isExact``) for the families the cookbook lists
/// (gpt-3.5-turbo, gpt-4, gpt-4o and gpt-4o-mini); for gpt-4.1, gpt-4.5 and gpt-5 the same rule is
/// applied but OpenAI publishes no check, so the count is an estimate with no published bound.
/// Tool and function definitions are not counted: OpenAI does not publish how they are rendered.
///
/// For example:
///
/// ```swift
/// let counter = try ChatTokenCounter(model: "gpt-4o")
/// let estimate = counter.count([
///     ChatMessage(role: "system", content: "You are terse."),
///     ChatMessage(role: "user", content: "hello world"),
/// ])
/// print(estimate.count, estimate.isExact)   // 17 true
/// ```
public struct ChatTokenCounter: Sendable {
    /// The tokenizer of the model's encoding, used for roles, contents and names.
    public var tokenizer: BPETokenizer
    /// The fixed tokens of the model's chat format.
    public var format: ChatMessageFormat

    /// Makes a counter from a tokenizer and a format.
    public init(tokenizer: BPETokenizer, format: ChatMessageFormat) {
        self.tokenizer = tokenizer
        self.format = format
    }

    /// Makes a counter for an OpenAI chat model such as `gpt-4o-2024-08-06` or `openai/gpt-4.1-mini`.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unknownModel`` when the
    ///   model's chat format or encoding is not known, or ``CostTokensError/Code/corruptVocabulary``.
    public init(model: String) throws {
        guard let format = ChatMessageFormat(model: model) else {
            throw CostTokensError(
                code: .unknownModel,
                message: "no chat message format is known for model '\(model)'; pass a format explicitly, "
                    + "e.g. ChatTokenCounter(tokenizer: tokenizer, format: .standard)"
            )
        }
        try self.init(tokenizer: BPETokenizer(model: model), format: format)
    }

    /// The tokens of one message: the per-message tokens, its role, content and name, and the
    /// per-name tokens (the reply priming is not included).
    public func count(_ message: ChatMessage) -> Int {
        var total = format.tokensPerMessage + tokenizer.count(message.role) + tokenizer.count(message.content)
        if let name = message.name {
            total += tokenizer.count(name) + format.tokensPerName
        }
        return total
    }

    /// The prompt tokens of `messages`, reply priming included (an empty list costs only the
    /// priming tokens).
    public func count(_ messages: [ChatMessage]) -> TokenEstimate {
        let total = messages.reduce(format.replyPrimingTokens) { $0 + count($1) }
        let method = "openai-chat-\(tokenizer.encoding.rawValue)"
        guard format.isPublished else {
            return TokenEstimate(count: total, isExact: false, lower: total, upper: total, method: method)
        }
        return .exact(total, method: method)
    }
}
