internal import CostBudget
public import CostPricing
internal import Foundation

/// Finds deferrable traffic on models whose provider publishes a batch price, and prices it there.
///
/// The ledger records no request priority; ``deferrable`` says which requests can wait (by default
/// the tag `priority=background|low|batch|deferrable`). For each slice (team, operation, provider,
/// model) of deferrable requests whose catalog entry has a `processing=batch` variant, every
/// request is priced again in the batch tier at its own timestamp (a batch price that starts later
/// than a request does not apply to it). The saving is the standard cost minus the batch cost.
///
/// Confidence: `coverage × (0.5 × signal + 0.25 × volume + 0.25 × regularity)`; `signal` is 1 for
/// requests tagged with the ladder's own `background`, 0.7 for the other values.
public struct BatchingRecommender: RecommendationGenerator {
    public var name: String { "batching" }
    public var deferrable: DeferrableTraffic
    public var minimumMonthlySaving: Money

    public init(deferrable: DeferrableTraffic = DeferrableTraffic(), minimumMonthlySaving: Money = Money(units: Money.unitsPerDollar)) {
        self.deferrable = deferrable
        self.minimumMonthlySaving = minimumMonthlySaving
    }

    /// - throws: ``OptimizerError`` `.invalidInput` for a malformed scope.
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        let observed = try ObservedUsage(input)
        let all = observed.slices()
        var found: [Recommendation] = []
        for slice in observed.slices(where: deferrable.isDeferrable) {
            let model = slice.resolved
            guard !model.viaFallback, model.model.hasVariant(for: ServiceTier.batch.context) else { continue }
            guard let batch = observed.repriced(slice, {
                observed.cost($0.usage, model: $0.model, provider: $0.provider, at: $0.timestamp, tier: .batch)
            }) else { continue }
            let saving = try observed.monthly(slice.observed - batch)
            guard saving >= minimumMonthlySaving else { continue }
            let whole = all.first { $0.key == slice.key }
            let share = ratio(slice.observed, whole?.observed ?? slice.observed)
            let discount = ratio(slice.observed - batch, slice.observed)
            let confidence = observed.deferredConfidence(slice, deferrable)
            let scope = observed.scope(team: slice.key.team)
            let rationale = """
                \(countText(slice.requests)) requests of \(slice.key.who) to \(model.model) in the last \
                \(observed.sinceWords) are tagged \(deferrable.words) (\(percentText(share)) of that traffic's \
                \(dollars(whole?.observed ?? slice.observed))). They cost \(dollars(slice.observed)); through \
                \(model.model.provider)'s batch API (the catalog's batch price, \(percentText(discount)) less on this \
                mix) they would cost \(dollars(batch)): \(dollars(saving)) a month less. Batch results arrive within 24 hours.
                """
            found.append(Recommendation(
                kind: .batching, scope: scope, title: "Send \(slice.key.who)'s background requests to \(model.model.id) through the batch API",
                rationale: rationale, monthlySaving: saving, confidence: confidence, difficulty: .medium, risk: .low,
                actions: [.useBatch(provider: model.model.provider, scope: observed.actionScope(slice.key))],
                evidence: observed.evidence(by: "model", where: slice.key.clauses + [deferrable.clause]),
                baselineMonthlySpend: try observed.monthly(slice.observed), createdAt: input.window.end))
        }
        return found
    }
}
