import CostPricing
import Foundation

/// Stable JSON for `--json` output. Amounts are in the budget's measure (`measure`: `usd`,
/// `tokens` or `requests`): dollars as exact decimal strings, tokens and requests as integers;
/// instants as UTC ISO 8601 with milliseconds; levels by name (`model-downgrade`).
extension BudgetLimit {
    /// `usd`, `tokens` or `requests`.
    public var measureName: String {
        switch self {
        case .money: "usd"
        case .tokens: "tokens"
        case .requests: "requests"
        }
    }

    /// Encodes `units` of this measure: a decimal string for dollars, an integer otherwise.
    func encode(_ units: Int128, to container: inout KeyedEncodingContainer<AnyKey>, forKey key: String) throws {
        switch self {
        case .money: try container.encode(Money(units: units), forKey: AnyKey(key))
        case .tokens, .requests: try container.encode(Int(clamping: units), forKey: AnyKey(key))
        }
    }
}

extension BudgetProjection: Encodable {
    /// `{"budget": …, "measure": "usd", "limit": "100", "spent": …, "held": …, "remaining": …,
    /// "utilization": 0.45, "level": null, "period_start": …, "period_end": …, "rolling": false,
    /// "rate_window_start": …, "rate_window_end": …, "rate_window_spend": …, "burn_rate_per_day": …,
    /// "projected_spend": …, "projected_utilization": …, "projected_exhaustion": …, "days_left": …,
    /// "period_days_left": …, "on_track": true, "exhausted": false}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(budget, forKey: AnyKey("budget"))
        try c.encode(limit.measureName, forKey: AnyKey("measure"))
        try limit.encode(limit.units, to: &c, forKey: "limit")
        try limit.encode(spent, to: &c, forKey: "spent")
        try limit.encode(held, to: &c, forKey: "held")
        try limit.encode(remaining, to: &c, forKey: "remaining")
        try c.encode(utilization, forKey: AnyKey("utilization"))
        try c.encode(level?.description, forKey: AnyKey("level"))
        try c.encode(window.map { Timestamp.formatMilliseconds($0.start) }, forKey: AnyKey("period_start"))
        try c.encode(window.map { Timestamp.formatMilliseconds($0.end) }, forKey: AnyKey("period_end"))
        try c.encode(isRolling, forKey: AnyKey("rolling"))
        try c.encode(Timestamp.formatMilliseconds(rateWindow.start), forKey: AnyKey("rate_window_start"))
        try c.encode(Timestamp.formatMilliseconds(rateWindow.end), forKey: AnyKey("rate_window_end"))
        try limit.encode(rateWindowSpend, to: &c, forKey: "rate_window_spend")
        try limit.encode(burnRatePerDay, to: &c, forKey: "burn_rate_per_day")
        try limit.encode(projectedSpend, to: &c, forKey: "projected_spend")
        try c.encode(projectedUtilization, forKey: AnyKey("projected_utilization"))
        try c.encode(projectedExhaustion.map(Timestamp.formatMilliseconds), forKey: AnyKey("projected_exhaustion"))
        try c.encode(daysLeft, forKey: AnyKey("days_left"))
        try c.encode(periodDaysLeft, forKey: AnyKey("period_days_left"))
        try c.encode(isOnTrack, forKey: AnyKey("on_track"))
        try c.encode(isExhausted, forKey: AnyKey("exhausted"))
    }
}

extension BudgetAlert: Encodable {
    /// `{"id": …, "budget": …, "scope": …, "level": "throttling", "severity": "warning",
    /// "threshold_percent": 90, "measure": "usd", "used": "0.9", "limit": "1", "utilization": 0.9,
    /// "period_start": …, "period_end": …, "at": …, "repeat": false, "message": …}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(id.uuidString.lowercased(), forKey: AnyKey("id"))
        try c.encode(budget, forKey: AnyKey("budget"))
        try c.encode(scope, forKey: AnyKey("scope"))
        try c.encode(level.description, forKey: AnyKey("level"))
        try c.encode(severity, forKey: AnyKey("severity"))
        try c.encode(Double(threshold.basisPoints) / 100, forKey: AnyKey("threshold_percent"))
        try c.encode(limit.measureName, forKey: AnyKey("measure"))
        try limit.encode(used, to: &c, forKey: "used")
        try limit.encode(limit.units, to: &c, forKey: "limit")
        try c.encode(utilization, forKey: AnyKey("utilization"))
        try c.encode(period.map { Timestamp.formatMilliseconds($0.start) }, forKey: AnyKey("period_start"))
        try c.encode(period.map { Timestamp.formatMilliseconds($0.end) }, forKey: AnyKey("period_end"))
        try c.encode(Timestamp.formatMilliseconds(at), forKey: AnyKey("at"))
        try c.encode(isRepeat, forKey: AnyKey("repeat"))
        try c.encode(message, forKey: AnyKey("message"))
    }
}
