internal import CostPricing
internal import Foundation

/// The cost an imported event keeps, by cost mode; and exact prices for aggregated report buckets.
struct ImportPricing: Sendable {
    let mode: ImportCostMode
    let engine: CostEngine?

    /// The event's cost: the reported amount (modes `auto` and `display`), a price at a non-standard
    /// service tier, or `nil` to let the ledger price it at ingest (standard tier).
    func cost(
        _ usage: Usage, model: String, provider: String, at date: Date, tier: ServiceTier, reported: Money?,
        reportedBy field: String
    ) throws -> EventCost? {
        switch mode {
        case .display:
            guard let reported else {
                return .unpriced(reason: "the source reports no cost (\(field)) and the cost mode is display", tier: tier)
            }
            return EventCost(total: reported, serviceTier: tier, pricedAs: "reported \(field)")
        case .auto:
            if let reported { return EventCost(total: reported, serviceTier: tier, pricedAs: "reported \(field)") }
            return try calculated(usage, model: model, provider: provider, at: date, tier: tier)
        case .calculate:
            return try calculated(usage, model: model, provider: provider, at: date, tier: tier)
        }
    }

    private func calculated(_ usage: Usage, model: String, provider: String, at date: Date, tier: ServiceTier) throws
        -> EventCost?
    {
        if case .standard = tier { return nil }
        guard let engine else { return nil }
        return EventCost(
            try engine.cost(usage, model: model, provider: provider, at: date, tier: tier, unknownModel: .unpriced))
    }

    /// The exact cost of a report bucket that sums many requests.
    ///
    /// Prices by prompt size ("cliff" tiers) apply per request, so a bucket's summed input must not
    /// choose the tier: the bucket is priced kind by kind at the base rates (one token of each kind
    /// times its count), or, when the report says its requests were long-context
    /// (`longContext`), at the rates of the highest tier, computed as cost(bucket + X) − cost(X)
    /// with X a prompt large enough to select that tier. Returns `nil` without an engine, or in
    /// display mode the unpriced cost (reports carry no amounts).
    func bucketCost(
        _ usage: Usage, model: String, provider: String, at date: Date, tier: ServiceTier, longContext: Bool
    ) throws -> EventCost? {
        if mode == .display {
            return .unpriced(reason: "usage reports carry no cost and the cost mode is display", tier: tier)
        }
        guard let engine else { return nil }
        if longContext {
            let anchor = Usage(inputTokens: 100_000_000, requests: 0)
            var combined = usage
            combined.inputTokens += anchor.inputTokens
            let with = try engine.cost(combined, model: model, provider: provider, at: date, tier: tier, unknownModel: .unpriced)
            guard with.isPriced else { return EventCost(with) }
            let base = try engine.cost(anchor, model: model, provider: provider, at: date, tier: tier, unknownModel: .unpriced)
            return try EventCost(difference: with, minus: base)
        }
        var units: [(Usage, Int)] = []
        let uncached = usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens
        if uncached > 0 { units.append((Usage(inputTokens: 1, requests: 0), uncached)) }
        if usage.cacheReadTokens > 0 {
            units.append((Usage(inputTokens: 1, cacheReadTokens: 1, requests: 0), usage.cacheReadTokens))
        }
        let unsplit = usage.cacheWriteTokens - usage.cacheWrite5mTokens - usage.cacheWrite1hTokens
        if usage.cacheWrite5mTokens > 0 {
            units.append(
                (Usage(inputTokens: 1, cacheWriteTokens: 1, cacheWrite5mTokens: 1, requests: 0), usage.cacheWrite5mTokens))
        }
        if usage.cacheWrite1hTokens > 0 {
            units.append(
                (Usage(inputTokens: 1, cacheWriteTokens: 1, cacheWrite1hTokens: 1, requests: 0), usage.cacheWrite1hTokens))
        }
        if unsplit > 0 { units.append((Usage(inputTokens: 1, cacheWriteTokens: 1, requests: 0), unsplit)) }
        let plainOutput = usage.outputTokens - usage.reasoningTokens
        if plainOutput > 0 { units.append((Usage(outputTokens: 1, requests: 0), plainOutput)) }
        if usage.reasoningTokens > 0 {
            units.append((Usage(outputTokens: 1, reasoningTokens: 1, requests: 0), usage.reasoningTokens))
        }
        if usage.inputAudioTokens > 0 {
            units.append((Usage(inputTokens: 1, inputAudioTokens: 1, requests: 0), usage.inputAudioTokens))
        }
        if usage.outputAudioTokens > 0 {
            units.append((Usage(outputTokens: 1, outputAudioTokens: 1, requests: 0), usage.outputAudioTokens))
        }
        if usage.requests > 0 { units.append((Usage(requests: 1), usage.requests)) }
        for (kind, count) in usage.other where count > 0 {
            units.append((Usage(requests: 0, other: [kind: 1]), count))
        }
        var total = EventCost(total: .zero, serviceTier: tier)
        var pricedAs: String?
        for (unit, count) in units {
            let b = try engine.cost(unit, model: model, provider: provider, at: date, tier: tier, unknownModel: .unpriced)
            guard b.isPriced else { return EventCost(b) }
            pricedAs = b.model.description
            let one = EventCost(b)
            total.total = try total.total.adding(try one.total.multiplied(by: count))
            total.inputTotal = try total.inputTotal.adding(try one.inputTotal.multiplied(by: count))
            total.outputTotal = try total.outputTotal.adding(try one.outputTotal.multiplied(by: count))
            for (category, amount) in one.categories {
                total.categories[category] = try (total.categories[category] ?? .zero).adding(try amount.multiplied(by: count))
            }
        }
        if pricedAs == nil {
            // Nothing to price (an empty bucket): still resolve the model, so an unknown one says so.
            let b = try engine.cost(Usage(requests: 0), model: model, provider: provider, at: date, tier: tier, unknownModel: .unpriced)
            guard b.isPriced else { return EventCost(b) }
            pricedAs = b.model.description
        }
        total.pricedAs = pricedAs
        return total
    }
}

extension EventCost {
    /// `a − b`, category by category (both priced).
    init(difference a: CostBreakdown, minus b: CostBreakdown) throws {
        let ea = EventCost(a)
        let eb = EventCost(b)
        var categories: [CostCategory: Money] = [:]
        for category in Set(ea.categories.keys).union(eb.categories.keys) {
            let value = try (ea.categories[category] ?? .zero).subtracting(eb.categories[category] ?? .zero)
            if !value.isZero { categories[category] = value }
        }
        self.init(
            total: try ea.total.subtracting(eb.total), inputTotal: try ea.inputTotal.subtracting(eb.inputTotal),
            outputTotal: try ea.outputTotal.subtracting(eb.outputTotal), categories: categories,
            serviceTier: ea.serviceTier, isPriced: true, pricedAs: ea.pricedAs)
    }
}
