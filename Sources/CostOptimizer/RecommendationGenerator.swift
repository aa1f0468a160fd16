public import CostBudget
public import CostPricing
public import Foundation

/// A source of recommendations: a function of the usage the engine read (events, window, catalog,
/// budgets) to the findings it supports, each with its saving, confidence and evidence.
///
/// Generators are pure and stateless; `RecommendationEngine` (CostControl) runs every registered
/// one over the same ``OptimizerInput``, ranks the union and stores it. A generator that has nothing
/// to say returns `[]`; one that cannot run on the input throws ``OptimizerError``.
///
/// For example:
/// ```swift
/// struct Nothing: RecommendationGenerator {
///     var name: String { "nothing" }
///     func recommendations(from input: OptimizerInput) throws -> [Recommendation] { [] }
/// }
/// ```
public protocol RecommendationGenerator: Sendable {
    /// A short name for notes and errors (`plan-fit`, `model-downgrade`).
    var name: String { get }
    func recommendations(from input: OptimizerInput) throws -> [Recommendation]
}

/// What every generator sees: the usage events of the window (stored costs included), the window,
/// the zone reports use, the price catalog, the budgets, and the scope asked for (`nil`: all usage).
public struct OptimizerInput: Sendable {
    /// The events in ``window`` (and ``scope``), oldest first, with their stored costs.
    public var events: [UsageEvent]
    public var window: DateInterval
    public var timeZone: TimeZone
    public var catalog: PriceCatalog
    public var budgets: [Budget]
    /// `team=x`, `project=y`, … (the `--scope` words), or `nil` for all usage.
    public var scope: String?

    public init(
        events: [UsageEvent], window: DateInterval, timeZone: TimeZone, catalog: PriceCatalog, budgets: [Budget] = [],
        scope: String? = nil
    ) {
        self.events = events
        self.window = window
        self.timeZone = timeZone
        self.catalog = catalog
        self.budgets = budgets
        self.scope = scope
    }

    /// Days in ``window``, a part day counting as one (at least 1): the length monthly figures are
    /// scaled from.
    public var days: Int { max(1, Int((window.duration / 86_400 - 1e-9).rounded(.up))) }
}
