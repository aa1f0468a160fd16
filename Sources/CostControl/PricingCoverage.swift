import Foundation

/// A model whose events are stored without a price, with how much usage that leaves out of the cost.
public struct UnpricedModel: Sendable, Hashable {
    public var provider: String
    public var model: String
    /// Events of this model in the range (priced or not).
    public var events: Int
    /// Events of this model without a price.
    public var unpricedEvents: Int
    /// The tokens of the unpriced events.
    public var tokens: ReportTokens
    /// Why the events have no price (from one of them), when raw events are kept.
    public var reason: String?
    /// Whether the current catalog (with your overrides) prices the model: then
    /// `costctl reprice --where model=…` fixes the stored history. `nil` when not checked.
    public var pricedNow: Bool?

    public init(
        provider: String, model: String, events: Int, unpricedEvents: Int, tokens: ReportTokens, reason: String? = nil,
        pricedNow: Bool? = nil
    ) {
        self.provider = provider
        self.model = model
        self.events = events
        self.unpricedEvents = unpricedEvents
        self.tokens = tokens
        self.reason = reason
        self.pricedNow = pricedNow
    }
}

/// How much of a report's usage has a price: a report whose cost leaves something out says so
/// ("98.2% of tokens priced; 3 models unpriced: …"), never showing a silent $0.
public struct PricingCoverage: Sendable, Hashable {
    /// All tokens in the range (ccusage's `totalTokens`).
    public var tokens: Int
    /// Tokens of events without a price.
    public var unpricedTokens: Int
    public var events: Int
    public var unpricedEvents: Int
    /// The models with unpriced events, most unpriced tokens first.
    public var models: [UnpricedModel]
    /// Caveats (raw events compacted away, so a volume is a lower bound).
    public var notes: [String]

    public init(
        tokens: Int = 0, unpricedTokens: Int = 0, events: Int = 0, unpricedEvents: Int = 0, models: [UnpricedModel] = [],
        notes: [String] = []
    ) {
        self.tokens = tokens
        self.unpricedTokens = unpricedTokens
        self.events = events
        self.unpricedEvents = unpricedEvents
        self.models = models
        self.notes = notes
    }

    /// Whether every event has a price.
    public var isComplete: Bool { unpricedEvents == 0 }

    /// The share of tokens that are priced (0…1; 1 when there are no tokens).
    public var pricedShare: Double {
        tokens == 0 ? (isComplete ? 1 : 0) : Double(tokens - unpricedTokens) / Double(tokens)
    }

    /// `98.2% of tokens priced; 3 models unpriced: acme-1, foo, bar` (`nil` when complete). The
    /// percentage is rounded down, so anything unpriced never reads as 100%.
    public var summary: String? {
        guard !isComplete else { return nil }
        let tenths = Int((pricedShare * 1000).rounded(.down))
        let percent = "\(tenths / 10).\(tenths % 10)%"
        let names = models.map(\.model)
        var list = names.prefix(5).joined(separator: ", ")
        if names.count > 5 { list += ", … (\(names.count - 5) more)" }
        let noun = names.count == 1 ? "model" : "models"
        return "\(percent) of tokens priced; \(names.count) \(noun) unpriced: \(list)"
    }
}

/// Collects coverage from events one by one (reports that read raw events anyway).
struct CoverageTally: Sendable {
    private struct Key: Hashable {
        var provider: String
        var model: String
    }

    private var coverage = PricingCoverage()
    private var byModel: [Key: UnpricedModel] = [:]
    private var eventsByModel: [Key: Int] = [:]

    mutating func add(_ event: UsageEvent) {
        let tokens = ReportTokens(event.usage)
        let key = Key(provider: event.provider, model: event.model)
        coverage.tokens += tokens.total
        coverage.events += 1
        eventsByModel[key, default: 0] += 1
        guard !(event.cost?.isPriced ?? false) else { return }
        coverage.unpricedTokens += tokens.total
        coverage.unpricedEvents += 1
        var model = byModel[key] ?? UnpricedModel(provider: key.provider, model: key.model, events: 0, unpricedEvents: 0, tokens: ReportTokens())
        model.unpricedEvents += 1
        model.tokens += tokens
        if model.reason == nil { model.reason = event.cost?.unpricedReason ?? "no cost stored" }
        byModel[key] = model
    }

    var result: PricingCoverage {
        var result = coverage
        result.models = byModel.map { key, model in
            var model = model
            model.events = eventsByModel[key] ?? model.unpricedEvents
            return model
        }.sorted(by: UnpricedModel.byVolume)
        return result
    }
}

extension UnpricedModel {
    /// Most unpriced tokens first, then most events, then provider and model.
    static func byVolume(_ a: UnpricedModel, _ b: UnpricedModel) -> Bool {
        if a.tokens.total != b.tokens.total { return a.tokens.total > b.tokens.total }
        if a.unpricedEvents != b.unpricedEvents { return a.unpricedEvents > b.unpricedEvents }
        return (a.provider, a.model) < (b.provider, b.model)
    }
}
