internal import CostBudget
public import CostPricing
internal import Foundation

/// Finds the same model offered by another provider at a lower price, or (with catalog capability
/// classes) an equivalent model elsewhere, and prices a slice's requests there.
///
/// **The same model:** another provider's catalog entry whose own match rule claims the model's id
/// (a price it publishes itself, not one borrowed from a fallback provider). **An equivalent:**
/// ``ModelAlternatives/switchProvider(provider:model:usage:permitted:at:)`` over every provider
/// (same `capability_class`), used only when no cheaper same model exists and the current provider
/// has no model of the class within 5% of its price (that is the model-downgrade recommendation).
/// Candidates are ranked
/// on the slice's mean request; the saving prices every request on the winner at its own timestamp.
/// Slices spending less than ``minimumMonthlySpend`` are skipped, and a price of $0 (a model included
/// in a subscription, such as GitHub Copilot's, or a local one) is not counted as an offer.
///
/// Confidence: `coverage × (0.4 × equivalence + 0.3 × volume + 0.3 × regularity)`; equivalence is
/// 0.9 for the same model (deployments may differ in limits and context), and for an equivalent
/// model 0.7 × the quality ratio (0.35 without quality data). Risk: medium for the same model, high
/// for another model.
public struct ProviderSwitchRecommender: RecommendationGenerator {
    public var name: String { "provider-switch" }
    public var minimumMonthlySpend: Money
    public var minimumMonthlySaving: Money
    /// The providers a switch may go to (catalog ids); `nil`: any provider in the catalog. The
    /// default is the model makers and the large clouds and inference platforms, so a switch never
    /// points at a little-known reseller whose catalog entry happens to match the model's id.
    public var destinations: Set<String>?

    public static let establishedProviders: Set<String> = [
        "openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "cohere", "meta", "azure", "aws", "groq", "together",
        "fireworks", "cerebras", "deepinfra", "openrouter", "perplexity", "moonshotai", "zai", "dashscope", "nebius", "sambanova",
    ]

    public init(
        minimumMonthlySpend: Money = Money(units: 10 * Money.unitsPerDollar), minimumMonthlySaving: Money = Money(units: Money.unitsPerDollar),
        destinations: Set<String>? = ProviderSwitchRecommender.establishedProviders
    ) {
        self.minimumMonthlySpend = minimumMonthlySpend
        self.minimumMonthlySaving = minimumMonthlySaving
        self.destinations = destinations
    }

    /// - throws: ``OptimizerError`` `.invalidInput` for a malformed scope; ``PricingError`` when the
    ///   catalog cannot list its models.
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        let observed = try ObservedUsage(input)
        let alternatives = try ModelAlternatives(catalog: input.catalog)
        let providers = Set(input.catalog.providers.map(\.id)).filter { destinations?.contains($0) ?? true }
        var found: [Recommendation] = []
        var offers: [String: [CatalogModel]] = [:]
        for slice in observed.slices() where try observed.monthly(slice.observed) >= minimumMonthlySpend {
            let current = slice.resolved.model
            let mean = slice.meanRequest
            guard let meanCost = observed.cost(mean, model: current.id, provider: current.provider, at: input.window.end) else { continue }
            var choice: (model: CatalogModel, same: Bool)?
            let others = offers[current.description]
                ?? Self.offers(of: current, in: input.catalog).filter { destinations?.contains($0.provider) ?? true }
            offers[current.description] = others
            if let same = cheapest(others, usage: mean, under: meanCost, at: input.window.end) {
                choice = (same, true)
            } else if case .found(let other) = alternatives.switchProvider(
                provider: current.provider, model: current.id, usage: mean, permitted: providers, at: input.window.end),
                other.estimate < meanCost, other.estimate.units > 0,
                !Self.isMatched(other, byDowngrade: alternatives, from: current, usage: mean, at: input.window.end),
                let model = observed.catalogModel(other)
            {
                choice = (model, false)
            }
            guard let choice else { continue }
            guard let alternative = observed.repriced(slice, { observed.cost($0.usage, on: choice.model, at: $0.timestamp) })
            else { continue }
            let saving = try observed.monthly(slice.observed - alternative)
            guard saving >= minimumMonthlySaving else { continue }
            found.append(try recommendation(slice, to: choice.model, same: choice.same, alternative: alternative, saving: saving, observed: observed))
        }
        return found
    }

    /// Whether the current provider's own cheapest model of the class costs at most 5% more than
    /// `other`: then the model-downgrade recommendation already offers (nearly) that saving without
    /// a new account, and a switch for a few cents more would only repeat it.
    static func isMatched(
        _ other: ModelChoice, byDowngrade alternatives: ModelAlternatives, from current: CatalogModel, usage: Usage, at date: Date
    ) -> Bool {
        guard case .found(let home) = alternatives.downgrade(provider: current.provider, model: current.id, usage: usage, at: date)
        else { return false }
        return home.estimate.units * 100 <= other.estimate.units * 105
    }

    /// Other providers' own priced, current entries whose match rule claims `current`'s id.
    static func offers(of current: CatalogModel, in catalog: PriceCatalog) -> [CatalogModel] {
        let id = current.id.lowercased()
        return catalog.providers.filter { $0.id != current.provider }.flatMap { provider in
            provider.allModels.filter { $0.isPriced && !$0.deprecated && ($0.id.lowercased() == id || $0.match.matches(id)) }
        }
    }

    /// The offer on which `usage` costs least, when that is above $0 and below `limit`.
    private func cheapest(_ offers: [CatalogModel], usage: Usage, under limit: Money, at date: Date) -> CatalogModel? {
        var best: (model: CatalogModel, cost: Money)?
        for candidate in offers {
            guard let price = candidate.standardPrice(at: date),
                let breakdown = try? CostEngine.compute(usage, price: price, model: candidate.identity), breakdown.isPriced,
                breakdown.total < limit, breakdown.total.units > 0
            else { continue }
            if let b = best, !(breakdown.total < b.cost || (breakdown.total == b.cost && candidate.description < b.model.description)) { continue }
            best = (candidate, breakdown.total)
        }
        return best?.model
    }

    private func recommendation(
        _ slice: TrafficSlice, to target: CatalogModel, same: Bool, alternative: Money, saving: Money, observed: ObservedUsage
    ) throws -> Recommendation {
        let current = slice.resolved.model
        var notes: [String] = []
        let equivalence: Double
        if same {
            equivalence = 0.9
        } else if let mine = current.qualityScore, let theirs = target.qualityScore, mine > 0 {
            equivalence = 0.7 * clamp(theirs / mine)
        } else {
            equivalence = 0.35
            notes.append("no quality data for \(current) → \(target): a different model, check its answers on a sample first")
        }
        let confidence = observed.confidence(
            [("equivalence", 0.4, equivalence), ("volume", 0.3, ObservedUsage.volume(requests: slice.requests)),
             ("regularity", 0.3, observed.regularity(slice.events))], notes: notes)
        let scope = observed.scope(team: slice.key.team)
        let what = same
            ? "\(target.provider) offers the same model (\(target.id), matched by its own catalog entry)"
            : "\(target) is a model of the same capability class ('\(target.capabilityClass ?? "?")') at another provider"
        let rationale = """
            \(slice.key.who) sent \(countText(slice.requests)) requests to \(current) in the last \(observed.sinceWords): \
            \(dollars(slice.observed)). \(what); the same requests there cost \(dollars(alternative)) at the catalog's \
            prices: \(dollars(saving)) a month less. A switch needs an account and keys there, and its rate limits, \
            regions and data terms differ.
            """
        return Recommendation(
            kind: .providerSwitch, scope: scope, title: "Move \(slice.key.who) from \(current) to \(target)",
            rationale: rationale, monthlySaving: saving, confidence: confidence, difficulty: .medium, risk: same ? .medium : .high,
            actions: [.routeModel(from: current.description, to: target.description, scope: observed.actionScope(slice.key))],
            evidence: observed.evidence(by: "provider,model", where: slice.key.clauses),
            baselineMonthlySpend: try observed.monthly(slice.observed), createdAt: observed.input.window.end)
    }
}
