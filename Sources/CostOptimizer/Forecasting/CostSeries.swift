import CostBudget
public import CostPricing
public import Foundation

/// What a forecast or an anomaly report is about: everything, or one value of one ledger
/// dimension (`team=search`, `model=gpt-4o`).
public struct CostScope: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `nil`: all usage.
    public var dimension: UsageDimension?
    /// The dimension's value (empty for all usage, or for events without the dimension).
    public var value: String

    public init(dimension: UsageDimension?, value: String) {
        self.dimension = dimension
        self.value = value
    }

    /// All usage.
    public static let all = CostScope(dimension: nil, value: "")

    /// `all`, `team=search`, `team=(none)`.
    public var description: String {
        guard let dimension else { return "all" }
        return "\(dimension.name)=\(value.isEmpty ? "(none)" : value)"
    }

    public static func < (lhs: CostScope, rhs: CostScope) -> Bool { lhs.description < rhs.description }
}

/// Cost and counts per consecutive local day or hour of one scope: the input of forecasts and
/// anomaly detection.
///
/// Amounts are exact (`Money`, summed by the ledger); ``costs`` gives them as `Double` dollars for
/// statistics. Buckets are consecutive in ``timeZone`` (a bucket without events is present with
/// zeros), so position `i` is `i` days or hours after the first.
///
/// For example:
/// ```swift
/// let series = CostSeries(scope: .all, granularity: .day, timeZone: utc, points: points)
/// let forecast = MonthlyCostForecast(series: series, month: november, at: Date())
/// ```
public struct CostSeries: Sendable, Hashable {
    public enum Granularity: String, Sendable, Hashable, Codable, CaseIterable {
        case day, hour
    }

    /// One bucket's sums.
    public struct Point: Sendable, Hashable {
        /// The bucket's first instant.
        public var start: Date
        public var cost: Money
        /// Events (rows) recorded.
        public var events: Int
        /// API requests (an imported event may stand for several).
        public var requests: Int
        /// Input plus output tokens.
        public var tokens: Int
        /// Events whose status was not `ok` (`error` or `rate_limited`).
        public var failures: Int

        public init(start: Date, cost: Money = .zero, events: Int = 0, requests: Int = 0, tokens: Int = 0, failures: Int = 0) {
            self.start = start
            self.cost = cost
            self.events = events
            self.requests = requests
            self.tokens = tokens
            self.failures = failures
        }
    }

    public var scope: CostScope
    public var granularity: Granularity
    public var timeZone: TimeZone
    public var points: [Point]

    public init(scope: CostScope, granularity: Granularity, timeZone: TimeZone, points: [Point]) {
        self.scope = scope
        self.granularity = granularity
        self.timeZone = timeZone
        self.points = points
    }

    /// Each bucket's cost in dollars (for statistics only).
    public var costs: [Double] { points.map { $0.cost.approximateDollars } }

    /// The calendar of ``timeZone`` (Gregorian).
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The weekday of each bucket, 0 = Monday … 6 = Sunday, in ``timeZone``.
    public var weekdays: [Int] {
        let calendar = calendar
        return points.map { CostSeries.weekdayIndex(of: $0.start, in: calendar) }
    }

    /// The local hour (0–23) of each bucket.
    public var hours: [Int] {
        let calendar = calendar
        return points.map { calendar.component(.hour, from: $0.start) }
    }

    /// 0 = Monday … 6 = Sunday.
    public static func weekdayIndex(of date: Date, in calendar: Calendar) -> Int {
        (calendar.component(.weekday, from: date) + 5) % 7
    }
}

extension Money {
    /// The amount in dollars as the nearest `Double`: for statistics and ratios, never for sums.
    public var approximateDollars: Double { units.approximateDouble / 1e18 }

    /// A statistical estimate in dollars as `Money`, rounded to whole micro-dollars (`nil` for
    /// a value that is not finite or beyond $10¹⁸).
    public init?(approximateDollars dollars: Double) {
        guard dollars.isFinite, abs(dollars) < 1e18 else { return nil }
        let micros = Int128((dollars * 1_000_000).rounded())
        self.init(units: micros * 1_000_000_000_000)
    }
}
