internal import CostBudget
internal import CostPricing
internal import Foundation

extension PlanFit {
    /// Picks the cheapest plan that fits (with the trend) and scores it.
    func recommend<G: RandomNumberGenerator>(
        _ report: PlanFitReport, context: inout Context, current: SubscriptionPlan?, using generator: inout G
    ) -> PlanFitReport {
        var report = report
        let limitPercent = percent(options.fitLimit)
        if report.requests == 0 {
            report.notes.append(
                "no usage of \(report.family.map { "the \($0) plans' providers" } ?? "any plan's providers") in the last \(options.days) days: nothing to fit; record or import usage first")
            return report
        }
        // A plan must fit; a plan cheaper than the current one must also fit with the usage trend (a
        // downgrade that fits only today is not one). Without a current plan every plan must.
        let currentCost = current.flatMap { report.result($0.id)?.monthlyCost }
        let candidates = report.plans.enumerated().filter { _, result in
            guard result.fits else { return false }
            if let currentCost, result.monthlyCost >= currentCost { return true }
            return result.fitsWithTrend
        }
        guard let chosen = candidates.min(by: { a, b in
            if a.element.monthlyCost != b.element.monthlyCost { return a.element.monthlyCost < b.element.monthlyCost }
            let aCurrent = a.element.plan.id == current?.id
            let bCurrent = b.element.plan.id == current?.id
            if aCurrent != bCurrent { return aCurrent }
            return a.offset < b.offset
        })?.element else { return report }

        // Confidence.
        let alternatives = candidates.map(\.element).filter { $0.plan.id != chosen.plan.id && $0.plan.billing == .subscription }
        let stability = self.stability(of: chosen, alternatives: alternatives, context: context, using: &generator)
        let sources = report.plans.flatMap { $0.windows.map(\.source) }
        let calibration = sources.map(\.confidenceFactor).min() ?? 1
        let headroom = chosen.windows.isEmpty
            ? 1 : PlanConfidence.headroom(peak: chosen.peakUtilization, p95: chosen.p95Utilization, limit: options.fitLimit)
        let confidence = PlanConfidence(
            coverage: min(1, report.daysObserved / Double(options.days)), calibration: calibration, stability: stability,
            headroom: headroom, trend: PlanConfidence.trend(growth: context.growth), growth: context.growth,
            resamples: options.resamples)

        // Reasons, with the numbers.
        var reasons = [
            "\(chosen.plan.id) is the cheapest plan that would have carried the last \(options.days) days: \(dollars(chosen.monthlyCost)) a month"
                + (chosen.windows.isEmpty ? "" : ", peak window at \(percent(chosen.peakUtilization)) of its allowance"),
        ]
        for result in report.plans where result.monthlyCost < chosen.monthlyCost && result.plan.id != chosen.plan.id {
            if result.windowsOverLimit > 0 {
                reasons.append(
                    "\(result.plan.id) would have hit its limit in \(result.windowsOverLimit) of \(result.windowCount) windows (peak \(percent(result.peakUtilization)))")
            } else if !result.fits {
                reasons.append("\(result.plan.id) peaks at \(percent(result.peakUtilization)) of its allowance, above the \(limitPercent) fit limit")
            } else {
                reasons.append(
                    "\(result.plan.id) fits today (peak \(percent(result.peakUtilization))) but not with usage growing \(percent(context.growth)) in the last week")
            }
        }
        var saving: Money?
        if let current, let now = report.result(current.id) {
            let difference = now.monthlyCost - chosen.monthlyCost
            saving = difference
            if current.id == chosen.plan.id {
                reasons.append("stay on \(current.id)")
            } else if difference.isNegative {
                reasons.append(
                    "\(dollars(-difference)) a month more than \(current.id), which "
                        + (now.windowsOverLimit > 0 ? "would have cut you off in \(now.windowsOverLimit) windows" : "leaves too little headroom"))
            } else {
                reasons.append("saves \(dollars(difference)) a month against \(current.id)")
            }
        }
        report.recommendation = PlanRecommendation(
            planID: chosen.plan.id, currentPlanID: current?.id, monthlySaving: saving, confidence: confidence, reasons: reasons)

        // Notes on what weakens the answer.
        if confidence.coverage < 0.5 {
            report.notes.append(
                "only \(String(format: "%.1f", report.daysObserved)) of \(options.days) days have data: confidence is low; record or import more usage")
        }
        if !context.hasTrend { report.notes.append("fewer than 14 days observed: no trend measured") }
        let estimated = report.plans.filter { $0.windows.contains { $0.source == .estimate } }.map(\.plan.id)
        if !estimated.isEmpty {
            report.notes.append(
                "the allowances of \(estimated.joined(separator: ", ")) are public estimates; calibrate with --meter session=N%@TIME (your plan's meter) for a stronger answer")
        }
        if report.unpricedRequests > 0 {
            report.notes.append("\(report.unpricedRequests) requests have no price and count as $0: windows may be fuller than shown")
        }
        return report
    }

    /// The share of bootstrap months in which `plan` still fits and is still the cheaper choice: each
    /// month is `days` days drawn with replacement from the observed days; a day fits when its
    /// short windows (sessions, days) fit; long windows (weeks) are summed over consecutive days.
    func stability<G: RandomNumberGenerator>(
        of plan: PlanFitResult, alternatives: [PlanFitResult], context: Context, using generator: inout G
    ) -> Double {
        let observed = Array(context.firstObservedDay..<options.days)
        guard !observed.isEmpty, options.resamples > 0, let days = context.days[plan.plan.id] else { return 0 }
        let cheapestAlternative = alternatives.map(\.monthlyCost).min()
        var stable = 0
        var draw = [Int](repeating: 0, count: options.days)
        for _ in 0..<options.resamples {
            var fits = true
            var cost: Int128 = 0
            for i in 0..<options.days {
                let day = observed[Int.random(in: 0..<observed.count, using: &generator)]
                draw[i] = day
                if !days.dayFits[day] { fits = false }
                cost += context.dailyCost[day]
            }
            for window in days.long where fits && window.blockDays > 0 {
                var start = 0
                while start < options.days && fits {
                    let block = draw[start..<min(options.days, start + window.blockDays)].reduce(Int128(0)) { $0 + window.daily[$1] }
                    if !context.withinLimit(block, window.allowance) { fits = false }
                    start += window.blockDays
                }
            }
            let monthlyAPI = Money(units: cost * Int128(options.monthDays) / Int128(options.days))
            switch plan.plan.billing {
            case .metered where plan.windows.isEmpty:
                if let cheapestAlternative, monthlyAPI > cheapestAlternative { fits = false }
            case .metered:
                break
            case .subscription:
                if monthlyAPI < plan.monthlyPrice { fits = false }
            }
            if fits { stable += 1 }
        }
        return Double(stable) / Double(options.resamples)
    }

    func percent(_ ratio: Double) -> String { String(format: "%.0f%%", ratio * 100) }
    func dollars(_ amount: Money) -> String { "$" + amount.formatted(places: 2) }
}
