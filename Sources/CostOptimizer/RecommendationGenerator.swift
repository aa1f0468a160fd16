public import CostBudget
public import CostPricing
public import Foundation

public protocol RecommendationGenerator: Sendable {
    var name: String { get }
    func recommendations(from input: OptimizerInput) throws -> [Recommendation]
}
public struct OptimizerInput: Sendable {
    public var events: [UsageEvent]
    public var window: DateInterval
    public var timeZone: TimeZone
    public var catalog: PriceCatalog
    public var budgets: [Budget]
    public var scope: String?
    public init(events: [UsageEvent], window: DateInterval, timeZone: TimeZone, catalog: PriceCatalog, budgets: [Budget] = [], scope: String? = nil) {
        self.events = events
        self.window = window
        self.timeZone = timeZone
        self.catalog = catalog
        self.budgets = budgets
        self.scope = scope
    }
}
