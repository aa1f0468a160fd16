public import Foundation

/// A model in the price catalog: how ids match it, its prices over time, and its variants.
// A final class so that resolved lookups share one instance; every stored property is an
// immutable `let` of a Sendable type.
public final class CatalogModel: Sendable, CustomStringConvertible {
    /// The provider id this model is listed under (`openai`, `aws`, …).
    public let provider: String
    /// The model's primary id.
    public let id: String
    public let name: String?
    /// Which ids refer to this model.
    public let match: MatchClause
    /// `genai-prices`, `litellm` or `override:<file>`.
    public let source: String
    /// Maximum input tokens, when published.
    public let contextWindow: Int?
    public let deprecated: Bool
    /// Prices in force over time: the last one whose constraint holds applies; if none holds, the first.
    public let prices: [ConditionalPrice]
    /// Request-specific overrides (batch, flex, priority, …), resolved first to last per price key.
    public let variants: [PriceVariant]
    /// Why this model has no price, when ``prices`` is empty.
    public let unpricedReason: String?
    /// The exact LiteLLM key, for models taken from LiteLLM.
    public let litellmKey: String?
    /// LiteLLM's provider name (`bedrock`, `vertex_ai-language-models`, …) for models taken from LiteLLM.
    public let litellmProvider: String?
    /// LiteLLM's mode (`chat`, `embedding`, `image_generation`, …), when known.
    public let mode: String?
    /// A capability class for the optimizer (`frontier`, `mid`, `small`, …), when known. Never invented.
    public let capabilityClass: String?
    /// A public quality score for the optimizer, when known. Never invented.
    public let qualityScore: Double?

    public init(
        provider: String, id: String, name: String? = nil, match: MatchClause, source: String,
        contextWindow: Int? = nil, deprecated: Bool = false, prices: [ConditionalPrice],
        variants: [PriceVariant] = [], unpricedReason: String? = nil, litellmKey: String? = nil,
        litellmProvider: String? = nil, mode: String? = nil, capabilityClass: String? = nil,
        qualityScore: Double? = nil
    ) {
        self.provider = provider
        self.id = id
        self.name = name
        self.match = match
        self.source = source
        self.contextWindow = contextWindow
        self.deprecated = deprecated
        self.prices = prices
        self.variants = variants
        self.unpricedReason = unpricedReason
        self.litellmKey = litellmKey
        self.litellmProvider = litellmProvider
        self.mode = mode
        self.capabilityClass = capabilityClass
        self.qualityScore = qualityScore
        self.identity = ModelIdentity(provider: provider, model: id, source: source)
    }

    /// The provider, id and source, as breakdowns carry them.
    public let identity: ModelIdentity
    public var description: String { "\(provider)/\(id)" }
    public var isPriced: Bool { !prices.isEmpty }

    /// The price in force at `date` (UTC), without variants; `nil` for an unpriced model.
    @inline(__always)
    public func standardPrice(at date: Date) -> ModelPrice? {
        standardPriceIndex(at: date).map { prices[$0].price }
    }

    /// The index in ``prices`` of the price in force at `date`: the last whose constraint holds,
    /// else the first; `nil` for an unpriced model.
    @inline(__always)
    func standardPriceIndex(at date: Date) -> Int? {
        switch prices.count {
        case 0: return nil
        case 1: return 0
        default:
            var i = prices.count - 1
            while i >= 0 {
                guard let c = prices[i].constraint else { return i }
                if c.isActive(at: date) { return i }
                i -= 1
            }
            return 0
        }
    }

    /// The price in force at `date` for a request with `context` (for example
    /// `["service_tier": "flex"]`): the standard price with every matching variant's keys
    /// applied (the first matching variant wins per key).
    public func price(at date: Date, context: [String: String]) -> ModelPrice? {
        guard let standard = standardPrice(at: date) else { return nil }
        if context.isEmpty || variants.isEmpty { return standard }
        var overrides: [(UnitDefinition, PriceValue)] = []
        var seen = Set<String>()
        for variant in variants {
            if let c = variant.constraint, !c.isActive(at: date) { continue }
            guard variant.when.allSatisfy({ context[$0.key] == $0.value }) else { continue }
            for line in variant.prices.lines where !seen.contains(line.unit.priceKey) {
                seen.insert(line.unit.priceKey)
                overrides.append((line.unit, line.value))
            }
        }
        return standard.overriding(overrides)
    }

    /// Whether a variant exists for `context` (for example, whether a flex price is published).
    public func hasVariant(for context: [String: String]) -> Bool {
        variants.contains { v in v.when.allSatisfy { context[$0.key] == $0.value } }
    }
}

/// A price with the condition under which it applies.
public struct ConditionalPrice: Sendable, Hashable {
    /// `nil`: always.
    public var constraint: PriceConstraint?
    public var price: ModelPrice

    public init(constraint: PriceConstraint? = nil, price: ModelPrice) {
        self.constraint = constraint
        self.price = price
    }
}

/// Prices that replace some of a model's standard prices for requests with a given context.
public struct PriceVariant: Sendable, Hashable {
    /// Context values that must all be present (`service_tier: flex`, `processing: batch`).
    public var when: [String: String]
    public var constraint: PriceConstraint?
    /// The replaced (or added) prices.
    public var prices: ModelPrice
    /// Where this variant came from (`genai-prices`, `litellm`, …).
    public var source: String

    public init(when: [String: String], constraint: PriceConstraint? = nil, prices: ModelPrice, source: String) {
        self.when = when
        self.constraint = constraint
        self.prices = prices
        self.source = source
    }
}

/// A provider in the price catalog.
// A final class shared by lookups; every stored property is an immutable `let` of a Sendable type.
public final class CatalogProvider: Sendable {
    public let id: String
    public let name: String
    /// Other names accepted for this provider (LiteLLM's `bedrock`, `vertex_ai`, …).
    public let aliases: [String]
    /// Recognises provider names (genai-prices' `provider_match`).
    public let providerMatch: MatchClause?
    /// Recognises this provider's models when no provider is named (genai-prices' `model_match`).
    public let modelMatch: MatchClause?
    /// Providers whose prices apply when this one has none for a model (Azure → OpenAI).
    public let fallbackProviders: [String]
    /// Models from the primary source, in matching order.
    public let models: [CatalogModel]
    /// Models known by an exact key (LiteLLM entries, overrides), by lower-cased key.
    let exactIndex: [String: CatalogModel]
    public let exactModels: [CatalogModel]
    public let pricingURLs: [String]

    public init(
        id: String, name: String, aliases: [String] = [], providerMatch: MatchClause? = nil,
        modelMatch: MatchClause? = nil, fallbackProviders: [String] = [], models: [CatalogModel],
        exactModels: [CatalogModel] = [], pricingURLs: [String] = []
    ) {
        self.id = id
        self.name = name
        self.aliases = aliases
        self.providerMatch = providerMatch
        self.modelMatch = modelMatch
        self.fallbackProviders = fallbackProviders
        self.models = models
        self.exactModels = exactModels
        self.pricingURLs = pricingURLs
        var index: [String: CatalogModel] = [:]
        for model in exactModels {
            for key in model.match.exactIds where index[key] == nil { index[key] = model }
        }
        self.exactIndex = index
    }

    /// The first primary model that matches a lower-cased id.
    func firstMatch(_ lowercased: String) -> CatalogModel? {
        models.first { $0.match.matchesLowercased(lowercased) }
    }

    /// All models (primary then exact-key ones).
    public var allModels: [CatalogModel] { models + exactModels }
}
