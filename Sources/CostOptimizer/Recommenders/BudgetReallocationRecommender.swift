internal import CostBudget
internal import CostPricing
internal import Foundation

/// Finds budgets projected to run over while others of the same period are projected to leave
/// money unused, and proposes moving the unused part.
///
/// Only dollar budgets over calendar or custom periods, other than the global scope, are compared.
/// For each, the spend is the stored cost (the engine's price when none is stored) of the events
/// its scope matches from the start of its current period (the period containing the window's end;
/// events before the window's start are not seen) to the window's end. The projection is linear:
/// `projected = spent × period length ÷ elapsed`. A budget projected over its limit needs
/// `projected − limit`; one projected under can give `limit − projected − margin × limit`
/// (``donorMarginBasisPoints``, 10% by default, stays with the donor). Overrunning budgets, largest
/// need first, take from donors with the same period, most to give first; amounts are rounded to
/// cents. A reallocation moves money and saves none: ``Recommendation/monthlySaving`` is zero.
///
/// Confidence: `progress × (0.5 × cover + 0.5 × donor)`: progress = `min(1, 2 × elapsed ÷ period)`
/// (a projection from the first days of a period is weak), cover = the share of the overrun the move
/// covers, donor = the donor's projected unused share after the move ÷ 0.2 (at most 1).
public struct BudgetReallocationRecommender: RecommendationGenerator {
    public var name: String { "budget-reallocation" }
    /// The share of a donor's limit it keeps as a margin, in basis points.
    public var donorMarginBasisPoints: Int

    public init(donorMarginBasisPoints: Int = 1_000) {
        self.donorMarginBasisPoints = min(10_000, max(0, donorMarginBasisPoints))
    }

    struct Projection {
        var budget: Budget
        var window: PeriodWindow
        var spent: Money
        var projected: Money
        var limit: Money
        var progress: Double
    }

    /// - throws: ``OptimizerError`` `.invalidInput` for a malformed scope; ``PricingError`` `.overflow`.
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        let observed = try ObservedUsage(input)
        let now = input.window.end
        var projections: [Projection] = []
        for budget in input.budgets {
            guard case .money(let limit) = budget.limit, !budget.period.isRolling, budget.scope.subject != .global,
                let window = budget.period.window(containing: now.addingTimeInterval(-0.001))
            else { continue }
            let elapsedMs = Int((now.timeIntervalSince(window.start) * 1000).rounded())
            let lengthMs = Int((window.duration * 1000).rounded())
            guard elapsedMs > 0, lengthMs > 0 else { continue }
            var spent = Money.zero
            for event in observed.events where event.timestamp >= window.start && event.timestamp < now
                && budget.scope.matches(event.dimensions, provider: event.provider, model: event.model)
            {
                if let stored = event.cost, stored.isPriced {
                    spent = try spent.adding(stored.total)
                } else if let priced = observed.observedCost(event) {
                    spent = try spent.adding(priced)
                }
            }
            let projected = try spent.prorated(count: lengthMs, per: elapsedMs)
            projections.append(Projection(
                budget: budget, window: window, spent: spent, projected: projected, limit: limit,
                progress: min(1, 2 * Double(elapsedMs) / Double(lengthMs))))
        }
        var needs = projections.filter { $0.projected > $0.limit }.map { ($0, $0.projected - $0.limit) }
        var gives = try projections.compactMap { p -> (Projection, Money)? in
            let margin = try p.limit.prorated(count: donorMarginBasisPoints, per: 10_000)
            let spare = p.limit - p.projected - margin
            return spare > .zero ? (p, spare) : nil
        }
        needs.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.budget.name < $1.0.budget.name }
        var found: [Recommendation] = []
        for (over, need) in needs {
            var remaining = need
            while remaining > .zero {
                gives.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.budget.name < $1.0.budget.name }
                guard let index = gives.firstIndex(where: { $0.0.budget.period == over.budget.period && $0.1 > .zero }) else { break }
                let (donor, spare) = gives[index]
                let amount = min(spare, remaining).rounded(toPlaces: 2)
                guard amount > .zero else { break }
                gives[index].1 = spare - amount
                remaining -= amount
                found.append(recommendation(over: over, need: need, donor: donor, amount: amount, observed: observed))
            }
        }
        return found
    }

    private func recommendation(over: Projection, need: Money, donor: Projection, amount: Money, observed: ObservedUsage) -> Recommendation {
        let donorAfter = donor.limit - amount
        let unusedAfter = ratio(donorAfter - donor.projected, donorAfter)
        let cover = clamp(ratio(amount, need))
        let donorScore = clamp(unusedAfter / 0.2)
        let progress = min(over.progress, donor.progress)
        let components = ["progress": progress, "cover": cover, "donor": donorScore]
        var notes: [String] = []
        if progress < 1 { notes.append("the period is young: the projections extrapolate few days") }
        if over.window.start < observed.input.window.start || donor.window.start < observed.input.window.start {
            notes.append("the budget period starts before the events looked at: its spend is undercounted")
        }
        let rationale = """
            \(over.budget.name) (\(over.budget.scope)) has spent \(dollars(over.spent)) of \(dollars(over.limit)) this period \
            and is projected at \(dollars(over.projected)), \(dollars(need)) over. \(donor.budget.name) \
            (\(donor.budget.scope)) has spent \(dollars(donor.spent)) of \(dollars(donor.limit)) and is projected at \
            \(dollars(donor.projected)). Moving \(dollars(amount)) keeps \(percentText(Double(donorMarginBasisPoints) / 10_000)) \
            of \(donor.budget.name)'s limit as a margin and \(cover >= 1 ? "covers the whole overrun" : "covers \(percentText(cover)) of the overrun"); \
            the total budget is unchanged (no saving: the over-running team is not throttled or stopped).
            """
        return Recommendation(
            id: Recommendation.makeID(kind: .budgetReallocation, scope: over.budget.scope.description, subject: "\(donor.budget.name)->\(over.budget.name)"),
            kind: .budgetReallocation, scope: over.budget.scope.description,
            title: "Move \(dollars(amount)) of budget from \(donor.budget.name) to \(over.budget.name)",
            rationale: rationale, monthlySaving: .zero,
            confidence: RecommendationConfidence(value: progress * (0.5 * cover + 0.5 * donorScore), components: components, notes: notes),
            difficulty: .easy, risk: .low,
            actions: [.reallocateBudget(from: donor.budget.name, to: over.budget.name, amount: amount)],
            evidence: "costctl budget status", baselineMonthlySpend: nil, createdAt: observed.input.window.end)
    }
}
