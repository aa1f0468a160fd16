public import Foundation

/// A reference to a model as a caller names it: an optional provider and a model id, in any of
/// the forms people use (`gpt-4o-2024-08-06`, `openai/gpt-4o`, `anthropic.claude-3-5-sonnet-20241022-v2:0`,
/// `claude-3-5-sonnet-v2@20241022`, a LiteLLM key). ``PriceCatalog/resolve(_:)`` turns it into the
/// catalog entry it means.
///
/// For example:
/// ```swift
/// let ref: ModelRef = "openai/gpt-4o"
/// let bedrock = ModelRef(provider: "bedrock", model: "anthropic.claude-sonnet-4-20250514-v1:0")
/// let resolved = try catalog.resolve(bedrock)
/// ```
public struct ModelRef: Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// A provider id or alias (`openai`, `aws`, `bedrock`, `vertex_ai`, …), or `nil` to infer it.
    public var provider: String?
    /// The model id as the caller wrote it.
    public var model: String

    public init(provider: String? = nil, model: String) {
        self.provider = provider
        self.model = model
    }

    /// A model id, the provider inferred (a vendor prefix such as `openai/` names it).
    public init(stringLiteral value: String) {
        self.init(model: value)
    }

    public var description: String { provider.map { "\($0):\(model)" } ?? model }
}

extension PriceCatalog {
    /// Finds the model a reference means (see ``resolve(model:provider:)``).
    ///
    /// - throws: ``PricingError`` `.unknownModel` with the nearest known ids, or `.unknownProvider`.
    public func resolve(_ ref: ModelRef) throws -> ResolvedModel {
        try resolve(model: ref.model, provider: ref.provider)
    }
}

extension CostEngine {
    /// The cost of `usage` on the model a ``ModelRef`` names.
    ///
    /// - throws: ``PricingError`` (see ``cost(_:model:provider:at:tier:unknownModel:)``).
    public func cost(
        _ usage: Usage, model ref: ModelRef, at date: Date = Date(), tier: ServiceTier = .standard,
        unknownModel: UnknownModelPolicy = .throw
    ) throws -> CostBreakdown {
        try cost(usage, model: ref.model, provider: ref.provider, at: date, tier: tier, unknownModel: unknownModel)
    }
}
