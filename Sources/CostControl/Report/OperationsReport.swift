public import CostBudget
public import CostOptimizer
public import CostPricing
public import Foundation

/// The operations report: what a day, week, month or range of LLM usage cost, how it compares with
/// the period before, where the budgets stand, the top models, teams and operations, the cache hit
/// rate, the anomalies, the open recommendations and the month's projection against its budgets.
///
/// One entry point builds it from the stores and one renders it, for the CLI (`costctl report`)
/// and the daemon's daily report alike:
///
/// For example:
/// ```swift
/// let report = try await OperationsReport.build(
///     ledger: ledger, budgets: budgetStore, recommendations: recommendationStore,
///     kind: .daily, timeZone: TimeZone(identifier: "Europe/Berlin")!)   // yesterday in Berlin
/// let email = try report.render(.text)        // aligned columns for a terminal or an email
/// let chat = try report.render(.markdown)     // headings and tables for Slack, Teams, …
/// let page = try report.render(.html)         // one self-contained page with SVG charts
/// ```
///
/// Every figure is read from the ledger and the stores; money is exact (``Money``), ratios and
/// statistics are `Double`. Periods are cut at local midnight in the report's time zone.
public struct OperationsReport: Sendable, Hashable {
    /// The period a report covers.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// One local day (default: yesterday).
        case daily
        /// One ISO week, Monday to Sunday (default: the last complete week).
        case weekly
        /// One calendar month (default: the last complete month).
        case monthly
        /// From a start (default: 30 days ago, today included) to now.
        case range
    }

    /// Counts and cost of a period.
    public struct Totals: Sendable, Hashable {
        public var cost: Money
        public var requests: Int
        public var events: Int
        /// Input (cache reads and writes included) plus output.
        public var tokens: Int
        public var inputTokens: Int
        public var outputTokens: Int
        public var cacheReadTokens: Int
        public var errors: Int
        public var rateLimited: Int
        /// Events without a price (their cost is not in ``cost``).
        public var unpriced: Int

        public init(_ t: UsageTotals) {
            cost = t.cost
            requests = t.usage.requests
            events = t.events
            tokens = t.tokens
            inputTokens = t.usage.inputTokens
            outputTokens = t.usage.outputTokens
            cacheReadTokens = t.usage.cacheReadTokens
            errors = t.errors
            rateLimited = t.rateLimited
            unpriced = t.unpriced
        }

        /// The cache-read share of input tokens (`nil` without input).
        public var cacheHitRate: Double? {
            inputTokens > 0 ? Double(cacheReadTokens) / Double(inputTokens) : nil
        }

        /// Cost per request, exact to 10⁻¹⁸ USD (`nil` without requests).
        public var averageCost: Money? { OperationsReport.average(cost, over: requests) }
    }

    /// This period against the one before.
    public struct Change: Sendable, Hashable {
        public var cost: Money
        /// Relative change (0.25 = +25%); `nil` when the previous period had none.
        public var costRatio: Double?
        public var requestsRatio: Double?
        public var tokensRatio: Double?
        /// Cache hit rate now minus before, in points of share (0.05 = +5 points).
        public var cacheHitRateDelta: Double?
    }

    /// One row of a top list.
    public struct Line: Sendable, Hashable {
        /// The dimension's value; `(none)` for events without one, `(others)` for the rest.
        public var name: String
        public var requests: Int
        public var tokens: Int
        public var cost: Money
        /// Cost per request (`nil` without requests).
        public var averageCost: Money?
        /// Share of the period's cost, 0…1.
        public var share: Double
    }

    /// One local day of the timeline: cost per provider, in the order of ``Timeline/providers``.
    public struct TimelineDay: Sendable, Hashable {
        public var day: Date
        public var costs: [Money]
        public var total: Money { costs.reduce(Money.zero, +) }
    }

    /// Daily cost by provider over the weeks up to the period's end (the HTML report's chart).
    public struct Timeline: Sendable, Hashable {
        public var window: PeriodWindow
        /// The costliest providers, then `other` when there are more.
        public var providers: [String]
        public var days: [TimelineDay]
        /// Anomalies found on the timeline's days (all usage, per team, per model).
        public var anomalies: [CostAnomaly]
    }

    /// The month's cumulative cost, day by day: what was spent, then the forecast with its 95% interval.
    public struct ForecastPoint: Sendable, Hashable {
        /// The local day.
        public var day: Date
        /// Spent from the month's start to the end of this day (days that have begun).
        public var actual: Money?
        /// Forecast of the same sum, and its 95% interval (days not yet over).
        public var expected: Money?
        public var lower: Money?
        public var upper: Money?
    }

    /// A scope's month projection against one of its monthly money budgets.
    public struct MonthOutlook: Sendable, Hashable {
        /// `all` or `team=growth`.
        public var scope: String
        public var projected: Money
        public var lower: Money
        public var upper: Money
        public var outlook: BudgetOutlook
    }

    public var kind: Kind
    public var period: PeriodWindow
    public var previousPeriod: PeriodWindow
    public var timeZone: TimeZone
    /// When it was built (budget states, recommendations and the projection are as of this instant).
    public var generatedAt: Date
    /// The period is over (a report of the current period is partial).
    public var isComplete: Bool

    public var totals: Totals
    public var previousTotals: Totals
    public var change: Change

    /// Every budget's current state and projection.
    public var budgets: [BudgetStatusReport]
    public var topModels: [Line]
    public var topTeams: [Line]
    public var topOperations: [Line]
    /// Anomalies on the period's days, oldest first.
    public var anomalies: [CostAnomaly]
    /// The open (pending or accepted, not stale) recommendations, highest priority first, at most ``Options/top``.
    public var recommendations: [RecommendationRecord]
    /// All open recommendations: how many, and their monthly saving together.
    public var openRecommendations: Int
    public var openMonthlySaving: Money

    /// The current month's forecast of all usage (`nil` when the ledger is empty).
    public var monthForecast: MonthlyCostForecast?
    /// Monthly money budgets (global and per team) against their scope's projection.
    public var monthOutlooks: [MonthOutlook]
    /// The current month day by day (the HTML report's forecast chart).
    public var forecastPath: [ForecastPoint]
    public var timeline: Timeline
    public var notes: [String]

    /// How much a report reads and shows.
    public struct Options: Sendable, Hashable {
        /// Rows of each top list (the rest is folded into `(others)`), and recommendations shown.
        public var top = 5
        /// Days of the timeline (HTML): at least the period, and this many days up to its end.
        public var timelineDays = 30
        /// Providers drawn separately on the timeline (the rest is `other`).
        public var timelineProviders = 5

        public init() {}

        /// A copy changed by `update`.
        public func with(_ update: (inout Options) -> Void) -> Options {
            var copy = self
            update(&copy)
            return copy
        }
    }

    /// `cost / requests`, exact (half-to-even at 10⁻¹⁸ USD); `nil` without requests.
    static func average(_ cost: Money, over requests: Int) -> Money? {
        guard requests > 0 else { return nil }
        return try? cost.prorated(count: 1, per: requests)
    }
}

// MARK: - Periods

extension OperationsReport {
    /// The window a report of `kind` covers, and the one before it to compare with.
    ///
    /// With `date`, the day, ISO week or month containing it; without, the last complete one
    /// (yesterday, last week, last month). `.range` runs from `since` (default: local midnight 29
    /// days ago) to `now`, and compares with as long a window just before.
    ///
    /// For example:
    /// ```swift
    /// let (period, previous) = try OperationsReport.periods(kind: .weekly, date: nil, since: nil, timeZone: utc, at: Date())
    /// ```
    /// - throws: ``ControlError`` `.invalidInput` when the period starts after `now`.
    public static func periods(kind: Kind, date: Date?, since: Date?, timeZone: TimeZone, at now: Date) throws
        -> (period: PeriodWindow, previous: PeriodWindow)
    {
        let local = LocalTime(timeZone)
        let bucket: TimeBucket
        switch kind {
        case .range:
            let start = since ?? local.startOfDay(now, minusDays: 29)
            guard start < now else {
                throw ControlError(code: .invalidInput, message: "the report's start \(Timestamp.format(start)) is not before now; use --since 30d or a past date")
            }
            let length = now.timeIntervalSince(start)
            return (PeriodWindow(start: start, end: now), PeriodWindow(start: start.addingTimeInterval(-length), end: start))
        case .daily: bucket = .day
        case .weekly: bucket = .week
        case .monthly: bucket = .month
        }
        let anchor = date ?? local.bucketStart(bucket, containing: now).addingTimeInterval(-1)
        let start = local.bucketStart(bucket, containing: anchor)
        guard start <= now else {
            throw ControlError(
                code: .invalidInput,
                message: "--date \(LocalTime.iso8601(anchor, in: timeZone).prefix(10)) is in the future; a report covers a period that has begun")
        }
        let end = local.nextBucketStart(bucket, after: start)
        let previousStart = local.bucketStart(bucket, containing: start.addingTimeInterval(-1))
        return (PeriodWindow(start: start, end: end), PeriodWindow(start: previousStart, end: start))
    }

    /// `2026-11-21`, `2026-W47 (2026-11-16 – 2026-11-22)`, `2026-11`, or `2026-10-24 – 2026-11-22`.
    public var periodLabel: String {
        let local = LocalTime(timeZone)
        let last = period.end.addingTimeInterval(-1)
        switch kind {
        case .daily: return local.label(.day, period.start)
        case .weekly: return "\(local.label(.week, period.start)) (\(local.label(.day, period.start)) – \(local.label(.day, last)))"
        case .monthly: return local.label(.month, period.start)
        case .range: return "\(local.label(.day, period.start)) – \(local.label(.day, last))"
        }
    }

    /// `Daily report`, `Weekly report`, `Monthly report` or `Usage report`.
    public var title: String {
        switch kind {
        case .daily: "Daily cost report"
        case .weekly: "Weekly cost report"
        case .monthly: "Monthly cost report"
        case .range: "Cost report"
        }
    }
}
