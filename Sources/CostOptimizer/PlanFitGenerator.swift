internal import CostPricing
public import Foundation

/// The subscription-plan fit as a ``RecommendationGenerator``: replays the input's events against
/// the plan catalog (``PlanFit``) and, when a cheaper plan than the current one would have carried
/// them, recommends the change (kind ``Recommendation/Kind/planChange``) with the plan confidence's
/// components.
///
/// Without a current plan the user is taken to pay as they go (`api`): a plan is recommended when
/// it costs less than the API-equivalent spend.
///
/// For example:
/// ```swift
/// let generator = PlanFitGenerator(catalog: try PlanCatalog.bundled(), currentPlanID: "claude-max-20x")
/// let found = try generator.recommendations(from: input)
/// ```
public struct PlanFitGenerator: RecommendationGenerator {
    public var catalog: PlanCatalog
    public var currentPlanID: String?
    public var meters: [MeterReading]
    /// When data starts (the ledger's first event); the first event of the input by default.
    public var observedSince: Date?
    /// The bootstrap's seed (a fixed seed gives the same confidence for the same data).
    public var seed: UInt64

    public init(
        catalog: PlanCatalog, currentPlanID: String? = nil, meters: [MeterReading] = [], observedSince: Date? = nil,
        seed: UInt64 = 1
    ) {
        self.catalog = catalog
        self.currentPlanID = currentPlanID
        self.meters = meters
        self.observedSince = observedSince
        self.seed = seed
    }

    public var name: String { "plan-fit" }

    /// The plan-change recommendation (at most one), or none when the current plan is the cheapest that fits.
    ///
    /// - throws: ``OptimizerError`` (an unknown current plan, a meter reading that cannot be placed).
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        var random = SplitMix64(seed: seed)
        let report = try PlanFit(catalog: catalog, options: PlanFitOptions().with { $0.days = min(366, input.days) }).evaluate(
            samples: input.events.map(PlanUsageSample.init), until: input.window.end,
            currentPlanID: currentPlanID ?? SubscriptionPlan.apiID, meters: meters, observedSince: observedSince,
            using: &random)
        guard var recommendation = Self.recommendation(from: report, scope: input.scope ?? "global", at: input.window.end) else {
            return []
        }
        if currentPlanID == nil {
            // a subscription is one person's: the scope's whole usage may be several people's API traffic
            recommendation.confidence.notes.append(
                "no current plan given: compared with paying as you go, counting all usage in \(recommendation.scope) as one subscriber's; give --current PLAN-ID, or --scope user=ID")
            recommendation.risk = .medium
        }
        return [recommendation]
    }

    /// A plan report's recommendation as a ``Recommendation``, when it saves money.
    public static func recommendation(from report: PlanFitReport, scope: String, at: Date) -> Recommendation? {
        guard let chosen = report.recommendation, let currentID = report.currentPlanID, chosen.planID != currentID,
            let saving = chosen.monthlySaving, saving > .zero, let current = report.result(currentID),
            let target = report.result(chosen.planID)
        else { return nil }
        let confidence = chosen.confidence
        var notes = report.notes
        if confidence.calibration < 1 { notes.append("allowances not calibrated with your plan's meter") }
        let downgrade = target.monthlyPrice < current.monthlyPrice && target.plan.billing == .subscription
        return Recommendation(
            kind: .planChange, scope: scope, title: "Switch from \(currentID) to \(chosen.planID)",
            rationale: chosen.reasons.joined(separator: "; "), monthlySaving: saving,
            confidence: RecommendationConfidence(
                value: confidence.value,
                components: [
                    "coverage": confidence.coverage, "calibration": confidence.calibration, "stability": confidence.stability,
                    "headroom": confidence.headroom, "trend": confidence.trend,
                ],
                notes: notes),
            difficulty: .easy, risk: downgrade ? .medium : .low, actions: [.changePlan(from: currentID, to: chosen.planID)],
            evidence: "costctl plans --fit --current \(currentID) --days \(report.daysAsked)",
            baselineMonthlySpend: current.monthlyCost, createdAt: at)
    }
}
