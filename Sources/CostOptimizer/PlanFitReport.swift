public import CostPricing
public import Foundation

/// How one plan would have carried the user's usage.
public struct PlanFitResult: Sendable, Hashable {
    public var plan: SubscriptionPlan
    /// Whether every window stayed within the fit limit (allowance × (1 − margin)).
    public var fits: Bool
    /// Whether it also fits with the peak grown by the usage trend (a plan that fits only today is not
    /// recommended).
    public var fitsWithTrend: Bool
    /// Windows whose usage went over the allowance: the user would have been cut off.
    public var windowsOverLimit: Int
    /// Windows with usage, over every window kind.
    public var windowCount: Int
    /// The highest utilization of any window (1 = the whole allowance).
    public var peakUtilization: Double
    /// The highest 95th-percentile window utilization among the window kinds.
    public var p95Utilization: Double
    /// The fixed price per month.
    public var monthlyPrice: Money
    /// What the plan would cost per month: the price, plus usage at list prices when metered.
    public var monthlyCost: Money
    /// The API-equivalent cost of the usage it would carry, over the days asked.
    public var apiEquivalentCost: Money
    /// Window by window kind.
    public var windows: [WindowFit]
}

/// One window kind of a plan, replayed.
public struct WindowFit: Sendable, Hashable {
    public var window: PlanWindow
    /// The allowance used (calibrated, or the catalog's).
    public var allowance: Int128
    public var source: CalibrationSource
    public var windowCount: Int
    public var windowsOverLimit: Int
    public var peakUtilization: Double
    public var p95Utilization: Double
    /// When the fullest window started.
    public var peakStart: Date?
}

/// The plan to be on, with the saving and how sure.
public struct PlanRecommendation: Sendable, Hashable {
    public var planID: String
    /// The plan the user said they are on.
    public var currentPlanID: String?
    /// Current monthly cost minus the recommended one (negative for an upgrade); `nil` without a
    /// current plan.
    public var monthlySaving: Money?
    public var confidence: PlanConfidence
    /// Why, with the numbers.
    public var reasons: [String]
}

/// The user's usage replayed against every plan of a family.
public struct PlanFitReport: Sendable, Hashable {
    public var since: Date
    public var until: Date
    public var daysAsked: Int
    /// Days from the first observed usage (or `since`) to `until`.
    public var daysObserved: Double
    /// The family compared (`claude`, `chatgpt`, `gemini`), `nil` without usage of any.
    public var family: String?
    public var currentPlanID: String?
    /// The family's plans and `api`, in catalog order.
    public var plans: [PlanFitResult]
    public var recommendation: PlanRecommendation?
    /// The current plan's windows as calibrated.
    public var calibrations: [WindowCalibration]
    /// The margin below the allowance a window must stay under to fit (0.1 = 90%).
    public var margin: Double
    /// Requests counted, refusals seen, requests without a price.
    public var requests: Int
    public var refusals: Int
    public var unpricedRequests: Int
    /// Things to know (little data, unpriced usage, estimates).
    public var notes: [String]

    /// The result for one plan id.
    public func result(_ id: String) -> PlanFitResult? { plans.first { $0.plan.id == id } }
}
