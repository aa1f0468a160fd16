public import CostPricing
public import Foundation

/// One request as plan fitting sees it: when, whose, how much it would cost at list prices, how
/// many requests and tokens, and whether the vendor refused it for a usage limit.
public struct PlanUsageSample: Sendable, Hashable {
    public var timestamp: Date
    public var provider: String
    public var model: String
    /// The API-equivalent cost (list prices at the time). Zero for unpriced requests.
    public var apiCost: Money
    public var requests: Int
    /// Input plus output tokens.
    public var tokens: Int
    /// Whether the request was refused for a usage limit ("usage limit reached").
    public var isRateLimit: Bool
    /// When the vendor said the limit resets, if it said.
    public var resetsAt: Date?
    /// Whether the request had usage but no price (its cost counts as zero).
    public var isUnpriced: Bool

    public init(
        timestamp: Date, provider: String, model: String, apiCost: Money, requests: Int = 1, tokens: Int = 0,
        isRateLimit: Bool = false, resetsAt: Date? = nil, isUnpriced: Bool = false
    ) {
        self.timestamp = timestamp
        self.provider = provider.lowercased()
        self.model = model
        self.apiCost = apiCost
        self.requests = requests
        self.tokens = tokens
        self.isRateLimit = isRateLimit
        self.resetsAt = resetsAt
        self.isUnpriced = isUnpriced
    }

    /// A ledger event as a sample: its stored cost, its request and token counts, a rate-limited
    /// status, and the `resets_at` the Claude Code importer keeps in the metadata.
    public init(_ event: UsageEvent) {
        var resetsAt: Date?
        if case .object(let fields) = event.metadata, case .string(let text) = fields["resets_at"] {
            resetsAt = Timestamp.parseOrNil(text)
        }
        let priced = event.cost?.isPriced ?? false
        self.init(
            timestamp: event.timestamp, provider: event.provider, model: event.model,
            apiCost: priced ? (event.cost?.total ?? .zero) : .zero, requests: event.usage.requests,
            tokens: event.usage.inputTokens + event.usage.outputTokens, isRateLimit: event.status == .rateLimited,
            resetsAt: resetsAt, isUnpriced: !priced && event.status != .rateLimited)
    }

    /// This sample's amount in `measure`'s units.
    public func amount(_ measure: WindowMeasure) -> Int128 {
        switch measure {
        case .apiCost: apiCost.units
        case .requests: Int128(requests)
        case .tokens: Int128(tokens)
        }
    }
}
