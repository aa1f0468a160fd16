internal import CostBudget
public import CostPricing
public import Foundation

/// Finds traffic that would be cheaper with prompt caching: a provider that prices cache reads,
/// little of the input read from the cache, large prompts, and requests that follow each other
/// within the cache's lifetime.
///
/// The ledger does not record prompt prefixes, so the saving rests on a stated assumption: that
/// ``assumedHitRate`` of each request's uncached input is a prefix shared with the slice's previous
/// request (same team, operation, model and session). Each observed request is replayed in time
/// order: when the slice's previous request of the same session (any, without sessions) came at
/// most ``cacheLifetime`` earlier, that prefix is a cache read; otherwise it is written to the cache
/// (at the model's cache-write price, or its input price where writes are not priced). The saving
/// is the observed cost minus the replayed cost, both priced by the engine.
///
/// A slice qualifies when its model's price has a cache-read rate, its cache reads are below
/// ``maximumCacheReadShare`` of its input, its mean request has at least ``minimumInputTokens``
/// input tokens, and at least ``minimumReuse`` of its requests would read the cache.
///
/// Confidence: `coverage × (0.4 × assumption + 0.3 × reuse + 0.3 × volume)`; `assumption` is 0.5
/// because the hit rate is assumed, not observed.
public struct PromptCachingRecommender: RecommendationGenerator {
    public var name: String { "prompt-caching" }
    /// The assumed share of a request's uncached input that is a reusable prefix, in basis points (5,000 = 50%).
    public var assumedHitRateBasisPoints: Int
    /// How long a cached prefix lives (Anthropic's default 5 minutes; OpenAI's 5–10 minutes).
    public var cacheLifetime: TimeInterval
    public var maximumCacheReadShare: Double
    public var minimumInputTokens: Int
    public var minimumReuse: Double
    public var minimumMonthlySaving: Money

    public init(
        assumedHitRateBasisPoints: Int = 5_000, cacheLifetime: TimeInterval = 300, maximumCacheReadShare: Double = 0.1,
        minimumInputTokens: Int = 1_024, minimumReuse: Double = 0.5, minimumMonthlySaving: Money = Money(units: Money.unitsPerDollar)
    ) {
        self.assumedHitRateBasisPoints = min(10_000, max(0, assumedHitRateBasisPoints))
        self.cacheLifetime = cacheLifetime
        self.maximumCacheReadShare = maximumCacheReadShare
        self.minimumInputTokens = minimumInputTokens
        self.minimumReuse = minimumReuse
        self.minimumMonthlySaving = minimumMonthlySaving
    }

    /// The assumed hit rate as a ratio.
    public var assumedHitRate: Double { Double(assumedHitRateBasisPoints) / 10_000 }

    /// - throws: ``OptimizerError`` `.invalidInput` for a malformed scope.
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        let observed = try ObservedUsage(input)
        var found: [Recommendation] = []
        for slice in observed.slices() {
            guard let price = slice.resolved.model.standardPrice(at: input.window.end), price.prices(.cacheReadTokens),
                slice.usage.inputTokens > 0
            else { continue }
            let readShare = Double(slice.usage.cacheReadTokens) / Double(slice.usage.inputTokens)
            guard readShare < maximumCacheReadShare, slice.meanRequest.inputTokens >= minimumInputTokens else { continue }
            let replay = self.replay(slice)
            let reuse = Double(replay.reads) / Double(max(1, slice.requests))
            guard reuse >= minimumReuse else { continue }
            var cached = Money.zero
            var priced = true
            for (event, usage) in zip(slice.events, replay.usages) {
                guard let cost = observed.cost(usage, model: event.model, provider: event.provider, at: event.timestamp,
                                               tier: event.cost?.serviceTier ?? .standard)
                else { priced = false; break }
                cached += cost
            }
            guard priced else { continue }
            let saving = try observed.monthly(slice.observed - cached)
            guard saving >= minimumMonthlySaving else { continue }
            found.append(try recommendation(slice, readShare: readShare, reuse: reuse, cached: cached, saving: saving,
                                            writesPriced: price.prices(.cacheWriteTokens), observed: observed))
        }
        return found
    }

    /// Each event's usage with the assumed prefix read from (or written to) the cache, and the number of reads.
    func replay(_ slice: TrafficSlice) -> (usages: [Usage], reads: Int) {
        var last: [String: Date] = [:]
        var reads = 0
        var usages: [Usage] = []
        usages.reserveCapacity(slice.events.count)
        for event in slice.events {
            let session = event.dimensions.session ?? ""
            var usage = event.usage
            let prefix = max(0, usage.uncachedInputTokens) * assumedHitRateBasisPoints / 10_000
            if let previous = last[session], event.timestamp.timeIntervalSince(previous) <= cacheLifetime {
                usage.cacheReadTokens += prefix
                reads += 1
            } else {
                usage.cacheWriteTokens += prefix
            }
            last[session] = event.timestamp
            usages.append(usage)
        }
        return (usages, reads)
    }

    private func recommendation(
        _ slice: TrafficSlice, readShare: Double, reuse: Double, cached: Money, saving: Money, writesPriced: Bool,
        observed: ObservedUsage
    ) throws -> Recommendation {
        let model = slice.resolved.model
        let confidence = observed.confidence(
            [("assumption", 0.4, 0.5), ("reuse", 0.3, reuse), ("volume", 0.3, ObservedUsage.volume(requests: slice.requests))],
            notes: [
                "the ledger does not record prompt prefixes: the saving assumes \(percentText(assumedHitRate)) of each request's uncached input is a prefix shared with the previous request; measure it after enabling caching",
            ])
        let scope = observed.scope(team: slice.key.team)
        let minutes = Int((cacheLifetime / 60).rounded())
        let rationale = """
            \(slice.key.who) sent \(countText(slice.requests)) requests to \(model) in the last \(observed.sinceWords) \
            (\(dollars(slice.observed))), averaging \(countText(slice.meanRequest.inputTokens)) input tokens, of which only \
            \(percentText(readShare)) were read from the cache although \(model.provider) prices cache reads. \
            \(percentText(reuse)) of the requests came within \(minutes) minutes of the previous one. With \
            \(percentText(assumedHitRate)) of the uncached input as a cached prefix (written on the first request, \
            \(writesPriced ? "at the cache-write price" : "writes at the input price"), read on the next) the same requests \
            would cost \(dollars(cached)): \(dollars(saving)) a month less.
            """
        return Recommendation(
            kind: .promptCaching, scope: scope, title: "Enable prompt caching on \(model.id) for \(slice.key.who)",
            rationale: rationale, monthlySaving: saving, confidence: confidence, difficulty: .medium, risk: .low,
            actions: [
                .enableCaching(model: model.description, scope: observed.actionScope(slice.key)),
                .manual("put the stable part of the prompt (system prompt, tools, documents) first and mark it cacheable where the provider asks for it"),
            ],
            evidence: observed.evidence(by: "model", where: slice.key.clauses),
            baselineMonthlySpend: try observed.monthly(slice.observed), createdAt: observed.input.window.end)
    }
}
