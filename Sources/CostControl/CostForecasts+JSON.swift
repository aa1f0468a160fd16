import CostBudget
import CostOptimizer
import CostPricing
import Foundation

// The JSON of `costctl forecast --json` and `costctl anomalies --json` (documented in
// Documentation/Forecasting.md): snake_case keys, exact amounts as decimal strings (`*_usd`),
// statistics as numbers, instants in ISO 8601 in the report's time zone.

extension ForecastReport: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(LocalTime(timeZone).label(.month, month.start), "month")
        try c.encode(LocalTime.iso8601(month.start, in: timeZone), "month_start")
        try c.encode(LocalTime.iso8601(month.end, in: timeZone), "month_end")
        try c.encode(LocalTime.iso8601(at, in: timeZone), "at")
        try c.encode(timeZone.identifier, "time_zone")
        try c.encode(dimension?.name, "group_by")
        try c.encode(forecasts.map(ForecastJSON.init), "forecasts")
        try c.encode(notes, "notes")
    }
}

extension KeyedEncodingContainer where K == JSONKey {
    /// `scope` (`team=search`), `dimension` and `value` (both `null` for all usage).
    mutating func encodeScope(_ scope: CostScope) throws {
        try encode(scope.description, "scope")
        try encode(scope.dimension?.name, "dimension")
        try encode(scope.dimension == nil ? nil : scope.value, "value")
    }
}

struct ForecastJSON: Encodable {
    var forecast: MonthlyCostForecast

    func encode(to encoder: any Encoder) throws {
        let f = forecast
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encodeScope(f.scope)
        try c.encode(f.spent, "spent_usd")
        try c.encode(f.remaining, "remaining_usd")
        try c.encode(f.projected, "projected_usd")
        try c.encode(f.lower, "lower_usd")
        try c.encode(f.upper, "upper_usd")
        try c.encode(0.95, "interval")
        try c.encode(f.standardError, "standard_error_usd")
        try c.encode(f.daysRemaining, "days_remaining")
        try c.encode(f.model.rawValue, "model")
        try c.encode(f.historyDays, "history_days")
        try c.encode(TrendJSON(trend: f.trend), "trend")
        try c.encode(f.budgets.map(BudgetOutlookJSON.init), "budgets")
        try c.encode(f.insufficientData, "insufficient_data")
        try c.encode(f.notes, "notes")
    }
}

struct TrendJSON: Encodable {
    var trend: CostTrend

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(trend.label.rawValue, "label")
        try c.encode(trend.perWeek, "per_week_usd")
        try c.encode(trend.relativePerWeek, "relative_per_week")
        try c.encode(trend.tStatistic, "t_statistic")
    }
}

struct BudgetOutlookJSON: Encodable {
    var outlook: BudgetOutlook

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(outlook.budget, "budget")
        try c.encode(outlook.limit, "limit_usd")
        try c.encode(outlook.projectedOverLimit, "projected_over_limit_usd")
        try c.encode(outlook.projectedUtilization, "projected_utilization")
        try c.encode(outlook.overLimitProbability, "over_limit_probability")
        try c.encode(outlook.status.rawValue, "status")
    }
}

extension AnomalyReport: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(LocalTime.iso8601(since, in: timeZone), "since")
        try c.encode(LocalTime.iso8601(until, in: timeZone), "until")
        try c.encode(granularity.rawValue, "granularity")
        try c.encode(timeZone.identifier, "time_zone")
        try c.encode(dimension?.name, "group_by")
        try c.encode(scopes, "scopes_scanned")
        try c.encode(anomalies.map { AnomalyJSON(anomaly: $0, timeZone: timeZone) }, "anomalies")
        try c.encode(notes, "notes")
    }
}

struct AnomalyJSON: Encodable {
    var anomaly: CostAnomaly
    var timeZone: TimeZone

    func encode(to encoder: any Encoder) throws {
        let a = anomaly
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encodeScope(a.scope)
        try c.encode(a.kind.rawValue, "kind")
        try c.encode(a.granularity.rawValue, "granularity")
        try c.encode(LocalTime.iso8601(a.start, in: timeZone), "start")
        try c.encode(a.direction, "direction")
        try c.encode(a.actual, "actual")
        try c.encode(a.expected, "expected")
        try c.encode(a.deviation, "deviation")
        try c.encode(a.zScore, "z_score")
        try c.encode(a.modifiedZScore, "modified_z_score")
        try c.encode(a.methods, "methods")
        try c.encode(a.cost, "cost_usd")
    }
}
