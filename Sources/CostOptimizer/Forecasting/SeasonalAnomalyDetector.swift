import Foundation

/// Scores points of a series against a trailing baseline after removing seasonality: a classical
/// z-score and a robust score in the manner of Iglewicz and Hoaglin's modified z-score.
///
/// **Scale.** With ``logOffset`` set (what cost and tokens per request use), every value `v` is
/// replaced by `log(v + offset)` first, so that multiplicative effects (weekends at a third of
/// weekdays, nights at a twentieth of the peak) become additive and a relative change scores the
/// same at any level; the offset keeps empty buckets finite. Expected values are transformed back.
///
/// **Deseasonalizing** (classical decomposition, made robust). The trend-cycle is a centered moving
/// average over ``trendPeriod`` points (7 for days, 168 for hours: one week; a 2×P average for an
/// even P; flat at the ends). Each seasonal component (the weekday for daily series; the hour of
/// day and the weekday for hourly ones) is an additive effect per slot: the median, over the
/// series, of what is left after the trend and the other components (backfitted twice). Medians
/// keep planted spikes out of the effects.
///
/// **Scoring.** Point `t` is compared with the deseasonalized values `d` of the ``baselineLength``
/// points before it (not itself), around a line so that a steady trend is not an anomaly:
/// - the classical score fits the line by least squares and divides the point's residual by its
///   prediction standard error `s · √(1 + 1/n + (t − ī)² / Sxx)`;
/// - the robust score uses Tukey's resistant line (slope through the medians of the first and last
///   thirds; intercept the median) and `0.6745 · residual / MAD` of the baseline's residuals (with the
///   mean-absolute-deviation fallback of ``SampleSummary/modifiedZScore(_:)``), scaled by the same factor.
///
/// A point is flagged when |z| > ``zThreshold`` (3) or |M| > ``robustThreshold`` (3.5, Iglewicz and
/// Hoaglin's recommendation), in the requested direction, and its deviation from the expected
/// value is at least ``minimumDeviation``. The expected value is the robust line at `t` plus the
/// point's seasonal effects. The least-squares score is pulled by earlier anomalies in the
/// baseline; the robust one is not, which is why both are computed.
public struct SeasonalAnomalyDetector: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, Codable {
        /// Above and below the expected value.
        case both
        /// Only above.
        case up
    }

    public var zThreshold = 3.0
    public var robustThreshold = 3.5
    /// Points in the trailing baseline.
    public var baselineLength: Int
    /// Points with a value the baseline needs before a point is scored.
    public var minimumBaseline: Int
    /// The smallest |actual − expected| worth reporting (in the series' unit).
    public var minimumDeviation: Double
    public var direction: Direction
    /// Score `log(value + logOffset)` instead of the value (`nil`: the values as they are).
    public var logOffset: Double?
    /// The length of the moving average that estimates the trend-cycle before seasonal effects
    /// (one full seasonal cycle: 7 days, 168 hours).
    public var trendPeriod: Int

    public init(
        baselineLength: Int, minimumBaseline: Int, trendPeriod: Int = 7, minimumDeviation: Double = 0, direction: Direction = .both
    ) {
        self.baselineLength = baselineLength
        self.minimumBaseline = minimumBaseline
        self.trendPeriod = trendPeriod
        self.minimumDeviation = minimumDeviation
        self.direction = direction
    }

    /// Which test flagged a point.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// |z| > 3 against the baseline's least-squares line and residual standard deviation.
        case zScore = "z_score"
        /// |M| > 3.5 against the baseline's resistant line and the MAD of its residuals.
        case robust = "median_mad"
    }

    /// A flagged point.
    public struct Finding: Sendable, Hashable {
        public var index: Int
        public var actual: Double
        public var expected: Double
        /// actual − expected.
        public var deviation: Double
        public var zScore: Double?
        public var modifiedZScore: Double?
        public var methods: [Method]
    }

    /// The flagged points among `values[from...]`.
    ///
    /// For example:
    /// ```swift
    /// let detector = SeasonalAnomalyDetector(baselineLength: 56, minimumBaseline: 21)
    /// let findings = detector.scan(values: daily, seasons: [weekdays], from: daily.count - 14)
    /// ```
    /// - parameters:
    ///   - values: the series; `nil` where a point has no value (it is neither scored nor used as baseline).
    ///   - seasons: one array per seasonal component, giving each point's slot (same length as `values`).
    ///   - from: the first index to score.
    public func scan(values: [Double?], seasons: [[Int]], from start: Int) -> [Finding] {
        let scaled = values.map { $0.map(transform) }
        let effects = Self.seasonalEffects(values: scaled, seasons: seasons, trendPeriod: trendPeriod)
        let adjusted = scaled.indices.map { i in scaled[i].map { $0 - effects[i] } }
        var findings: [Finding] = []
        for t in max(0, start)..<values.count {
            guard let actual = values[t], let d = adjusted[t] else { continue }
            var xs: [Double] = []
            var ys: [Double] = []
            for i in max(0, t - baselineLength)..<t {
                guard let y = adjusted[i] else { continue }
                xs.append(Double(i))
                ys.append(y)
            }
            guard xs.count >= max(3, minimumBaseline), let score = Self.score(d, at: Double(t), xs: xs, ys: ys) else { continue }
            let expected = inverse(score.robustFit + effects[t])
            let deviation = actual - expected
            guard abs(deviation) >= minimumDeviation, direction == .both || deviation > 0 else { continue }
            var methods: [Method] = []
            if let z = score.z, abs(z) > zThreshold, direction == .both || z > 0 { methods.append(.zScore) }
            if let m = score.m, abs(m) > robustThreshold, direction == .both || m > 0 { methods.append(.robust) }
            guard !methods.isEmpty else { continue }
            findings.append(
                Finding(
                    index: t, actual: actual, expected: expected, deviation: deviation, zScore: score.z, modifiedZScore: score.m,
                    methods: methods))
        }
        return findings
    }

    /// Both scores of `y` at `x` against the baseline points (`xs`, `ys`).
    static func score(_ y: Double, at x: Double, xs: [Double], ys: [Double]) -> (z: Double?, m: Double?, robustFit: Double)? {
        let n = Double(xs.count)
        let xm = xs.reduce(0, +) / n
        let ym = ys.reduce(0, +) / n
        let sxx = xs.reduce(0) { $0 + ($1 - xm) * ($1 - xm) }
        guard sxx > 0 else { return nil }
        let slope = zip(xs, ys).reduce(0) { $0 + ($1.0 - xm) * ($1.1 - ym) } / sxx
        let intercept = ym - slope * xm
        let residuals = zip(xs, ys).map { $1 - (intercept + slope * $0) }
        let s = (residuals.reduce(0) { $0 + $1 * $1 } / max(1, n - 2)).squareRoot()
        let factor = (1 + 1 / n + (x - xm) * (x - xm) / sxx).squareRoot()
        let z: Double? = s > 0 ? (y - (intercept + slope * x)) / (s * factor) : nil

        // Tukey's resistant line: slope through the medians of the outer thirds
        let third = max(1, xs.count / 3)
        let left = (SampleSummary.median(Array(xs.prefix(third))), SampleSummary.median(Array(ys.prefix(third))))
        let right = (SampleSummary.median(Array(xs.suffix(third))), SampleSummary.median(Array(ys.suffix(third))))
        let robustSlope = right.0 > left.0 ? (right.1 - left.1) / (right.0 - left.0) : 0
        let robustIntercept = SampleSummary.median(zip(xs, ys).map { $1 - robustSlope * $0 })
        let robustFit = robustIntercept + robustSlope * x
        let spread = SampleSummary(zip(xs, ys).map { $1 - (robustIntercept + robustSlope * $0) })
        let m = spread.modifiedZScore(y - robustSlope * x - robustIntercept + spread.median).map { $0 / factor }
        return (z, m, robustFit)
    }

    func transform(_ value: Double) -> Double {
        guard let logOffset else { return value }
        return log(max(0, value) + logOffset)
    }

    func inverse(_ value: Double) -> Double {
        guard let logOffset else { return value }
        return max(0, exp(value) - logOffset)
    }

    /// Each point's total seasonal effect (0 without components).
    static func seasonalEffects(values: [Double?], seasons: [[Int]], trendPeriod: Int) -> [Double] {
        var total = [Double](repeating: 0, count: values.count)
        let components = seasons.filter { $0.count == values.count }
        guard !components.isEmpty else { return total }
        let trend = movingAverage(values, period: trendPeriod)
        let detrended = values.indices.map { i in values[i].flatMap { v in trend[i].map { v - $0 } } }
        var effects = components.map { _ in [Int: Double]() }
        for _ in 0..<2 {
            for (c, slots) in components.enumerated() {
                var bySlot: [Int: [Double]] = [:]
                for i in values.indices {
                    guard var r = detrended[i] else { continue }
                    for (o, other) in components.enumerated() where o != c { r -= effects[o][other[i]] ?? 0 }
                    bySlot[slots[i], default: []].append(r)
                }
                effects[c] = bySlot.mapValues { SampleSummary.median($0) }
            }
        }
        for i in values.indices {
            for (c, slots) in components.enumerated() { total[i] += effects[c][slots[i]] ?? 0 }
        }
        return total
    }

    /// The centered moving average over `period` points (a 2×P average for an even P), over the
    /// points with a value when at least half the window has one; flat beyond the first and last
    /// centered windows; `nil` where no window qualifies.
    static func movingAverage(_ values: [Double?], period: Int) -> [Double?] {
        let n = values.count
        let half = max(1, period) / 2
        var result = [Double?](repeating: nil, count: n)
        guard period > 1, n > 2 * half else { return values.isEmpty ? [] : [Double?](repeating: SampleSummary(values.compactMap { $0 }).mean, count: n) }
        for i in half..<(n - half) {
            var sum = 0.0
            var weight = 0.0
            for k in -half...half {
                guard let v = values[i + k] else { continue }
                let w = period % 2 == 0 && abs(k) == half ? 0.5 : 1
                sum += w * v
                weight += w
            }
            if weight >= Double(period) / 2 { result[i] = sum / weight }
        }
        if let first = result.firstIndex(where: { $0 != nil }), let last = result.lastIndex(where: { $0 != nil }) {
            for i in 0..<first { result[i] = result[first] }
            for i in (last + 1)..<n { result[i] = result[last] }
        }
        return result
    }
}

/// Jumps in the share of failed events (status `error` or `rate_limited`) per bucket.
///
/// Point `t` is compared with the pooled share of the ``baselineLength`` buckets before it,
/// `p₀ = (failures + ½) / (events + 1)` (the ½ keeps a clean baseline from making any single
/// failure infinitely surprising), by the binomial z-statistic `z = (pₜ − p₀) / √(p₀(1 − p₀)/nₜ)`.
/// A jump is flagged when z > ``zThreshold`` (3), the bucket has at least ``minimumEvents`` events
/// and the share rose by at least ``minimumJump`` (5 percentage points).
public struct ErrorRateJumpDetector: Sendable, Hashable {
    public var zThreshold = 3.0
    public var minimumEvents = 10
    public var minimumJump = 0.05
    public var baselineLength: Int
    /// Events the baseline needs before a point is scored.
    public var minimumBaselineEvents = 20

    public init(baselineLength: Int) {
        self.baselineLength = baselineLength
    }

    public struct Finding: Sendable, Hashable {
        public var index: Int
        /// The bucket's failure share.
        public var actual: Double
        /// The baseline's pooled share.
        public var expected: Double
        public var zScore: Double
        public var events: Int
        public var failures: Int
    }

    /// The jumps among `events[from...]`, `failures[from...]`.
    ///
    /// For example:
    /// ```swift
    /// let jumps = ErrorRateJumpDetector(baselineLength: 28).scan(events: e, failures: f, from: 42)
    /// ```
    public func scan(events: [Int], failures: [Int], from start: Int) -> [Finding] {
        guard events.count == failures.count else { return [] }
        var findings: [Finding] = []
        for t in max(0, start)..<events.count where events[t] >= minimumEvents {
            let range = max(0, t - baselineLength)..<t
            let baseEvents = events[range].reduce(0, +)
            guard baseEvents >= minimumBaselineEvents else { continue }
            let baseFailures = failures[range].reduce(0, +)
            let p0 = (Double(baseFailures) + 0.5) / (Double(baseEvents) + 1)
            let p = Double(failures[t]) / Double(events[t])
            let z = (p - p0) / (p0 * (1 - p0) / Double(events[t])).squareRoot()
            guard z > zThreshold, p - p0 >= minimumJump else { continue }
            findings.append(Finding(index: t, actual: p, expected: p0, zScore: z, events: events[t], failures: failures[t]))
        }
        return findings
    }
}
