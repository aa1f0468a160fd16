public import CostOptimizer
import Foundation

/// The tier decision of a plan fit, on its own: stay on the current plan, switch to the
/// recommended one (with the monthly saving and the confidence), or no recommendation. The MCP
/// tool `recommend-tier-change` returns it; `costctl plans --fit --json` holds the same figures
/// among every plan's.
///
/// Fields: `action` (`switch`, `stay` or `none`), `current`, `recommended`, `monthly_saving`,
/// `confidence`, `reasons`, the monthly cost of the current and the recommended plan on this
/// usage, `family`, `since`, `until`, `notes`.
public struct PlanTierChangeJSON: Encodable, Sendable {
    public var report: PlanFitReport

    public init(_ report: PlanFitReport) { self.report = report }

    /// `switch`, `stay` or `none` (no plan of the family fits the usage, or there is no usage).
    public var action: String {
        guard let recommendation = report.recommendation else { return "none" }
        return recommendation.planID == report.currentPlanID ? "stay" : "switch"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        let recommendation = report.recommendation
        try c.encode(action, forKey: AnyKey("action"))
        try c.encode(report.currentPlanID, forKey: AnyKey("current"))
        try c.encode(report.currentPlanID.flatMap { report.result($0)?.monthlyCost }, forKey: AnyKey("current_monthly_cost"))
        try c.encode(recommendation?.planID, forKey: AnyKey("recommended"))
        try c.encode(recommendation.flatMap { report.result($0.planID)?.monthlyCost }, forKey: AnyKey("recommended_monthly_cost"))
        try c.encode(recommendation?.monthlySaving, forKey: AnyKey("monthly_saving"))
        try c.encode(recommendation.map { PlanFitJSON.round($0.confidence.value) }, forKey: AnyKey("confidence"))
        try c.encode(recommendation?.reasons ?? [], forKey: AnyKey("reasons"))
        try c.encode(report.family, forKey: AnyKey("family"))
        try c.encode(Timestamp.format(report.since), forKey: AnyKey("since"))
        try c.encode(Timestamp.format(report.until), forKey: AnyKey("until"))
        try c.encode(report.notes, forKey: AnyKey("notes"))
    }
}
