/// How sure a plan recommendation is, in [0, 1], with the components it is made of.
///
/// `value = coverage × calibration × (0.4 × stability + 0.3 × headroom + 0.3 × trend)`:
///
/// - **coverage**: days observed ÷ days asked (at most 1). Few days make every other figure weak,
///   so it multiplies.
/// - **calibration**: the weakest source of the allowances compared
///   (``CalibrationSource/confidenceFactor``: meter 1, published 0.95, rate limit 0.9, estimate 0.7).
/// - **stability**: the share of bootstrap months (the observed days resampled with replacement)
///   in which the plan still fits and is still cheaper than the API.
/// - **headroom**: `1 − ½·s(peak) − ½·s(p95)` where `s(u)` rises linearly from 0 at 50% utilization
///   to 1 at the fit limit (90% with the default margin): a plan used at half its allowance or less
///   has full headroom.
/// - **trend**: `1 − max(0, growth − 0.1)` clamped to [0, 1], where growth is how far the last 7
///   days' mean daily usage is above the earlier days' mean beyond day-to-day noise:
///   `max(0, last − earlier − 1.645·SE) / earlier`, SE the Welch standard error of the difference
///   (needs 14 observed days; 1 otherwise).
///
/// See Documentation/Optimizer.md for a worked example.
public struct PlanConfidence: Sendable, Hashable {
    public var value: Double
    public var coverage: Double
    public var calibration: Double
    public var stability: Double
    public var headroom: Double
    public var trend: Double
    /// The growth of daily usage behind ``trend`` (0.25 = last week 25% above the weeks before).
    public var growth: Double
    /// The number of bootstrap months behind ``stability``.
    public var resamples: Int

    public init(coverage: Double, calibration: Double, stability: Double, headroom: Double, trend: Double, growth: Double, resamples: Int) {
        self.coverage = coverage
        self.calibration = calibration
        self.stability = stability
        self.headroom = headroom
        self.trend = trend
        self.growth = growth
        self.resamples = resamples
        value = PlanConfidence.combine(
            coverage: coverage, calibration: calibration, stability: stability, headroom: headroom, trend: trend)
    }

    /// The formula, on components in [0, 1].
    public static func combine(coverage: Double, calibration: Double, stability: Double, headroom: Double, trend: Double) -> Double {
        clamp(clamp(coverage) * clamp(calibration) * (0.4 * clamp(stability) + 0.3 * clamp(headroom) + 0.3 * clamp(trend)))
    }

    /// Headroom from the peak and p95 utilization under the plan, against the fit limit (0.9 by default).
    public static func headroom(peak: Double, p95: Double, limit: Double) -> Double {
        func s(_ u: Double) -> Double { limit > 0.5 ? clamp((u - 0.5) / (limit - 0.5)) : (u > limit ? 1 : 0) }
        return clamp(1 - 0.5 * s(peak) - 0.5 * s(p95))
    }

    /// The trend component from the growth of daily usage: growth up to 10% costs nothing, each
    /// further 10 points cost 0.1.
    public static func trend(growth: Double) -> Double { clamp(1 - max(0, growth - 0.1)) }

    static func clamp(_ x: Double) -> Double { x.isNaN ? 0 : min(1, max(0, x)) }
}
