/// Counts the prompt tokens of an OpenAI chat request: the messages' text with the model's
/// encoding plus the chat format's fixed tokens, as in OpenAI's cookbook "How to count tokens with
/// tiktoken" (`num_tokens_from_messages`), which the cookbook checks against the API's
/// `prompt_tokens`.
///
/// The count is exact (``TokenEstimate/isExact``) for the families the cookbook lists
/// (gpt-3.5-turbo, gpt-4, gpt-4o and gpt-4o-mini); for gpt-4.1, gpt-4.5 and gpt-5 the same rule is
/// applied but OpenAI publishes no check, so the count is an estimate with no published bound.
/// Tool definitions (``count(_:tools:)``) are counted by the cookbook's `num_tokens_for_tools`
/// rule, which OpenAI fits on one example: always an estimate.
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
    /// The fixed tokens of the model's tool rendering, or `nil` when they are not known.
    public var toolFormat: ChatToolFormat?
    /// The model whose image rule counts image parts (set by ``init(model:)``).
    public var imageModel: String?

    /// Makes a counter from a tokenizer and the formats.
    public init(tokenizer: BPETokenizer, format: ChatMessageFormat, toolFormat: ChatToolFormat? = nil) {
        self.tokenizer = tokenizer
        self.format = format
        self.toolFormat = toolFormat
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
        try self.init(tokenizer: BPETokenizer(model: model), format: format, toolFormat: ChatToolFormat(model: model))
        imageModel = model
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
        // text parts: counted joined (the count) and one by one; OpenAI does not say which it does
        var lower = total
        var upper = total
        for message in messages {
            guard let parts = message.textParts, parts.count > 1 else { continue }
            let separate = parts.reduce(0) { $0 + tokenizer.count($1) }
            let joined = tokenizer.count(message.content)
            lower += min(0, separate - joined)
            upper += max(0, separate - joined)
        }
        let hasParts = messages.contains { $0.textParts != nil }
        guard format.isPublished, !hasParts else {
            return TokenEstimate(count: total, isExact: false, lower: lower, upper: upper, method: method)
        }
        return .exact(total, method: method)
    }

    /// The tokens of the messages' image parts by ``imageModel``'s rule; an image of unknown size
    /// (by URL) counts as the range of its detail level over every size.
    ///
    /// - throws: ``CostTokensError`` `.unknownModel` when images are given and no image rule is known.
    public func countImages(_ messages: [ChatMessage]) throws -> TokenEstimate? {
        let images = messages.flatMap(\.images)
        guard !images.isEmpty else { return nil }
        guard let model = imageModel else {
            throw CostTokensError(
                code: .unknownModel, message: "image parts need a model's image rule; make the counter with ChatTokenCounter(model:)")
        }
        var total: TokenEstimate?
        // the range over every size depends only on the detail level: worked out once per level
        var unknownSize: [OpenAIImageDetail: TokenEstimate] = [:]
        for image in images {
            let one: TokenEstimate
            if let width = image.width, let height = image.height {
                one = try ImageTokenCounter.openAI(width: width, height: height, detail: image.detail, model: model)
            } else if let known = unknownSize[image.detail] {
                one = known
            } else {
                one = try ImageTokenCounter.openAIUnknownSize(detail: image.detail, model: model)
                unknownSize[image.detail] = one
            }
            total = total.map { $0.adding(one) } ?? one
        }
        return total
    }

    /// The prompt tokens of `messages` with `tools` defined: the messages as in ``count(_:)-([ChatMessage])``
    /// plus the tools by the cookbook's `num_tokens_for_tools` rule (each function's `name:description`
    /// with a final period dropped, each property's `name:type:description` and enum values, and the
    /// format's fixed tokens).
    ///
    /// The result is never exact: OpenAI calls the rule approximate and checks it on one request
    /// per model. `lower` is the rule's count; `upper` adds the tokens of the schema text the rule
    /// does not count (nested schemas, defaults, bounds), so flat schemas have no band. With no
    /// tools this is ``count(_:)-([ChatMessage])``.
    ///
    /// For example, the cookbook's weather tool and two messages are 101 tokens on gpt-4o and 105
    /// on gpt-4, as the API reports.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unknownModel`` when tools are
    ///   given and no tool format is known for the model.
    public func count(_ messages: [ChatMessage], tools: [ChatTool]) throws -> TokenEstimate {
        var chat = count(messages)
        if let images = try countImages(messages) { chat = chat.adding(images) }
        guard !tools.isEmpty else { return chat }
        guard let toolFormat else {
            throw CostTokensError(
                code: .unknownModel,
                message: "no tool format is known for this model; pass one explicitly, "
                    + "e.g. ChatTokenCounter(tokenizer: tokenizer, format: .standard, toolFormat: .modern)"
            )
        }
        let (ruled, uncounted) = count(tools, format: toolFormat)
        let method = "openai-tools-\(tokenizer.encoding.rawValue)"
        let toolEstimate = TokenEstimate(
            count: ruled, isExact: false, lower: ruled, upper: ruled + uncounted, method: method)
        return chat.adding(toolEstimate)
    }

    /// The tools' tokens by the rule, and the tokens of the schema text the rule does not count.
    func count(_ tools: [ChatTool], format: ChatToolFormat) -> (ruled: Int, uncounted: Int) {
        func dropFinalPeriod(_ text: String) -> String { text.hasSuffix(".") ? String(text.dropLast()) : text }
        var total = 0
        var uncounted = 0
        for tool in tools {
            total += format.perFunction
            total += tokenizer.count("\(tool.name):\(dropFinalPeriod(tool.description))")
            guard !tool.parameters.isEmpty else { continue }
            total += format.propertiesStart
            for parameter in tool.parameters {
                total += format.perProperty
                if let values = parameter.enumValues {
                    total += format.enumStart
                    for value in values { total += format.perEnumValue + tokenizer.count(value) }
                }
                total += tokenizer.count("\(parameter.name):\(parameter.type):\(dropFinalPeriod(parameter.description))")
                if !parameter.uncountedSchemaText.isEmpty { uncounted += tokenizer.count(parameter.uncountedSchemaText) }
            }
        }
        return (total + format.end, uncounted)
    }
}
