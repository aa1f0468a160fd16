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

    /// Something sent beside the prompt, counted by its provider's published rule.
    public enum Attachment: Sendable, Hashable {
        /// An image of `width` × `height` pixels (`detail` is OpenAI's; other providers ignore it).
        case image(width: Int, height: Int, detail: OpenAIImageDetail)
        /// Audio of this many seconds (Gemini's 32 tokens per second).
        case audio(seconds: Double)
        /// Video of this many seconds (Gemini's rule).
        case video(seconds: Double)
        /// A PDF of this many pages (Gemini's 258 per page; Anthropic's 1,500–3,000 per page).
        case pdf(pages: Int)
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
        prompt: Prompt, model: String, provider: String? = nil, attachments: [Attachment] = [],
        maxOutputTokens: Int? = nil, tier: ServiceTier = .standard, at date: Date = Date()
    ) throws -> Estimate {
        let resolved = try engine.catalog.resolve(model: model, provider: provider)
        var tokens: TokenEstimate
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
                tokens = try ChatTokenCounter(model: model).count(messages, tools: [])
            case .chatRequest(let request):
                tokens = try ChatTokenCounter(model: model).count(request.messages, tools: request.tools)
            }
        } catch let error as CostTokensError where error.code == .unknownModel {
            throw ControlError(
                code: .invalidInput,
                message: "no chat format is known for '\(model)' (\(resolved.model.provider)); chat requests are counted for OpenAI's chat models. Pass the prompt as plain text instead: it is estimated for any model")
        }
        for attachment in attachments {
            tokens = tokens.adding(try count(attachment, model: model, resolved: resolved))
        }
        // a range of input counts prices at its upper end for the maximum, its lower end for the minimum
        let minimum = try engine.cost(Usage(inputTokens: tokens.lower, outputTokens: 0), model: resolved, at: date, tier: tier)
        let maximum = try maxOutputTokens.map {
            try engine.cost(Usage(inputTokens: tokens.upper, outputTokens: $0), model: resolved, at: date, tier: tier)
        }
        return Estimate(inputTokens: tokens, minimum: minimum, maximum: maximum, maxOutputTokens: maxOutputTokens)
    }

    /// The family whose media rules apply: by the model's name, then by its catalog provider.
    enum MediaFamily: String {
        case openAI = "OpenAI", anthropic = "Anthropic", gemini = "Gemini"
    }

    static func mediaFamily(model: String, resolved: ResolvedModel) -> MediaFamily? {
        let id = resolved.model.id.lowercased()
        let provider = resolved.model.provider.lowercased()
        if id.contains("claude") || provider == "anthropic" { return .anthropic }
        if id.contains("gemini") || provider == "google" || provider.hasPrefix("google") { return .gemini }
        if TokenEncodingName(model: model) != nil || provider == "openai" || provider == "azure" { return .openAI }
        return nil
    }

    /// One attachment's tokens under the rule of the model's provider.
    ///
    /// - throws: ``ControlError`` `.invalidInput` when the provider publishes no rule for it;
    ///   ``CostTokensError`` for sizes that are not valid.
    func count(_ attachment: Attachment, model: String, resolved: ResolvedModel) throws -> TokenEstimate {
        let family = RequestEstimator.mediaFamily(model: model, resolved: resolved)
        func noRule(_ what: String) -> ControlError {
            let who = family.map { "\($0.rawValue) publishes" } ?? "no provider rule is known to costctl for '\(resolved.model.id)': there is"
            return ControlError(
                code: .invalidInput,
                message: "\(who) no token rule for \(what); count it with the provider's own token-counting endpoint, or leave it out of the estimate")
        }
        switch (attachment, family) {
        case (.image(let width, let height, let detail), .openAI?):
            return try ImageTokenCounter.openAI(width: width, height: height, detail: detail, model: model)
        case (.image(let width, let height, _), .anthropic?):
            return try ImageTokenCounter.anthropic(width: width, height: height)
        case (.image(let width, let height, _), .gemini?):
            return try ImageTokenCounter.gemini(width: width, height: height)
        case (.audio(let seconds), .gemini?):
            return try MediaTokenCounter.geminiAudio(seconds: seconds)
        case (.video(let seconds), .gemini?):
            return try MediaTokenCounter.geminiVideo(seconds: seconds)
        case (.pdf(let pages), .gemini?):
            return try MediaTokenCounter.geminiDocument(pages: pages)
        case (.pdf(let pages), .anthropic?):
            return try MediaTokenCounter.anthropicDocument(pages: pages)
        case (.image, _): throw noRule("images")
        case (.audio, _): throw noRule("audio input")
        case (.video, _): throw noRule("video input")
        case (.pdf, _): throw noRule("PDF pages")
        }
    }
}
