public import Foundation

/// Tokens and the cost range of a request before it is sent: the prompt's tokens (exact where an
/// exact tokenizer exists, otherwise a calibrated estimate with its range) priced as input, from
/// "no output" at the low end of the range to "`maxOutputTokens` of output" at its high end.
///
/// For example:
/// ```swift
/// let estimator = RequestEstimator(engine: CostEngine(catalog: try .bundled()))
/// let estimate = try estimator.estimate(prompt: .text("Summarise: …"), model: "gpt-4o", maxOutputTokens: 500)
/// print(estimate.inputTokens.count, estimate.minimum.total, estimate.maximum?.total as Any)
/// ```
public struct RequestEstimator: Sendable {
    public let engine: CostEngine

    public init(engine: CostEngine) {
        self.engine = engine
    }

    /// What is sent.
    public enum Prompt: Sendable {
        /// Raw text (a completion prompt, or text you will wrap yourself).
        case text(String)
        /// Chat messages: counted with the chat format's per-message and reply-priming tokens.
        case chat([ChatMessage])
        /// An OpenAI chat request: its messages, and its tool definitions by OpenAI's cookbook rule
        /// (an estimate).
        case chatRequest(ChatRequest)
    }

    /// The estimate of one request.
    public struct Estimate: Sendable {
        /// The prompt's input tokens, with whether the count is exact and how it was made.
        public var inputTokens: TokenEstimate
        /// The cost with no output tokens (the least the request can cost).
        public var minimum: CostBreakdown
        /// The cost with `maxOutputTokens` of output (the most it can cost), when a maximum was given.
        public var maximum: CostBreakdown?
        public var maxOutputTokens: Int?
    }

    /// Counts the prompt's tokens and prices the two ends of the request.
    ///
    /// Text for a model without an exact tokenizer (Claude, Gemini, Mistral, local models) is
    /// counted by ``TokenEstimator``: an estimate whose range prices the two ends.
    ///
    /// - throws: ``ControlError`` `.invalidInput` when a chat prompt is given for a model whose chat
    ///   format is not known (OpenAI's are); ``PricingError`` for unknown models.
    public func estimate(
        prompt: Prompt, model: String, provider: String? = nil, maxOutputTokens: Int? = nil,
        tier: ServiceTier = .standard, at date: Date = Date()
    ) throws -> Estimate {
        let resolved = try engine.catalog.resolve(model: model, provider: provider)
        let tokens: TokenEstimate
        do {
            switch prompt {
            case .text(let text):
                // The name as called when it has an exact encoding, else the catalog's id and provider.
                let estimator =
                    TokenEncodingName(model: model) != nil
                    ? try TokenEstimator(model: model)
                    : try TokenEstimator(model: resolved.model.id, provider: resolved.model.provider)
                tokens = estimator.estimate(text)
            case .chat(let messages):
                tokens = try ChatTokenCounter(model: model).count(messages)
            case .chatRequest(let request):
                tokens = try ChatTokenCounter(model: model).count(request.messages, tools: request.tools)
            }
        } catch let error as CostTokensError where error.code == .unknownModel {
            throw ControlError(
                code: .invalidInput,
                message: "no chat format is known for '\(model)' (\(resolved.model.provider)); chat requests are counted for OpenAI's chat models. Pass the prompt as plain text instead: it is estimated for any model")
        }
        // a range of input counts prices at its upper end for the maximum, its lower end for the minimum
        let minimum = try engine.cost(Usage(inputTokens: tokens.lower, outputTokens: 0), model: resolved, at: date, tier: tier)
        let maximum = try maxOutputTokens.map {
            try engine.cost(Usage(inputTokens: tokens.upper, outputTokens: $0), model: resolved, at: date, tier: tier)
        }
        return Estimate(inputTokens: tokens, minimum: minimum, maximum: maximum, maxOutputTokens: maxOutputTokens)
    }
}
