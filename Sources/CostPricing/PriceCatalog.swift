public import Foundation
import CostPricingData
import Synchronization

/// Every price costctl knows: the bundled catalog (genai-prices + LiteLLM) with the user's
/// overrides on top, and the lookup from any model id people use to the right price.
///
/// Lookups by string are resolved once and cached, so pricing from a model-id string costs about
/// as much as pricing a pre-resolved model.
///
/// For example:
/// ```swift
/// let catalog = try PriceCatalog.bundled()
/// let model = try catalog.resolve(model: "claude-sonnet-4-20250514")
/// print(model.model.provider, model.model.id)     // anthropic claude-sonnet-4
/// ```
public final class PriceCatalog: Sendable {
    /// Providers of the bundled (or base) catalog.
    public let providers: [CatalogProvider]
    /// Override layers, highest precedence first.
    public let overrides: [CatalogProvider]
    /// Where the data came from (genai-prices, LiteLLM, files).
    public let sources: [CatalogFile.Source]
    public let generatedAt: String?
    public let registry: UnitRegistry

    private let providerIndex: [String: CatalogProvider]
    /// LiteLLM's provider names (`bedrock`, `azure_ai`, …) → the provider they belong to.
    private let litellmNames: [String: CatalogProvider]
    /// Every exact-key model of every provider, by lower-cased key.
    private let globalExact: [String: CatalogModel]
    private let cache = LockedLookupCache()

    public init(
        providers: [CatalogProvider], overrides: [CatalogProvider] = [], sources: [CatalogFile.Source] = [],
        generatedAt: String? = nil, registry: UnitRegistry = .standard
    ) {
        self.providers = providers
        self.overrides = overrides
        self.sources = sources
        self.generatedAt = generatedAt
        self.registry = registry
        var index: [String: CatalogProvider] = [:]
        var litellm: [String: CatalogProvider] = [:]
        var exact: [String: CatalogModel] = [:]
        for p in providers {
            index[p.id] = p
            for a in p.aliases where index[a] == nil { index[a] = p }
            for m in p.exactModels {
                if let lp = m.litellmProvider?.lowercased(), litellm[lp] == nil { litellm[lp] = p }
                for key in m.match.exactIds where exact[key] == nil { exact[key] = m }
            }
        }
        for p in providers {
            for a in p.aliases where litellm[a] == nil { litellm[a] = p }
        }
        self.providerIndex = index
        self.litellmNames = litellm
        self.globalExact = exact
    }

    // MARK: - Loading

    private static let bundledCatalog = Mutex<PriceCatalog?>(nil)

    /// The bundled catalog file, or `nil` when the resource bundle is missing.
    public static var bundledCatalogURL: URL? { BundledPriceData.catalogURL }

    /// The catalog bundled with costctl, loaded once per process.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` when the resource is missing or damaged.
    public static func bundled() throws -> PriceCatalog {
        if let catalog = bundledCatalog.withLock({ $0 }) { return catalog }
        guard let url = bundledCatalogURL else {
            throw PricingError(
                code: .invalidCatalog,
                message: "the bundled price catalog is missing (costctl_CostPricingData.resources should sit beside the binary); reinstall, or pass a catalog file")
        }
        let catalog = try PriceCatalog(contentsOf: url)
        return bundledCatalog.withLock { stored in
            if let stored { return stored }
            stored = catalog
            return catalog
        }
    }

    /// Loads a catalog file in costctl format.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog`.
    public convenience init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PricingError(code: .invalidCatalog, message: "cannot read price file \(url.path): \(error.localizedDescription)")
        }
        try self.init(file: CatalogFile.decode(data, origin: url.lastPathComponent))
    }

    /// Builds a catalog from a parsed file.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog`.
    public convenience init(file: CatalogFile, registry: UnitRegistry = .standard) throws {
        self.init(
            providers: try file.makeProviders(registry: registry), sources: file.sources ?? [],
            generatedAt: file.generatedAt, registry: registry)
    }

    /// This catalog with `file`'s models taking precedence (negotiated rates, private or local
    /// models). Later overlays win over earlier ones.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog`.
    public func overlaying(_ file: CatalogFile, origin: String) throws -> PriceCatalog {
        let layer = try file.makeProviders(registry: registry, sourceOverride: "override:\(origin)")
        // an override's models are all matched by their clauses, before anything else
        let flattened = layer.map { p in
            CatalogProvider(id: p.id, name: p.name, aliases: p.aliases, providerMatch: p.providerMatch,
                            modelMatch: p.modelMatch, fallbackProviders: p.fallbackProviders,
                            models: p.models + p.exactModels, pricingURLs: p.pricingURLs)
        }
        var known = providers
        for p in flattened where providerIndex[p.id] == nil && !known.contains(where: { $0.id == p.id }) {
            // a provider only the override knows (a local server): list it so it resolves by name
            known.append(CatalogProvider(id: p.id, name: p.name, aliases: p.aliases, models: []))
        }
        return PriceCatalog(
            providers: known, overrides: flattened + overrides,
            sources: sources + [CatalogFile.Source(name: origin, version: nil, licence: nil, url: nil, file: origin)],
            generatedAt: generatedAt, registry: registry)
    }

    // MARK: - Lookup

    /// The provider with this id or alias (`aws`, `bedrock`, `vertex_ai`, …), case-insensitive.
    public func provider(named name: String) -> CatalogProvider? {
        let lower = name.lowercased().trimmingCharacters(in: .whitespaces)
        if let p = providerIndex[lower] ?? litellmNames[lower] { return p }
        return providers.first { $0.providerMatch?.matchesLowercased(lower) ?? false }
    }

    /// The prepared standard price in force at `date` of a model id seen before, without resolving
    /// it again (see ``ResolvedModel/startDays``): `nil` sends the caller to ``resolve(model:provider:)``.
    @inline(__always)
    func cachedStandardPrice(model: String, provider: String?, at date: Date) -> ResolvedModel.Prepared? {
        cache.findStandardPrice(model: model, provider: provider, at: date)
    }

    /// Finds the model an id refers to.
    ///
    /// The id may be exact (`gpt-4o`), a dated snapshot (`claude-3-5-sonnet-20241022`, `gpt-4o-2024-08-06`,
    /// `gpt-5.2-20251211`), an alias (`-latest`), vendor-prefixed (`openai/gpt-4o`,
    /// `anthropic.claude-3-5-sonnet-20241022-v2:0`, `us.anthropic.…`, `claude-3-5-sonnet-v2@20241022`),
    /// or a LiteLLM key (`bedrock/eu-west-1/…`). User overrides win; then, when `provider` is one of
    /// LiteLLM's provider names, LiteLLM's exact key; then genai-prices' match rules (with its
    /// provider fallbacks); then exact LiteLLM keys; then, with a provider named, the id of one of
    /// its models as listed (for the few entries whose rules do not accept their own id).
    ///
    /// - throws: ``PricingError`` `.unknownModel` with the nearest known ids, or `.unknownProvider`.
    public func resolve(model: String, provider: String? = nil) throws -> ResolvedModel {
        if let hit = cache.findIdentical(model: model, provider: provider) { return hit }
        let hash = LookupCache.hash(model: model, provider: provider)
        if let hit = cache.find(model: model, provider: provider, hash: hash) {
            cache.remember(model: model, provider: provider, value: hit)
            return hit
        }
        if let known = cache.failure(model: model, provider: provider) { throw known }
        let resolved: ResolvedModel
        do {
            resolved = try resolveUncached(model: model, provider: provider)
        } catch let error as PricingError {
            cache.rememberFailure(model: model, provider: provider, error: error)
            throw error
        }
        cache.insert(model: model, provider: provider, hash: hash, value: resolved)
        return resolved
    }

    private func resolveUncached(model: String, provider providerName: String?) throws -> ResolvedModel {
        let ref = model.lowercased().trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty else {
            throw PricingError(code: .unknownModel, message: "model id is empty; give a model such as 'gpt-4o'")
        }
        if let providerName, !providerName.isEmpty {
            let name = providerName.lowercased().trimmingCharacters(in: .whitespaces)
            guard let provider = self.provider(named: name) else {
                let names = providers.map(\.id) + Array(litellmNames.keys)
                throw PricingError(
                    code: .unknownProvider,
                    message: "provider '\(providerName)' not in catalog" + Suggest.didYouMean(name, in: names)
                        + " (costctl pricing list shows providers)",
                    suggestions: Suggest.nearest(name, in: names))
            }
            if let found = find(ref, in: provider, namedAs: name) { return found }
            let candidates = provider.allModels.flatMap { [$0.id] + $0.match.exactIds }
                + overrides.filter { $0.id == provider.id }.flatMap { $0.models.map(\.id) }
            throw unknownModel(model, provider: provider.id, candidates: candidates)
        }
        if let found = findAnywhere(ref) { return found }
        let candidates = providers.flatMap { p in p.models.map(\.id) } + Array(globalExact.keys)
            + overrides.flatMap { $0.models.map(\.id) }
        throw unknownModel(model, provider: nil, candidates: candidates)
    }

    private func unknownModel(_ model: String, provider: String?, candidates: [String]) -> PricingError {
        let near = Suggest.nearest(model, in: candidates)
        let scope = provider.map { " for provider '\($0)'" } ?? ""
        return PricingError(
            code: .unknownModel,
            message: "model '\(model)' not in catalog\(scope)" + Suggest.phrase(near)
                + (near.isEmpty ? " (costctl pricing list --search TEXT finds models; an override file can add private models)" : ""),
            suggestions: near)
    }

    /// Resolution within a named provider.
    private func find(_ ref: String, in provider: CatalogProvider, namedAs name: String) -> ResolvedModel? {
        var refs = [ref]
        for prefix in Set([name, provider.id] + provider.aliases) where ref.hasPrefix(prefix + "/") {
            refs.append(String(ref.dropFirst(prefix.count + 1)))
        }
        // 1. user overrides
        for layer in overrides where layer.id == provider.id {
            for r in refs { if let m = layer.firstMatch(r) { return ResolvedModel(model: m, requested: r) } }
        }
        // 2. the caller speaks LiteLLM's namespace: its exact key is the most specific answer
        let speaksLiteLLM = name != provider.id && litellmNames[name] != nil
        if speaksLiteLLM {
            for r in refs {
                if let m = provider.exactIndex[r] ?? provider.exactIndex["\(name)/\(r)"] {
                    return ResolvedModel(model: m, requested: r)
                }
            }
        }
        // 3. genai-prices' rules, with fallback providers and normalised ids; a price this provider
        //    publishes itself (an exact key) beats one borrowed from a fallback provider
        for r in refs {
            if let found = matchPrimary(r, in: provider) {
                if found.viaFallback, let own = refs.lazy.compactMap({ provider.exactIndex[$0] }).first {
                    return ResolvedModel(model: own, requested: r)
                }
                return found
            }
        }
        // 4. exact keys
        for r in refs {
            if let m = provider.exactIndex[r] { return ResolvedModel(model: m, requested: r) }
        }
        for r in refs {
            for alt in ModelIdNormalizer.alternatives(r) {
                if let found = matchPrimary(alt, in: provider) { return found }
                if let m = provider.exactIndex[alt] { return ResolvedModel(model: m, requested: alt) }
            }
        }
        // 5. a model the provider lists under this very id, though its match rules do not accept
        //    the id (a few genai-prices entries; genai-prices itself finds no model there)
        for r in refs {
            if let m = provider.models.first(where: { $0.id.lowercased() == r }) { return ResolvedModel(model: m, requested: r) }
        }
        return nil
    }

    /// genai-prices' model lookup in one provider: its models in order, then each fallback
    /// provider's (one step), then the same with a compact date (`-20251211` → `-2025-12-11`).
    private func matchPrimary(_ ref: String, in provider: CatalogProvider) -> ResolvedModel? {
        if let found = matchPrimaryOnce(ref, in: provider) { return found }
        let normalized = ModelIdNormalizer.dashedDate(ref)
        if normalized != ref { return matchPrimaryOnce(normalized, in: provider) }
        return nil
    }

    private func matchPrimaryOnce(_ ref: String, in provider: CatalogProvider) -> ResolvedModel? {
        if let m = provider.firstMatch(ref) { return ResolvedModel(model: m, requested: ref) }
        for id in provider.fallbackProviders {
            if let fallback = providerIndex[id], let m = fallback.firstMatch(ref) {
                return ResolvedModel(model: m, requested: ref, viaFallback: true, pricedFor: provider.id)
            }
        }
        return nil
    }

    /// Resolution with no provider named.
    private func findAnywhere(_ ref: String) -> ResolvedModel? {
        // 1. overrides, any provider
        for layer in overrides {
            if let m = layer.firstMatch(ref) { return ResolvedModel(model: m, requested: ref) }
        }
        // 2. a vendor prefix names the provider: `openai/gpt-4o`, `openrouter/google/…`
        if let slash = ref.firstIndex(of: "/") {
            let prefix = String(ref[..<slash])
            if let p = providerIndex[prefix] ?? litellmNames[prefix], let found = find(ref, in: p, namedAs: prefix) {
                return found
            }
        }
        // 3. genai-prices: the first provider whose model_match claims the id
        for p in providers where p.modelMatch?.matchesLowercased(ref) ?? false {
            if let found = matchPrimary(ref, in: p) { return found }
            break
        }
        // 4. an exact LiteLLM key
        if let m = globalExact[ref] { return ResolvedModel(model: m, requested: ref) }
        // 5. normalised forms (Bedrock and Vertex ids, -latest, …)
        for alt in ModelIdNormalizer.alternatives(ref) {
            for p in providers where p.modelMatch?.matchesLowercased(alt) ?? false {
                if let found = matchPrimary(alt, in: p) { return found }
                break
            }
            if let m = globalExact[alt] { return ResolvedModel(model: m, requested: alt) }
        }
        return nil
    }

    // MARK: - Listing

    /// Every model, optionally of one provider and/or whose id or name contains `search`.
    public func models(provider: String? = nil, search: String? = nil) throws -> [CatalogModel] {
        var scope = providers
        if let provider {
            guard let p = self.provider(named: provider) else {
                throw PricingError(
                    code: .unknownProvider,
                    message: "provider '\(provider)' not in catalog" + Suggest.didYouMean(provider, in: providers.map(\.id)))
            }
            scope = [p]
        }
        let needle = search?.lowercased()
        var result: [CatalogModel] = []
        let ids = Set(scope.map(\.id))
        for layer in overrides where ids.contains(layer.id) { result += layer.models }
        for p in scope { result += p.allModels }
        guard let needle, !needle.isEmpty else { return result }
        return result.filter {
            $0.id.lowercased().contains(needle) || ($0.name?.lowercased().contains(needle) ?? false)
                || ($0.litellmKey?.lowercased().contains(needle) ?? false)
        }
    }

    /// Total number of models (primary, exact-key and overrides).
    public var modelCount: Int {
        providers.reduce(0) { $0 + $1.models.count + $1.exactModels.count } + overrides.reduce(0) { $0 + $1.models.count }
    }
}

/// The catalog entry a model id resolved to.
// A final class of immutable Sendable `let`s: the lookup cache hands out one shared instance.
public final class ResolvedModel: Sendable {
    public let model: CatalogModel
    /// The (normalised) id that matched.
    public let requested: String
    /// Found through a fallback provider (Azure → OpenAI): request variants do not apply, as in genai-prices.
    public let viaFallback: Bool
    /// The provider the request went to, when it differs from the model's listing provider.
    public let pricedFor: String?

    /// The provider (the one asked for, when priced through a fallback), model and source.
    public let identity: ModelIdentity
    /// For each of the model's prices (standard tier), the breakdown context every cost priced at
    /// it shares (interned: it lives as long as the process), and its compiled plan: the engine's
    /// fast path allocates nothing and counts no reference per request.
    let standard: [Prepared]

    /// A price of the model made ready for the engine: the interned context its breakdowns share
    /// and its plan (the context's price's, so it lives as long as the context). Trivial: the lookup
    /// hands it out without a reference count.
    struct Prepared: Sendable {
        let context: Unmanaged<CostBreakdown.Context>
        let plan: PricePlan.View
    }

    /// The only price of a model without price history (most models): the lookup cache hands it
    /// out directly for standard-tier requests.
    let singlePrice: Prepared?

    /// For a model with price history whose prices differ only by start date: the day (since
    /// 1970-01-01, UTC) from which each of ``standard``'s prices applies (`Int.min` for the first,
    /// the fallback, and for a later price without condition). The lookup cache then finds the
    /// price in force without evaluating constraints, as `CatalogModel.standardPriceIndex(at:)`
    /// would. `nil` when a model has at most one price or when a later price depends on the time
    /// of day.
    let startDays: [Int]?

    /// The standard price in force at `date` when the fast path can tell it without evaluating
    /// constraints: the only price, or the last whose start day has come (else the first); `nil`
    /// sends the caller to the general path (time-of-day prices, unpriced models).
    @inline(__always)
    func fastStandardPrice(at date: Date) -> Prepared? {
        if let singlePrice { return singlePrice }
        guard let days = startDays else { return nil }
        let day = PriceConstraint.day(of: date)
        var i = days.count - 1
        while i > 0 && day < days[i] { i -= 1 }
        return standard[i]
    }

    init(model: CatalogModel, requested: String, viaFallback: Bool = false, pricedFor: String? = nil) {
        self.model = model
        self.requested = requested
        self.viaFallback = viaFallback
        self.pricedFor = pricedFor
        self.identity = pricedFor.map { ModelIdentity(provider: $0, model: model.id, source: model.source) } ?? model.identity
        let identity = self.identity
        // Views without a retain: each interned context holds its price, which holds the plan,
        // for the life of the process.
        self.standard = model.prices.map { InternedContexts.prepared(model: identity, price: $0.price) }
        // one price applies at every date (see `CatalogModel.standardPriceIndex(at:)`)
        self.singlePrice = standard.count == 1 ? standard[0] : nil
        var days: [Int]? = standard.count > 1 ? [] : nil
        for (index, conditional) in model.prices.enumerated() where days != nil {
            switch conditional.constraint {
            case .startDate(let day)? where index > 0: days?.append(day)
            case .timeOfDay? where index > 0: days = nil
            default: days?.append(.min)
            }
        }
        self.startDays = days
    }
}
