public import CostOptimizer
public import Foundation

/// `costctl plans` for people: the catalog, or the fit of each plan with the recommendation.
///
/// For example:
/// ```
/// PLAN            PRICE/MO  COST/MO  FITS  OVER LIMIT  PEAK  P95   ALLOWANCES
/// claude-pro      $20.00    $20.00   no    38 of 76    414%  380%  session $7 (estimate), week $133.33 (estimate)
/// claude-max-5x   $100.00   $100.00  yes   0 of 76     83%   71%   session $35 (estimate), week $466.67 (estimate)
/// ```
public enum PlansText {
    /// The catalog: one row per plan with its price, billing and windows, then the sources' date.
    public static func render(catalog: PlanCatalog) -> String {
        let rows = catalog.plans.map { plan in
            [plan.id, plan.name, dollars(plan.monthlyPrice), plan.billing.rawValue, windows(plan.windows)]
        }
        var lines = UsageReportText.table(
            ["PLAN", "NAME", "PRICE/MO", "BILLING", "ALLOWANCES"], rows, rightAligned: [2], separatorBefore: rows.count)
        lines.append("")
        lines.append(
            "Figures from the vendors' public pages"
                + (catalog.checked.map { ", checked \($0)" } ?? "")
                + "; \"estimate\" marks allowances the vendor does not publish (calibrate with plans --fit --meter).")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The fit: a row per plan, the recommendation with its confidence components and reasons, the
    /// calibration and the notes; dates in `timeZone`.
    public static func render(fit report: PlanFitReport, timeZone: TimeZone) -> String {
        var lines: [String] = []
        let range = "\(LocalTime.iso8601(report.since, in: timeZone)) to \(LocalTime.iso8601(report.until, in: timeZone))"
        lines.append(
            "Plan fit over \(report.daysAsked) days (\(range); \(String(format: "%.1f", report.daysObserved)) days observed), "
                + "\(UsageReportText.count(report.requests)) requests"
                + (report.family.map { ", \($0) plans" } ?? "")
                + (report.currentPlanID.map { "; current plan \($0)" } ?? ""))
        lines.append("")
        let rows = report.plans.map { result -> [String] in
            let marker = result.plan.id == report.recommendation?.planID ? "→ " : "  "
            return [
                marker + result.plan.id, dollars(result.monthlyPrice), dollars(result.monthlyCost),
                result.fits ? (result.fitsWithTrend ? "yes" : "yes*") : "no",
                result.windows.isEmpty ? "-" : "\(result.windowsOverLimit) of \(result.windowCount)",
                result.windows.isEmpty ? "-" : percent(result.peakUtilization),
                result.windows.isEmpty ? "-" : percent(result.p95Utilization),
                result.windows.isEmpty ? "none" : result.windows.map { window(window: $0.window, allowance: $0.allowance, source: $0.source) }.joined(separator: ", "),
            ]
        }
        lines += UsageReportText.table(
            ["PLAN", "PRICE/MO", "COST/MO", "FITS", "OVER LIMIT", "PEAK", "P95", "ALLOWANCES"], rows,
            rightAligned: [1, 2, 5, 6], separatorBefore: rows.count)
        if report.plans.contains(where: { $0.fits && !$0.fitsWithTrend }) {
            lines.append("yes* fits the last \(report.daysAsked) days but not with the usage trend")
        }
        lines.append("")
        if let recommendation = report.recommendation {
            var head = "Recommended: \(recommendation.planID)"
            if let saving = recommendation.monthlySaving, let current = recommendation.currentPlanID, current != recommendation.planID {
                head += saving.isNegative ? " (\(dollars(-saving)) a month more)" : " (saves \(dollars(saving)) a month)"
            }
            let c = recommendation.confidence
            head += String(
                format: "; confidence %.2f = coverage %.2f × calibration %.2f × (0.4 × stability %.2f + 0.3 × headroom %.2f + 0.3 × trend %.2f)",
                c.value, c.coverage, c.calibration, c.stability, c.headroom, c.trend)
            lines.append(head)
            lines += recommendation.reasons.map { "  - " + $0 }
        } else {
            lines.append("No recommendation.")
        }
        if !report.calibrations.isEmpty {
            lines.append("")
            lines.append("Calibration of \(report.currentPlanID ?? "the current plan"):")
            lines += report.calibrations.map {
                "  \($0.window): \($0.measure.text($0.allowance)) from \(sourceName($0.source)) (\($0.detail))"
            }
        }
        if !report.notes.isEmpty {
            lines.append("")
            lines += report.notes.map { "Note: " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func windows(_ windows: [PlanWindow]) -> String {
        if windows.isEmpty { return "no usage windows" }
        return windows.map { window(window: $0, allowance: $0.allowance, source: $0.isEstimate ? .estimate : nil) }
            .joined(separator: ", ")
    }

    /// `session $35.00 (estimate)`, `day gemini-2.5-pro 100 requests (published)`.
    static func window(window: PlanWindow, allowance: Int128, source: CalibrationSource?) -> String {
        let models = window.models.isEmpty ? "" : " \(window.models.joined(separator: ","))"
        return "\(window.kind)\(models) \(window.measure.text(allowance))" + (source.map { " (\(sourceName($0)))" } ?? "")
    }

    static func sourceName(_ source: CalibrationSource) -> String {
        switch source {
        case .meter: "meter"
        case .rateLimit: "rate limit"
        case .published: "published"
        case .estimate: "estimate"
        }
    }

    static func dollars(_ amount: Money) -> String { amount.formatted(places: 2, currencySymbol: true) }
    static func percent(_ ratio: Double) -> String { String(format: "%.0f%%", ratio * 100) }
}
