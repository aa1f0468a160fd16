public import CostOptimizer
import Foundation

// The JSON of `costctl plans`: snake_case, money as exact decimal strings of dollars, allowances as
// decimal strings in their measure's unit (dollars for api_cost, a count otherwise), utilizations as
// ratios (1 = the whole allowance). Documented in Documentation/Optimizer.md.

/// `costctl plans --fit --json`: per plan `id`, `fits`, `windows_over_limit`, `peak_utilization`,
/// `monthly_price`, …; top level `recommended` with `confidence` and `confidence_components`.
public struct PlanFitJSON: Encodable, Sendable {
    public var report: PlanFitReport

    public init(_ report: PlanFitReport) { self.report = report }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(Timestamp.format(report.since), forKey: AnyKey("since"))
        try c.encode(Timestamp.format(report.until), forKey: AnyKey("until"))
        try c.encode(report.daysAsked, forKey: AnyKey("days"))
        try c.encode(PlanFitJSON.round(report.daysObserved), forKey: AnyKey("days_observed"))
        try c.encode(report.family, forKey: AnyKey("family"))
        try c.encode(report.currentPlanID, forKey: AnyKey("current"))
        try c.encode(PlanFitJSON.round(report.margin), forKey: AnyKey("margin"))
        try c.encode(report.plans.map(PlanResultJSON.init), forKey: AnyKey("plans"))
        let recommendation = report.recommendation
        try c.encode(recommendation?.planID, forKey: AnyKey("recommended"))
        try c.encode(recommendation.map { PlanFitJSON.round($0.confidence.value) }, forKey: AnyKey("confidence"))
        try c.encode(recommendation.map { ConfidenceJSON(confidence: $0.confidence) }, forKey: AnyKey("confidence_components"))
        try c.encode(recommendation?.monthlySaving, forKey: AnyKey("monthly_saving"))
        try c.encode(recommendation?.reasons ?? [], forKey: AnyKey("reasons"))
        try c.encode(report.calibrations.map(CalibrationJSON.init), forKey: AnyKey("calibration"))
        try c.encode(report.requests, forKey: AnyKey("requests"))
        try c.encode(report.refusals, forKey: AnyKey("refusals"))
        try c.encode(report.unpricedRequests, forKey: AnyKey("unpriced_requests"))
        try c.encode(report.notes, forKey: AnyKey("notes"))
    }

    /// Four decimals: enough for a ratio, stable in JSON.
    static func round(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

    /// An allowance in its measure's unit, as an exact decimal string.
    static func amount(_ amount: Int128, _ measure: WindowMeasure) -> String {
        measure == .apiCost ? Money(units: amount).decimalString : String(amount)
    }
}

struct PlanResultJSON: Encodable {
    var result: PlanFitResult

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(result.plan.id, forKey: AnyKey("id"))
        try c.encode(result.plan.name, forKey: AnyKey("name"))
        try c.encode(result.plan.billing.rawValue, forKey: AnyKey("billing"))
        try c.encode(result.fits, forKey: AnyKey("fits"))
        try c.encode(result.fitsWithTrend, forKey: AnyKey("fits_with_trend"))
        try c.encode(result.windowsOverLimit, forKey: AnyKey("windows_over_limit"))
        try c.encode(result.windowCount, forKey: AnyKey("windows"))
        try c.encode(PlanFitJSON.round(result.peakUtilization), forKey: AnyKey("peak_utilization"))
        try c.encode(PlanFitJSON.round(result.p95Utilization), forKey: AnyKey("p95_utilization"))
        try c.encode(result.monthlyPrice, forKey: AnyKey("monthly_price"))
        try c.encode(result.monthlyCost, forKey: AnyKey("monthly_cost"))
        try c.encode(result.apiEquivalentCost, forKey: AnyKey("api_equivalent_cost"))
        try c.encode(result.windows.map(WindowFitJSON.init), forKey: AnyKey("window_fits"))
    }
}

struct WindowFitJSON: Encodable {
    var fit: WindowFit

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(fit.window.kind, forKey: AnyKey("kind"))
        try c.encode(fit.window.models, forKey: AnyKey("models"))
        try c.encode(fit.window.measure.rawValue, forKey: AnyKey("measure"))
        try c.encode(PlanFitJSON.amount(fit.allowance, fit.window.measure), forKey: AnyKey("allowance"))
        try c.encode(fit.source.rawValue, forKey: AnyKey("allowance_source"))
        try c.encode(fit.windowCount, forKey: AnyKey("windows"))
        try c.encode(fit.windowsOverLimit, forKey: AnyKey("windows_over_limit"))
        try c.encode(PlanFitJSON.round(fit.peakUtilization), forKey: AnyKey("peak_utilization"))
        try c.encode(PlanFitJSON.round(fit.p95Utilization), forKey: AnyKey("p95_utilization"))
        try c.encode(fit.peakStart.map(Timestamp.format), forKey: AnyKey("peak_start"))
    }
}

struct ConfidenceJSON: Encodable {
    var confidence: PlanConfidence

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(PlanFitJSON.round(confidence.coverage), forKey: AnyKey("coverage"))
        try c.encode(PlanFitJSON.round(confidence.calibration), forKey: AnyKey("calibration"))
        try c.encode(PlanFitJSON.round(confidence.stability), forKey: AnyKey("stability"))
        try c.encode(PlanFitJSON.round(confidence.headroom), forKey: AnyKey("headroom"))
        try c.encode(PlanFitJSON.round(confidence.trend), forKey: AnyKey("trend"))
        try c.encode(PlanFitJSON.round(confidence.growth), forKey: AnyKey("growth"))
        try c.encode(confidence.resamples, forKey: AnyKey("resamples"))
    }
}

struct CalibrationJSON: Encodable {
    var calibration: WindowCalibration

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(calibration.window, forKey: AnyKey("window"))
        try c.encode(calibration.source.rawValue, forKey: AnyKey("source"))
        try c.encode(PlanFitJSON.amount(calibration.allowance, calibration.measure), forKey: AnyKey("allowance"))
        try c.encode(calibration.measure.rawValue, forKey: AnyKey("measure"))
        try c.encode(calibration.detail, forKey: AnyKey("detail"))
    }
}

/// `costctl plans --json` (no fit): the catalog.
public struct PlanCatalogJSON: Encodable, Sendable {
    public var catalog: PlanCatalog

    public init(_ catalog: PlanCatalog) { self.catalog = catalog }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(catalog.checked, forKey: AnyKey("checked"))
        try c.encode(catalog.plans.map(PlanJSON.init), forKey: AnyKey("plans"))
    }
}

struct PlanJSON: Encodable {
    var plan: SubscriptionPlan

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(plan.id, forKey: AnyKey("id"))
        try c.encode(plan.name, forKey: AnyKey("name"))
        try c.encode(plan.vendor, forKey: AnyKey("vendor"))
        try c.encode(plan.family, forKey: AnyKey("family"))
        try c.encode(plan.providers, forKey: AnyKey("providers"))
        try c.encode(plan.monthlyPrice, forKey: AnyKey("monthly_price"))
        try c.encode(plan.billing.rawValue, forKey: AnyKey("billing"))
        try c.encode(plan.windows.map(WindowJSON.init), forKey: AnyKey("windows"))
        try c.encode(plan.sources, forKey: AnyKey("sources"))
        try c.encode(plan.notes, forKey: AnyKey("notes"))
    }
}

struct WindowJSON: Encodable {
    var window: PlanWindow

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(window.kind, forKey: AnyKey("kind"))
        try c.encode(window.measure.rawValue, forKey: AnyKey("measure"))
        try c.encode(Int(window.length / 3_600), forKey: AnyKey("length_hours"))
        try c.encode(window.anchor.rawValue, forKey: AnyKey("anchor"))
        try c.encode(window.timeZone.identifier, forKey: AnyKey("time_zone"))
        try c.encode(window.models, forKey: AnyKey("models"))
        try c.encode(window.scale.description, forKey: AnyKey("scale"))
        try c.encode(PlanFitJSON.amount(window.allowance, window.measure), forKey: AnyKey("allowance"))
        try c.encode(window.isEstimate, forKey: AnyKey("estimate"))
    }
}
