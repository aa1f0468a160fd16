internal import CostBudget
public import CostPricing
internal import Foundation

/// The events a generator looks at — those of the input's window and scope — with the arithmetic
/// every generator shares: pricing on the engine, scaling a window's amount to 30 days, coverage,
/// regularity and the evidence query.
struct ObservedUsage {
    let input: OptimizerInput
    let engine: CostEngine
    /// The events inside `input.window` (`[start, end)`) that match `input.scope`, by time.
    let events: [UsageEvent]
    /// Observed days ÷ window days, at most 1: days count from the UTC day of the first event.
    let coverage: Double
    /// The window's length in whole milliseconds (at least 1).
    let windowMilliseconds: Int

    /// The days a month has for ``monthly(_:)``.
    static let monthDays = 30

    /// - throws: ``OptimizerError`` `.invalidInput` for a scope that is not `global` or `DIMENSION=VALUE`.
    init(_ input: OptimizerInput) throws {
        self.input = input
        engine = CostEngine(catalog: input.catalog)
        let filter = try ObservedUsage.filter(scope: input.scope, window: input.window)
        events = input.events.filter(filter.matches).sorted { $0.timestamp < $1.timestamp }
        windowMilliseconds = max(1, Int((input.window.duration * 1000).rounded()))
        if let first = events.first {
            let firstDay = Date(timeIntervalSince1970: (first.timestamp.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
            let observed = input.window.end.timeIntervalSince(max(firstDay, input.window.start))
            coverage = min(1, max(0, observed / max(1, input.window.duration)))
        } else {
            coverage = 0
        }
    }

    /// `global` (or no scope) is everything; otherwise `DIMENSION=VALUE` as `--where` takes it
    /// (`team=support`, `project=x`, `tag.env=prod`).
    static func filter(scope: String?, window: DateInterval) throws -> UsageFilter {
        var filter = UsageFilter(since: window.start, until: window.end)
        guard let scope = scope?.trimmingCharacters(in: .whitespaces), !scope.isEmpty, scope != "global" else { return filter }
        guard let equals = scope.firstIndex(of: "="), equals != scope.startIndex else {
            throw OptimizerError(code: .invalidInput, message: "scope '\(scope)' is not global or DIMENSION=VALUE (example: team=support)")
        }
        let dimension: UsageDimension
        do {
            dimension = try UsageDimension(parsing: String(scope[..<equals]))
        } catch {
            throw OptimizerError(code: .invalidInput, message: "scope '\(scope)': \(error)")
        }
        filter.equals[dimension] = [String(scope[scope.index(after: equals)...])]
        return filter
    }

    // MARK: - Pricing

    /// What `usage` costs on `model` at `date` in `tier`; `nil` when the catalog cannot price it.
    func cost(_ usage: Usage, model: String, provider: String?, at date: Date, tier: ServiceTier = .standard) -> Money? {
        guard let breakdown = try? engine.cost(usage, model: model, provider: provider.flatMap { $0.isEmpty ? nil : $0 }, at: date, tier: tier),
            breakdown.isPriced
        else { return nil }
        return breakdown.total
    }

    /// What `usage` costs on a catalog entry at its standard price in force at `date`; `nil` when unpriced.
    func cost(_ usage: Usage, on model: CatalogModel, at date: Date) -> Money? {
        guard let price = model.standardPrice(at: date),
            let breakdown = try? CostEngine.compute(usage, price: price, model: model.identity), breakdown.isPriced
        else { return nil }
        return breakdown.total
    }

    /// The catalog entry a ``ModelChoice`` names (the one of its capability class when ids repeat).
    func catalogModel(_ choice: ModelChoice) -> CatalogModel? {
        let models = (try? input.catalog.models(provider: choice.provider)) ?? []
        let same = models.filter { $0.id == choice.model && $0.provider == choice.provider }
        return same.first { $0.capabilityClass == choice.capabilityClass } ?? same.first
    }

    /// What an event costs as it was sent (its own model, time and service tier), priced again on
    /// the engine so that it compares exactly with the alternatives priced the same way.
    func observedCost(_ event: UsageEvent) -> Money? {
        cost(event.usage, model: event.model, provider: event.provider, at: event.timestamp, tier: event.cost?.serviceTier ?? .standard)
    }

    /// The model an event's id resolves to, or `nil`.
    func resolve(_ event: UsageEvent) -> ResolvedModel? {
        try? input.catalog.resolve(model: event.model, provider: event.provider.isEmpty ? nil : event.provider)
    }

    /// `amount` observed over the window, scaled to 30 days: `amount × 30 days ÷ window`, exact to 10⁻¹⁸ USD.
    func monthly(_ amount: Money) throws -> Money {
        try amount.prorated(count: ObservedUsage.monthDays * 86_400_000, per: windowMilliseconds)
    }

    // MARK: - Confidence parts

    /// Requests ÷ 500, at most 1: 500 requests in the window give full volume.
    static func volume(requests: Int) -> Double { min(1, Double(max(0, requests)) / 500) }

    /// The share of the observed weeks (7-day blocks counted back from the window's end, those
    /// after the first observed day) in which `events` has at least one request; 1 when less than
    /// a week is observed.
    func regularity(_ events: [UsageEvent]) -> Double {
        guard let first = self.events.first else { return 0 }
        let end = input.window.end.timeIntervalSince1970
        let weeks = max(1, Int(((end - first.timestamp.timeIntervalSince1970) / (7 * 86_400)).rounded(.up)))
        var seen = Set<Int>()
        for event in events {
            seen.insert(min(weeks - 1, Int((end - event.timestamp.timeIntervalSince1970) / (7 * 86_400))))
        }
        return Double(seen.count) / Double(weeks)
    }

    /// The confidence `coverage × Σ weightᵢ × componentᵢ` (weights summing to 1), with every
    /// component shown (coverage included).
    func confidence(_ weighted: [(name: String, weight: Double, value: Double)], notes: [String] = []) -> RecommendationConfidence {
        var components = ["coverage": clamp(coverage)]
        var sum = 0.0
        for part in weighted {
            components[part.name] = clamp(part.value)
            sum += part.weight * clamp(part.value)
        }
        return RecommendationConfidence(value: clamp(coverage) * sum, components: components, notes: notes)
    }

    /// The confidence of moving deferrable requests (batching, off-peak):
    /// `coverage × (0.5 × signal + 0.25 × volume + 0.25 × regularity)`.
    func deferredConfidence(_ slice: TrafficSlice, _ deferrable: DeferrableTraffic) -> RecommendationConfidence {
        confidence(
            [("signal", 0.5, deferrable.signal(slice.events)), ("volume", 0.25, ObservedUsage.volume(requests: slice.requests)),
             ("regularity", 0.25, regularity(slice.events))],
            notes: ["the ledger records no request priority: requests tagged \(deferrable.words) count as deferrable"])
    }

    // MARK: - Words

    /// The window as `--since` words: `30d`.
    var sinceWords: String { "\(max(1, Int((input.window.duration / 86_400).rounded())))d" }

    /// `costctl usage --by BY --where A --where B --since 30d`.
    func evidence(by: String, where clauses: [String]) -> String {
        (["costctl usage --by \(by)"] + clauses.map { "--where \($0)" } + ["--since \(sinceWords)"]).joined(separator: " ")
    }

    /// The recommendation's scope: the group's team, else the input's scope, else `global`.
    func scope(team: String?) -> String {
        if let team { return "team=\(team)" }
        if let scope = input.scope, !scope.isEmpty { return scope }
        return "global"
    }

    /// Where an action applies: the slice's `team=x operation=y`, else the recommendation's scope.
    func actionScope(_ key: TrafficKey) -> String {
        key.clauses.isEmpty ? scope(team: nil) : key.clauses.joined(separator: " ")
    }
}

/// A slice of traffic the generators compare: one team's operation on one model.
struct TrafficKey: Hashable, Comparable {
    var team: String?
    var operation: String?
    var provider: String
    var model: String

    init(_ event: UsageEvent, provider: String) {
        team = event.dimensions.team
        operation = event.dimensions.operation
        self.provider = provider
        model = event.model
    }

    /// `team=x operation=y` (or `all traffic`).
    var who: String {
        let parts = [team.map { "team=\($0)" }, operation.map { "operation=\($0)" }].compactMap { $0 }
        return parts.isEmpty ? "all traffic" : parts.joined(separator: " ")
    }

    /// The `--where` clauses that select this slice.
    var clauses: [String] {
        [team.map { "team=\($0)" }, operation.map { "operation=\($0)" }].compactMap { $0 }
    }

    static func < (a: TrafficKey, b: TrafficKey) -> Bool {
        (a.team ?? "", a.operation ?? "", a.provider, a.model) < (b.team ?? "", b.operation ?? "", b.provider, b.model)
    }
}

/// One slice's events and totals, as observed.
struct TrafficSlice {
    var key: TrafficKey
    var resolved: ResolvedModel
    var events: [UsageEvent] = []
    var costs: [Money] = []
    var observed: Money = .zero
    var usage = Usage(requests: 0)

    var requests: Int { usage.requests }

    mutating func add(_ event: UsageEvent, cost: Money) {
        events.append(event)
        costs.append(cost)
        observed += cost
        usage = usage + event.usage
    }

    /// The mean request (every count divided by the requests, rounded down), to choose among models.
    var meanRequest: Usage {
        let n = max(1, usage.requests)
        var mean = Usage(requests: 1)
        for (kind, count) in usage.counts where kind != .requests { mean[kind] = count / n }
        return mean
    }
}

extension ObservedUsage {
    /// The priced events grouped by team, operation, provider and model (the provider as the catalog
    /// resolved it), in a stable order; `include` picks the events.
    func slices(where include: (UsageEvent) -> Bool = { _ in true }) -> [TrafficSlice] {
        var byKey: [TrafficKey: TrafficSlice] = [:]
        for event in events where include(event) {
            guard let resolved = resolve(event), let cost = observedCost(event) else { continue }
            let key = TrafficKey(event, provider: resolved.identity.provider)
            // in place: a slice taken out of the dictionary would copy its events on every append
            byKey[key, default: TrafficSlice(key: key, resolved: resolved)].add(event, cost: cost)
        }
        return byKey.values.sorted { $0.key < $1.key }
    }

    /// The sum of every priced event's observed cost.
    var totalObserved: Money {
        events.reduce(Money.zero) { $0 + (observedCost($1) ?? .zero) }
    }

    /// The total cost of `slice`'s events when each is priced by `price`; `nil` when one cannot be.
    func repriced(_ slice: TrafficSlice, _ price: (UsageEvent) -> Money?) -> Money? {
        var total = Money.zero
        for event in slice.events {
            guard let cost = price(event) else { return nil }
            total += cost
        }
        return total
    }
}

/// Which requests can wait: the ledger records no request priority, so a tag says it.
///
/// By default a request is deferrable when its tag `priority` is `background` (the budget ladder's
/// own `RequestPriority.background`), `low`, `batch` or `deferrable`. Requests already sent through
/// a batch API (stored service tier `batch`) are not counted again.
public struct DeferrableTraffic: Sendable, Hashable {
    /// The tag that carries the priority.
    public var tag: String
    /// The values that mark a request as deferrable.
    public var values: Set<String>
    /// The value that is the ladder's own word (a stronger signal than the others).
    public var canonicalValue: String

    public init(tag: String = "priority", values: Set<String> = ["background", "low", "batch", "deferrable"], canonicalValue: String = "background") {
        self.tag = tag
        self.values = values
        self.canonicalValue = canonicalValue
    }

    /// Whether `event` may be deferred.
    public func isDeferrable(_ event: UsageEvent) -> Bool {
        guard let value = event.dimensions.tags[tag]?.lowercased(), values.contains(value) else { return false }
        return event.cost?.serviceTier != .batch
    }

    /// How clearly the events are marked: 1 for the canonical value, 0.7 for the other values, averaged.
    func signal(_ events: [UsageEvent]) -> Double {
        guard !events.isEmpty else { return 0 }
        let canonical = events.filter { $0.dimensions.tags[tag]?.lowercased() == canonicalValue }.count
        return (Double(canonical) + 0.7 * Double(events.count - canonical)) / Double(events.count)
    }

    /// The `--where` clause that selects deferrable requests: `tag.priority=background,batch,…`.
    var clause: String { "tag.\(tag)=\(values.sorted().joined(separator: ","))" }

    /// `priority=background` words for rationales.
    var words: String { "\(tag)=\(values.sorted().joined(separator: "|"))" }
}

func clamp(_ x: Double) -> Double { x.isNaN ? 0 : min(1, max(0, x)) }

/// `$12.34`.
func dollars(_ amount: Money) -> String { "$" + amount.formatted(places: 2) }

/// `12.3%`.
func percentText(_ ratio: Double) -> String { String(format: "%.1f%%", ratio * 100) }

/// A ratio of two amounts, for display and confidence only.
func ratio(_ a: Money, _ b: Money) -> Double {
    b.isZero ? 0 : a.units.approximateDouble / b.units.approximateDouble
}

/// `1,234,567`.
func countText(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
