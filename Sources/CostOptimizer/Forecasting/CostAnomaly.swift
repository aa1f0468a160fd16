public import CostPricing
public import Foundation

/// Something unusual in one bucket of one scope: cost, tokens per request, or the failure share.
public struct CostAnomaly: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Cost far from its seasonal baseline (spike or drop).
        case cost
        /// Tokens per request far above its baseline.
        case tokensPerRequest = "tokens_per_request"
        /// The share of events with status `error` or `rate_limited` jumped.
        case errorRate = "error_rate"
    }

    public var scope: CostScope
    public var kind: Kind
    public var granularity: CostSeries.Granularity
    /// The bucket's first instant.
    public var start: Date
    /// The observed value: dollars, tokens per request, or a share (0…1).
    public var actual: Double
    /// The baseline's expected value in the same unit.
    public var expected: Double
    /// actual − expected.
    public var deviation: Double { actual - expected }
    /// The classical z-score (binomial z for error rates).
    public var zScore: Double?
    /// The robust modified z-score (`nil` for error rates).
    public var modifiedZScore: Double?
    /// The tests that flagged it (`z_score`, `median_mad`, or `binomial` for error rates).
    public var methods: [String]
    /// The bucket's exact cost (for every kind: what the bucket cost).
    public var cost: Money

    /// `spike` above the expected value, `drop` below.
    public var direction: String { actual >= expected ? "spike" : "drop" }

    public init(
        scope: CostScope, kind: Kind, granularity: CostSeries.Granularity, start: Date, actual: Double, expected: Double,
        zScore: Double?, modifiedZScore: Double?, methods: [String], cost: Money
    ) {
        self.scope = scope
        self.kind = kind
        self.granularity = granularity
        self.start = start
        self.actual = actual
        self.expected = expected
        self.zScore = zScore
        self.modifiedZScore = modifiedZScore
        self.methods = methods
        self.cost = cost
    }
}

/// Finds ``CostAnomaly``s in a ``CostSeries``: cost spikes and drops, tokens-per-request spikes
/// and failure-share jumps, each against a trailing baseline with weekly seasonality removed.
///
/// Cost is not scored where a slot's buckets usually hold fewer than ``minimumTypicalEvents``
/// events (quiet night hours of a small user). Cost and tokens per request are scored on a log scale (relative changes; see
/// ``SeasonalAnomalyDetector/logOffset``), the failure share by a binomial test.
/// Daily series: baseline the 56 days before the point (at least 21 with data), seasonality the
/// weekday. Hourly series: baseline the 336 hours before (at least 168), seasonality the hour of
/// day and the weekday. The failure share's baseline is the 28 days (168 hours) before. Seasonal
/// effects are estimated over the whole series given, so give it several weeks before `start`
/// (the CLI reads 12 weeks before a daily scan and 4 before an hourly one). See ``SeasonalAnomalyDetector`` and ``ErrorRateJumpDetector`` for the tests
/// and thresholds.
///
/// For example:
/// ```swift
/// let anomalies = CostAnomalyScan().scan(series, from: fourteenDaysAgo)
/// ```
public struct CostAnomalyScan: Sendable, Hashable {
    /// A cost deviation below this is not reported ($0.01 by default).
    public var minimumCostDeviation: Money
    /// Buckets with fewer requests have no tokens-per-request value.
    public var minimumRequests = 5
    /// Cost is not scored in a seasonal slot (an hour of the day, a weekday) whose buckets usually
    /// hold fewer events than this (median over the series): the cost of a handful of calls is the
    /// size of one call, not a level that can be anomalous.
    public var minimumTypicalEvents = 5
    public var zThreshold = 3.0
    public var robustThreshold = 3.5

    public init(minimumCostDeviation: Money = Money(units: Money.unitsPerDollar / 100)) {
        self.minimumCostDeviation = minimumCostDeviation
    }

    /// The anomalies of the buckets of `series` that start at or after `start`, oldest first.
    public func scan(_ series: CostSeries, from start: Date) -> [CostAnomaly] {
        let points = series.points
        guard let first = points.firstIndex(where: { $0.start >= start }) else { return [] }
        let hourly = series.granularity == .hour
        let baseline = hourly ? 336 : 56
        let minimum = hourly ? 168 : 21
        let seasons = hourly ? [series.hours, series.weekdays] : [series.weekdays]
        // the series starts where the scope starts: leading empty buckets are not a baseline of zeros
        let active = points.firstIndex { $0.events > 0 } ?? points.count
        func leading<T>(_ values: [T?]) -> [T?] { values.indices.map { $0 < active ? nil : values[$0] } }

        var anomalies: [CostAnomaly] = []
        var detector = SeasonalAnomalyDetector(
            baselineLength: baseline, minimumBaseline: minimum, trendPeriod: hourly ? 168 : 7, minimumDeviation: minimumCostDeviation.approximateDollars)
        detector.zThreshold = zThreshold
        detector.robustThreshold = robustThreshold
        let costs = leading(series.costs)
        detector.logOffset = Self.logOffset(costs.compactMap { $0 }, floor: minimumCostDeviation.approximateDollars)
        let typical = Self.typicalEvents(points.map(\.events), slots: seasons[0], from: active)
        for f in detector.scan(values: costs, seasons: seasons, from: first)
        where (typical[seasons[0][f.index]] ?? 0) >= Double(minimumTypicalEvents) {
            anomalies.append(anomaly(.cost, f, series))
        }

        let perRequest: [Double?] = points.map {
            $0.requests >= minimumRequests ? Double($0.tokens) / Double($0.requests) : nil
        }
        var tokens = detector
        tokens.direction = .up
        tokens.minimumDeviation = 0
        tokens.logOffset = 1
        for f in tokens.scan(values: leading(perRequest), seasons: seasons, from: first) {
            anomalies.append(anomaly(.tokensPerRequest, f, series))
        }

        var errors = ErrorRateJumpDetector(baselineLength: hourly ? 168 : 28)
        errors.zThreshold = zThreshold
        for f in errors.scan(events: points.map(\.events), failures: points.map(\.failures), from: first) {
            anomalies.append(
                CostAnomaly(
                    scope: series.scope, kind: .errorRate, granularity: series.granularity, start: points[f.index].start,
                    actual: f.actual, expected: f.expected, zScore: f.zScore, modifiedZScore: nil, methods: ["binomial"],
                    cost: points[f.index].cost))
        }
        return anomalies.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
    }

    /// The median number of events per bucket in each slot, from `start` on.
    static func typicalEvents(_ events: [Int], slots: [Int], from start: Int) -> [Int: Double] {
        var bySlot: [Int: [Double]] = [:]
        for i in max(0, start)..<events.count { bySlot[slots[i], default: []].append(Double(events[i])) }
        return bySlot.mapValues { SampleSummary.median($0) }
    }

    /// The offset of the log scale: 1% of the median non-zero value, at least `floor` (and above 0).
    static func logOffset(_ values: [Double], floor: Double) -> Double {
        let positive = values.filter { $0 > 0 }
        return max(floor, SampleSummary.median(positive) * 0.01, 1e-9)
    }

    func anomaly(_ kind: CostAnomaly.Kind, _ f: SeasonalAnomalyDetector.Finding, _ series: CostSeries) -> CostAnomaly {
        let point = series.points[f.index]
        return CostAnomaly(
            scope: series.scope, kind: kind, granularity: series.granularity, start: point.start, actual: f.actual,
            expected: f.expected, zScore: f.zScore, modifiedZScore: f.modifiedZScore, methods: f.methods.map(\.rawValue),
            cost: point.cost)
    }
}
