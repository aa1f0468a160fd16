internal import CostBudget
public import CostPricing
internal import Foundation

/// Finds a team's operation spending materially on a model when a cheaper model of the same
/// capability class would do, and prices the same requests there.
///
/// A slice (team, operation, provider, model) is material when its spend, scaled to 30 days, is at
/// least ``minimumMonthlySpend`` and at least ``minimumShare`` of the scope's spend. The cheaper
/// model comes from ``ModelAlternatives/downgrade(provider:model:usage:at:)`` (same provider, same
/// `capability_class` in the catalog, cheapest on the slice's mean request); the saving prices every
/// observed request on it at its own timestamp. Without catalog capability classes nothing is found.
///
/// Confidence: `coverage × (0.5 × quality + 0.25 × volume + 0.25 × regularity)`; quality is the
/// alternative's quality score over the current one's (at most 1), or 0.5 without scores.
///
/// For example:
/// ```swift
/// let found = try ModelDowngradeRecommender().recommendations(from: input)
/// ```
public struct ModelDowngradeRecommender: RecommendationGenerator {
    public var name: String { "model-downgrade" }
    /// A slice must spend at least this much a month…
    public var minimumMonthlySpend: Money
    /// …and at least this share of the scope's spend.
    public var minimumShare: Double
    /// Savings below this per month are not worth a recommendation.
    public var minimumMonthlySaving: Money

    public init(
        minimumMonthlySpend: Money = Money(units: 10 * Money.unitsPerDollar), minimumShare: Double = 0.05,
        minimumMonthlySaving: Money = Money(units: Money.unitsPerDollar)
    ) {
        self.minimumMonthlySpend = minimumMonthlySpend
        self.minimumShare = minimumShare
        self.minimumMonthlySaving = minimumMonthlySaving
    }

    /// - throws: ``OptimizerError`` `.invalidInput` for a malformed scope; ``PricingError`` when the
    ///   catalog cannot list its models.
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        let observed = try ObservedUsage(input)
        let alternatives = try ModelAlternatives(catalog: input.catalog)
        let total = observed.totalObserved
        var found: [Recommendation] = []
        for slice in observed.slices() {
            let monthlySpend = try observed.monthly(slice.observed)
            let share = ratio(slice.observed, total)
            guard monthlySpend >= minimumMonthlySpend, share >= minimumShare else { continue }
            let current = slice.resolved.model
            guard case .found(let choice) = alternatives.downgrade(
                provider: current.provider, model: current.id, usage: slice.meanRequest, at: input.window.end)
            else { continue }
            guard let target = observed.catalogModel(choice),
                let alternative = observed.repriced(slice, { observed.cost($0.usage, on: target, at: $0.timestamp) })
            else { continue }
            let saving = try observed.monthly(slice.observed - alternative)
            guard saving >= minimumMonthlySaving else { continue }
            found.append(try recommendation(slice, choice: choice, alternative: alternative, saving: saving,
                                            monthlySpend: monthlySpend, share: share, observed: observed))
        }
        return found
    }

    private func recommendation(
        _ slice: TrafficSlice, choice: ModelChoice, alternative: Money, saving: Money, monthlySpend: Money, share: Double,
        observed: ObservedUsage
    ) throws -> Recommendation {
        let current = slice.resolved.model
        var notes: [String] = []
        let quality: Double
        let risk: Recommendation.Risk
        var qualityWords: String
        if let mine = current.qualityScore, let theirs = choice.qualityScore, mine > 0 {
            quality = clamp(theirs / mine)
            risk = quality >= 0.95 ? .low : quality >= 0.85 ? .medium : .high
            qualityWords = String(format: "quality score %.3g against %.3g (%+.3g)", theirs, mine, theirs - mine)
        } else {
            quality = 0.5
            risk = .high
            qualityWords = "no quality score in the catalog for this pair"
            notes.append("no quality data for \(current) → \(choice): check the cheaper model's answers on a sample first")
        }
        if choice.qualityScore == nil || current.qualityScore == nil { qualityWords += "; confidence lowered" }
        let confidence = observed.confidence(
            [("quality", 0.5, quality), ("volume", 0.25, ObservedUsage.volume(requests: slice.requests)),
             ("regularity", 0.25, observed.regularity(slice.events))], notes: notes)
        let scope = observed.scope(team: slice.key.team)
        let rationale = """
            \(slice.key.who) sent \(countText(slice.requests)) requests (\(countText(slice.usage.inputTokens)) input, \
            \(countText(slice.usage.outputTokens)) output tokens) to \(current) in the last \(observed.sinceWords): \
            \(dollars(slice.observed)), \(dollars(monthlySpend)) a month, \(percentText(share)) of the scope's spend. \
            The same requests on \(choice) (capability class '\(choice.capabilityClass ?? "?")', as \(current)) cost \
            \(dollars(alternative)) at the catalog's prices: \(dollars(saving)) a month less. Quality: \(qualityWords).
            """
        return Recommendation(
            kind: .modelDowngrade, scope: scope,
            title: "Use \(choice.model) instead of \(current.id) for \(slice.key.who)",
            rationale: rationale, monthlySaving: saving, confidence: confidence, difficulty: .easy, risk: risk,
            actions: [.routeModel(from: current.description, to: choice.description, scope: observed.actionScope(slice.key))],
            evidence: observed.evidence(by: "model", where: slice.key.clauses),
            baselineMonthlySpend: monthlySpend, createdAt: observed.input.window.end)
    }
}
