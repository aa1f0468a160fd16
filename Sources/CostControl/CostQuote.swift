public import Foundation

/// One request priced: the model resolved, the cost by category, and the lines that explain it —
/// what `costctl cost` prints and the MCP tool `estimate-cost` returns.
///
/// For example:
///
/// ```swift
/// let quote = try CostQuote(engine: CostEngine(catalog: try PriceCatalog.bundled()), model: "gpt-4o",
///                           usage: Usage(inputTokens: 12_000, outputTokens: 800))
/// print(quote.breakdown.total)
/// ```
public struct CostQuote: Sendable {
    /// The model id as asked for.
    public var requested: String
    public var usage: Usage
    public var at: Date
    public var resolved: ResolvedModel
    public var breakdown: CostBreakdown
    /// Each priced kind's count, rate and amount.
    public var lines: [CostLine]
    /// Usage kinds no price of the model covers (not billed here).
    public var unpricedKinds: [UsageKind]
    /// Set when a service tier was asked for that the model does not publish.
    public var note: String?

    /// Resolves `model` (with `provider`) in the engine's catalog and prices `usage` at `at` in `tier`.
    ///
    /// - throws: ``PricingError`` for an unknown model (with suggestions) or usage that cannot be priced.
    public init(
        engine: CostEngine, model: String, provider: String? = nil, usage: Usage, at: Date = Date(), tier: ServiceTier = .standard
    ) throws {
        let resolved = try engine.catalog.resolve(model: model, provider: provider)
        let price = tier == .standard || resolved.viaFallback
            ? resolved.model.standardPrice(at: at) : resolved.model.price(at: at, context: tier.context)
        requested = model
        self.usage = usage
        self.at = at
        self.resolved = resolved
        breakdown = try engine.cost(usage, model: resolved, at: at, tier: tier)
        lines = try price.map { try CostEngine.explain(usage, price: $0) } ?? []
        unpricedKinds = price.map { CostEngine.unpricedKinds(usage, price: $0) } ?? []
        note = tier != .standard && !resolved.model.hasVariant(for: tier.context)
            ? "no \(tier) price is published for this model; standard prices apply" : nil
    }

    /// The JSON of `costctl cost --json`.
    public var report: CostReport {
        CostReport(
            breakdown: breakdown, requested: requested, resolvedId: resolved.requested, usage: usage, at: Timestamp.format(at),
            lines: lines, unpricedKinds: unpricedKinds.map(\.rawValue), note: note)
    }
}

/// The `--json` output of `costctl cost`.
public struct CostReport: Encodable, Sendable {
    public var provider: String
    public var model: String
    public var requested: String
    public var resolvedId: String
    public var source: String
    public var priced: Bool
    public var unpricedReason: String?
    public var serviceTier: String
    public var at: String
    public var usage: Usage
    public var inputUSD: String
    public var outputUSD: String
    public var totalUSD: String
    public var breakdown: [String: String]
    public var lines: [Line]
    public var unpricedKinds: [String]
    public var note: String?

    public struct Line: Encodable, Sendable {
        public var kind: String
        public var priceKey: String
        public var count: Int
        public var per: Int
        public var rateUSD: String
        public var amountUSD: String
        public var category: String
        enum CodingKeys: String, CodingKey {
            case kind, count, per, category
            case priceKey = "price_key"
            case rateUSD = "rate_usd"
            case amountUSD = "amount_usd"
        }
    }

    public init(breakdown b: CostBreakdown, requested: String, resolvedId: String, usage: Usage, at: String,
         lines: [CostLine], unpricedKinds: [String], note: String?) {
        provider = b.model.provider
        model = b.model.model
        self.requested = requested
        self.resolvedId = resolvedId
        source = b.model.source
        priced = b.isPriced
        unpricedReason = b.unpricedReason
        serviceTier = b.serviceTier.rawValue
        self.at = at
        self.usage = usage
        inputUSD = b.inputTotal.decimalString
        outputUSD = b.outputTotal.decimalString
        totalUSD = b.total.decimalString
        breakdown = Dictionary(uniqueKeysWithValues: CostCategory.allCases.map { ($0.rawValue, b[$0].decimalString) })
        self.lines = lines.map {
            Line(kind: $0.kind.rawValue, priceKey: $0.priceKey, count: $0.count, per: $0.per,
                 rateUSD: $0.rate.decimalString, amountUSD: $0.amount.decimalString, category: $0.category.rawValue)
        }
        self.unpricedKinds = unpricedKinds
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, requested, source, priced, at, usage, breakdown, lines, note
        case resolvedId = "resolved_id"
        case unpricedReason = "unpriced_reason"
        case serviceTier = "service_tier"
        case inputUSD = "input_usd"
        case outputUSD = "output_usd"
        case totalUSD = "total_usd"
        case unpricedKinds = "unpriced_kinds"
    }
}
