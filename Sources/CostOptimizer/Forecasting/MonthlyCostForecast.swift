public import CostBudget
public import CostPricing
public import Foundation

/// A month's cost for one scope: spent so far (exact), the forecast of the rest with a 95%
/// interval, the trend, and how the month ends against each monthly budget of the scope.
///
/// Built from a daily ``CostSeries`` in the report's time zone (month boundaries are local
/// midnights in that zone):
/// - **spent** is the exact sum of the series over `[month start, at)` — today's spend so far included;
/// - **history** is the last ``historyDays`` complete local days before today (56, eight weeks, by
///   default), starting at the first day with spend when the scope is younger;
/// - **the rest** is what ``CostForecaster`` expects for the part of today still to come (its share
///   of the day) and every later day of the month;
/// - **projected** = spent + the rest, with the interval shifted by the same exact amount.
///
/// A month that is over is all actuals (interval of zero width); a month that has not begun is
/// all forecast.
///
/// For example:
/// ```swift
/// let forecast = MonthlyCostForecast(series: daily, month: november, at: Date())
/// print(forecast.spent, forecast.projected, forecast.lower, forecast.upper, forecast.trend.label)
/// ```
public struct MonthlyCostForecast: Sendable, Hashable {
    public var scope: CostScope
    /// The month, `[start, end)` in the series' time zone.
    public var month: PeriodWindow
    public var timeZone: TimeZone
    /// The instant forecast from.
    public var at: Date
    /// Spent in the month up to ``at`` (exact).
    public var spent: Money
    /// The expected cost of the rest of the month (rounded to micro-dollars).
    public var remaining: Money
    /// Spent + remaining.
    public var projected: Money
    /// The 95% interval of the month's total.
    public var lower: Money
    public var upper: Money
    /// The standard error of the remaining cost, in dollars.
    public var standardError: Double
    /// Local days of the month after ``at`` (today's remaining share included).
    public var daysRemaining: Double
    public var model: ForecastModel
    public var historyDays: Int
    public var trend: CostTrend
    /// How the month ends against each monthly budget of the scope.
    public var budgets: [BudgetOutlook]
    public var notes: [String]
    /// Too little history: ``projected`` is only what was spent.
    public var insufficientData: Bool

    /// The forecast of `month` for `series` (daily; it should reach back to the earlier of the month's
    /// start and `historyDays` before today, and forward to today).
    public init(
        series: CostSeries, month: PeriodWindow, at instant: Date, historyDays: Int = 56,
        configuration: CostForecaster.Configuration = CostForecaster.Configuration()
    ) {
        let calendar = series.calendar
        let today = calendar.startOfDay(for: instant)
        scope = series.scope
        self.month = month
        timeZone = series.timeZone
        at = instant
        var notes: [String] = []

        var spent = Money.zero
        for point in series.points where point.start >= month.start && point.start < month.end && point.start < instant {
            spent += point.cost
        }
        self.spent = spent

        // history: complete days before today, from the first day with spend
        let historyStart = calendar.date(byAdding: .day, value: -max(1, historyDays), to: today) ?? today
        var history = series.points.filter { $0.start >= historyStart && $0.start < today }
        if let first = history.firstIndex(where: { !$0.cost.isZero }) {
            history.removeFirst(first)
        } else {
            history = []
        }

        // the horizon: today's remaining share, then every later day of the month
        var horizon: [CostForecaster.HorizonDay] = []
        if let origin = history.first?.start {
            var day = max(today, month.start)
            while day < month.end {
                guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
                let weight =
                    day == today ? max(0, next.timeIntervalSince(max(instant, day))) / next.timeIntervalSince(day) : 1
                let index = calendar.dateComponents([.day], from: origin, to: day).day ?? 0
                if weight > 0 { horizon.append(.init(index: index, weight: weight)) }
                day = next
            }
        }
        daysRemaining = Self.daysRemaining(in: month, at: instant, calendar: calendar)

        let firstWeekday = history.first.map { CostSeries.weekdayIndex(of: $0.start, in: calendar) } ?? 0
        let forecast = CostForecaster.forecast(
            history: history.map(\.cost.approximateDollars), firstWeekday: firstWeekday, horizon: horizon,
            configuration: configuration)
        notes += forecast.notes
        if instant >= month.end { notes.append("the month is over: the figures are actuals") }
        model = forecast.model
        self.historyDays = forecast.historyDays
        trend = forecast.trend
        standardError = forecast.standardError
        insufficientData = forecast.insufficientData && daysRemaining > 0

        let rest = horizon.isEmpty ? 0 : forecast.expected
        remaining = Money(approximateDollars: rest) ?? .zero
        projected = spent + remaining
        lower = spent + (Money(approximateDollars: horizon.isEmpty ? 0 : forecast.lower) ?? .zero)
        upper = spent + (Money(approximateDollars: horizon.isEmpty ? 0 : forecast.upper) ?? .zero)
        budgets = []
        self.notes = notes
    }

    /// Local days from `instant` to the end of `month` (today counted by its remaining share).
    static func daysRemaining(in month: PeriodWindow, at instant: Date, calendar: Calendar) -> Double {
        guard instant < month.end else { return 0 }
        var total = 0.0
        var day = calendar.startOfDay(for: max(instant, month.start))
        while day < month.end {
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            total += max(0, next.timeIntervalSince(max(instant, day))) / next.timeIntervalSince(day)
            day = next
        }
        return total
    }

    /// The local calendar month containing `instant` in `timeZone`.
    public static func month(containing instant: Date, in timeZone: TimeZone) -> PeriodWindow {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let interval = calendar.dateInterval(of: .month, for: instant)
        return PeriodWindow(start: interval?.start ?? instant, end: interval?.end ?? instant)
    }

    /// Adds the outlook against every budget in `budgets` that is monthly, limits money and covers
    /// exactly this scope (see ``BudgetOutlook/applies(_:to:)``).
    public mutating func compare(with budgets: [Budget]) {
        self.budgets = budgets.filter { BudgetOutlook.applies($0, to: scope) }.sorted { $0.name < $1.name }
            .compactMap { BudgetOutlook(budget: $0, forecast: self) }
        for outlook in self.budgets where !LocalTimeZones.sameOffsets(outlook.timeZone, timeZone, over: month) {
            notes.append(
                "budget \(outlook.budget) counts months in \(outlook.timeZone.identifier), this forecast in \(timeZone.identifier)")
        }
    }
}

/// How a month is expected to end against one monthly money budget.
public struct BudgetOutlook: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// The upper end of the interval is within the limit.
        case onTrack = "on_track"
        /// The limit lies inside the interval.
        case atRisk = "at_risk"
        /// Even the lower end (or what is already spent) is over the limit.
        case over
    }

    public var budget: String
    public var limit: Money
    public var timeZone: TimeZone
    /// Projected total − limit (negative: headroom).
    public var projectedOverLimit: Money
    /// Projected total as a share of the limit.
    public var projectedUtilization: Double
    /// P(month total > limit) under a normal prediction error (0 or 1 once it is decided).
    public var overLimitProbability: Double
    public var status: Status

    /// `nil` when the budget does not limit money.
    public init?(budget: Budget, forecast: MonthlyCostForecast) {
        guard case .money(let limit) = budget.limit, limit.units > 0 else { return nil }
        self.budget = budget.name
        self.limit = limit
        timeZone = budget.period.timeZone ?? forecast.timeZone
        projectedOverLimit = forecast.projected - limit
        projectedUtilization = forecast.projected.approximateDollars / limit.approximateDollars
        if forecast.spent > limit || forecast.lower > limit {
            status = .over
        } else if forecast.upper > limit {
            status = .atRisk
        } else {
            status = .onTrack
        }
        if forecast.spent > limit {
            overLimitProbability = 1
        } else if forecast.standardError > 0 {
            let gap = (limit - forecast.projected).approximateDollars
            overLimitProbability = 1 - StudentT.normalCDF(gap / forecast.standardError)
        } else {
            overLimitProbability = forecast.projected > limit ? 1 : 0
        }
    }

    /// Whether `budget` is a calendar-month money budget whose scope is exactly `scope`: all usage
    /// ↔ a global budget without provider or model; `team=x` (org, user, project, key) ↔ that
    /// subject; `provider=x` and `model=x` ↔ a global budget narrowed to that provider or model
    /// alone (case-insensitive).
    public static func applies(_ budget: Budget, to scope: CostScope) -> Bool {
        guard case .calendar(.month, _) = budget.period, case .money = budget.limit else { return false }
        let s = budget.scope
        func same(_ a: String?, _ b: String) -> Bool { a?.lowercased() == b.lowercased() }
        switch scope.dimension {
        case nil: return s.subject == .global && s.provider == nil && s.model == nil
        case .provider?: return s.subject == .global && same(s.provider, scope.value) && s.model == nil
        case .model?: return s.subject == .global && s.provider == nil && same(s.model, scope.value)
        default:
            guard s.provider == nil, s.model == nil else { return false }
            switch (scope.dimension, s.subject) {
            case (.org?, .org(let v)), (.team?, .team(let v)), (.user?, .user(let v)), (.project?, .project(let v)),
                (.keyID?, .key(let v)):
                return v == scope.value
            case (.tag(let key)?, .tag(let k, let v)): return key == k && v == scope.value
            default: return false
            }
        }
    }
}

/// Time-zone comparisons for notes.
enum LocalTimeZones {
    /// Whether two zones have the same UTC offset at both ends of a window.
    static func sameOffsets(_ a: TimeZone, _ b: TimeZone, over window: PeriodWindow) -> Bool {
        a.secondsFromGMT(for: window.start) == b.secondsFromGMT(for: window.start)
            && a.secondsFromGMT(for: window.end) == b.secondsFromGMT(for: window.end)
    }
}
