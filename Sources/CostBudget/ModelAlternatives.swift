public import CostPricing
public import Foundation

/// A model a request can be moved to, with what the request would cost there.
public struct ModelChoice: Sendable, Hashable, CustomStringConvertible {
    public var provider: String
    public var model: String
    /// The request's estimated cost on this model.
    public var estimate: Money
    public var capabilityClass: String?
    public var qualityScore: Double?

    public init(provider: String, model: String, estimate: Money, capabilityClass: String? = nil, qualityScore: Double? = nil) {
        self.provider = provider
        self.model = model
        self.estimate = estimate
        self.capabilityClass = capabilityClass
        self.qualityScore = qualityScore
    }

    public var description: String { "\(provider)/\(model)" }
}

/// Finds cheaper models of the same capability class in a price catalog, for the model-downgrade
/// and provider-switch levels. Only catalog facts are used: a model without a `capabilityClass`
/// has no known equivalent, and that is said, never guessed.
///
/// For example:
/// ```swift
/// let alternatives = try ModelAlternatives(catalog: catalog)
/// switch alternatives.downgrade(provider: "openai", model: "gpt-4o", usage: usage, at: now) {
/// case .found(let choice): print("use \(choice)")
/// case .unavailable(let why): print(why)
/// }
/// ```
public struct ModelAlternatives: Sendable {
    /// The outcome of a search.
    public enum Search: Sendable, Hashable {
        case found(ModelChoice)
        case unavailable(String)
    }

    public let catalog: PriceCatalog
    /// Priced, current models that have a capability class, by class.
    private let byClass: [String: [CatalogModel]]

    /// - throws: ``PricingError`` when the catalog cannot list its models.
    public init(catalog: PriceCatalog) throws {
        self.catalog = catalog
        var index: [String: [CatalogModel]] = [:]
        for model in try catalog.models() where model.isPriced && !model.deprecated {
            guard let cls = model.capabilityClass else { continue }
            index[cls, default: []].append(model)
        }
        self.byClass = index
    }

    /// The cheapest model of the same provider and capability class on which `usage` costs less than
    /// on the requested model.
    public func downgrade(provider: String, model: String, usage: Usage, at date: Date) -> Search {
        search(provider: provider, model: model, usage: usage, at: date, kind: "a cheaper model of the same class") {
            $0.provider == $1
        }
    }

    /// The cheapest model of the same capability class from another provider in `permitted`, on
    /// which `usage` costs no more than on the requested model.
    public func switchProvider(
        provider: String, model: String, usage: Usage, permitted: Set<String>, at date: Date
    ) -> Search {
        let others = Set(permitted.map { $0.lowercased() }).subtracting([provider.lowercased()])
        guard !others.isEmpty else {
            return .unavailable("the request permits no other provider")
        }
        return search(
            provider: provider, model: model, usage: usage, at: date, kind: "an equivalent model of a permitted provider",
            allowEqualCost: true
        ) { candidate, _ in others.contains(candidate.provider.lowercased()) }
    }

    private func search(
        provider: String, model: String, usage: Usage, at date: Date, kind: String, allowEqualCost: Bool = false,
        where accept: (CatalogModel, String) -> Bool
    ) -> Search {
        let resolved: ResolvedModel
        do {
            resolved = try catalog.resolve(model: model, provider: provider)
        } catch {
            return .unavailable("\(provider)/\(model) is not in the catalog, so no equivalent is known")
        }
        let current = resolved.model
        guard let cls = current.capabilityClass else {
            return .unavailable("the catalog gives no capability class for \(current), so no equivalent is known")
        }
        guard let currentCost = cost(usage, on: current, at: date) else {
            return .unavailable("\(current) has no price at this time, so no cheaper model can be chosen")
        }
        var best: ModelChoice?
        for candidate in byClass[cls] ?? [] where candidate !== current && accept(candidate, current.provider) {
            guard let price = cost(usage, on: candidate, at: date) else { continue }
            guard price < currentCost || (allowEqualCost && price == currentCost) else { continue }
            let choice = ModelChoice(
                provider: candidate.provider, model: candidate.id, estimate: price,
                capabilityClass: cls, qualityScore: candidate.qualityScore)
            if let b = best, !Self.isBetter(choice, than: b) { continue }
            best = choice
        }
        guard let best else {
            return .unavailable("the catalog has no \(kind) in class '\(cls)' for \(current)")
        }
        return .found(best)
    }

    /// Cheaper wins; on equal cost the higher known quality score, then the smaller provider/model id.
    private static func isBetter(_ a: ModelChoice, than b: ModelChoice) -> Bool {
        if a.estimate != b.estimate { return a.estimate < b.estimate }
        let qa = a.qualityScore ?? -Double.infinity
        let qb = b.qualityScore ?? -Double.infinity
        if qa != qb { return qa > qb }
        return (a.provider, a.model) < (b.provider, b.model)
    }

    private func cost(_ usage: Usage, on model: CatalogModel, at date: Date) -> Money? {
        guard let price = model.standardPrice(at: date),
            let breakdown = try? CostEngine.compute(usage, price: price, model: model.identity),
            breakdown.isPriced
        else { return nil }
        return breakdown.total
    }
}
