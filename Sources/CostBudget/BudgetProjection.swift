import CostPricing
public import Foundation

/// What one local day spent in a budget's scope: one entry of the series a projection measures
/// its burn rate on.
public struct DailySpend: Sendable, Hashable {
    /// The first instant of the local day (in the projection's time zone).
    public var day: Date
    /// What the scope spent that day, in every measure (dollars, tokens, requests).
    public var charge: BudgetCharge

    public init(day: Date, charge: BudgetCharge) {
        self.day = day
        self.charge = charge
    }
}

/// Where a budget is heading: spent, held, remaining, burn rate, projected spend at the end of the
/// period, projected exhaustion, days left, on track or not.
///
/// A pure value computed from the budget's ``BudgetState``, a series of daily spend in its scope
/// and the instant. Every amount is in the budget's measure (10⁻¹⁸ USD, tokens or requests, as
/// ``BudgetVerdict/usedAfter``) and exact: the burn rate is kept as the spend of the rate window
/// over its length in milliseconds, and projected amounts are integer products and quotients of
/// those (rounded down; an exhaustion instant is rounded up to the millisecond). Only
/// ``utilization``, ``daysLeft`` and ``periodDaysLeft`` are `Double`s, for display.
///
/// **The burn rate** is measured over the last `rateWindowDays` local days, today included: from
/// local midnight `rateWindowDays − 1` days before today (in the budget's time zone; UTC for
/// rolling and custom periods unless one is given) to the instant. When the series has no spend
/// before some day in that span, the span starts at the first day with spend instead, so a new
/// spender is not diluted by days it did not exist; the span is at least one hour.
///
/// **The projection** depends on the period:
/// - calendar and custom periods: projected spend = spent + held + rate × time left in the period;
///   the exhaustion instant is when spent + held + rate × t reaches the limit, `nil` when that is
///   after the period ends or the rate is zero; on track means the projected spend is at most the limit;
/// - rolling windows have no end: projected spend is rate × the window's length (what the window
///   holds when spending continues at this rate); on track means that is at most the limit; the
///   exhaustion instant ignores spend ageing out (the earliest the limit can be reached), and is
///   `nil` when the steady state stays within the limit;
/// - a custom range that does not contain the instant: nothing is projected (projected = spent + held).
///
/// An exhausted budget (spent + held at or over the limit) has ``isExhausted``, its exhaustion
/// instant is the instant itself and ``daysLeft`` is 0.
///
/// For example:
/// ```swift
/// let state = try await store.state(of: "team-search")!
/// let projection = BudgetProjection(state: state, dailySpend: series, at: Date())
/// print(projection.summary)   // $312.40 of $500.00 spent (62.5%), $41.20/day, $581.90 projected by …
/// ```
public struct BudgetProjection: Sendable, Hashable {
    public var budget: String
    public var limit: BudgetLimit
    /// The instant projected from.
    public var at: Date
    /// The current period (`nil` when a custom range does not contain the instant); for a rolling
    /// window, the window ending at the instant.
    public var window: PeriodWindow?
    public var isRolling: Bool
    /// Committed spend in the current period.
    public var spent: Int128
    /// Reserved by open holds.
    public var held: Int128
    /// `limit − spent − held`; negative when over the limit.
    public var remaining: Int128
    /// The level spent + held has reached.
    public var level: LadderLevel?
    /// The span the burn rate was measured over (`[start, at)`).
    public var rateWindow: PeriodWindow
    /// The spend of the series inside ``rateWindow``.
    public var rateWindowSpend: Int128
    /// ``rateWindowSpend`` per 24 hours of ``rateWindow``, rounded down.
    public var burnRatePerDay: Int128
    /// Spend expected at the end of the period (calendar, custom) or held by the window in the
    /// steady state (rolling); see the type's documentation.
    public var projectedSpend: Int128
    /// When the limit is expected to be reached at the burn rate (`at` when it already is; `nil`
    /// when it is not expected to be reached in this period).
    public var projectedExhaustion: Date?
    public var isOnTrack: Bool

    /// The length of a day, in milliseconds (burn rates are per 24 hours).
    static let dayMilliseconds: Int128 = 86_400_000
    /// The shortest span a burn rate is measured over.
    static let minimumRateSpanMilliseconds: Int128 = 3_600_000

    /// The projection of `state` at `instant`, measuring the burn rate on `dailySpend`.
    ///
    /// - parameters:
    ///   - dailySpend: spend per local day in the budget's scope (days outside the rate window are
    ///     ignored; the order does not matter).
    ///   - rateWindowDays: how many local days, today included, the burn rate is measured over (at least 1).
    ///   - timeZone: the zone of the days, for budgets without one (rolling, custom); UTC by default.
    public init(
        state: BudgetState, dailySpend: [DailySpend], at instant: Date, rateWindowDays: Int = 7,
        timeZone: TimeZone? = nil
    ) {
        let budget = state.budget
        let limitUnits = budget.limit.units
        self.budget = budget.name
        self.limit = budget.limit
        self.at = instant
        self.window = state.window
        self.isRolling = budget.period.isRolling
        self.spent = budget.limit.measure(state.spent)
        self.held = budget.limit.measure(state.held)
        let used = state.usedUnits
        self.remaining = limitUnits.saturatingAdd(-used)
        self.level = state.level

        // the burn rate: the series' spend over [rateStart, instant)
        let zone = budget.period.timeZone ?? timeZone ?? TimeZone(identifier: "UTC") ?? .gmt
        let rateStart = Self.rateWindowStart(
            at: instant, days: rateWindowDays, timeZone: zone, dailySpend: dailySpend, limit: budget.limit)
        self.rateWindow = PeriodWindow(start: rateStart, end: instant)
        var spend: Int128 = 0
        for entry in dailySpend where entry.day >= rateStart && entry.day < instant {
            spend = spend.saturatingAdd(budget.limit.measure(entry.charge))
        }
        self.rateWindowSpend = spend
        let span = max(Self.milliseconds(from: rateStart, to: instant), Self.minimumRateSpanMilliseconds)
        self.burnRatePerDay = Self.scale(spend, by: Self.dayMilliseconds, over: span)

        // the projection
        let exhausted = used >= limitUnits
        switch (state.window, budget.period) {
        case (nil, _):
            projectedSpend = used
            projectedExhaustion = exhausted ? instant : nil
        case (_?, .rolling(let seconds)):
            projectedSpend = Self.scale(spend, by: Int128(seconds) * 1000, over: span)
            if exhausted {
                projectedExhaustion = instant
            } else if projectedSpend > limitUnits {
                projectedExhaustion = Self.instant(at: instant, toCover: limitUnits - used, spend: spend, span: span)
            } else {
                projectedExhaustion = nil
            }
        case (let window?, _):
            let left = Self.milliseconds(from: instant, to: window.end)
            projectedSpend = used.saturatingAdd(Self.scale(spend, by: left, over: span))
            if exhausted {
                projectedExhaustion = instant
            } else if let reached = Self.instant(at: instant, toCover: limitUnits - used, spend: spend, span: span),
                reached < window.end
            {
                projectedExhaustion = reached
            } else {
                projectedExhaustion = nil
            }
        }
        isOnTrack = projectedSpend <= limitUnits
    }

    /// Spent plus held.
    public var used: Int128 { spent.saturatingAdd(held) }
    /// Whether spent + held has reached the limit.
    public var isExhausted: Bool { used >= limit.units }
    /// Spent + held as a share of the limit (display only).
    public var utilization: Double { used.approximateDouble / limit.units.approximateDouble }
    /// Projected spend as a share of the limit (display only).
    public var projectedUtilization: Double { projectedSpend.approximateDouble / limit.units.approximateDouble }
    /// Days until ``projectedExhaustion`` (0 when exhausted; `nil` when it is not expected in this period).
    public var daysLeft: Double? {
        projectedExhaustion.map { max(0, $0.timeIntervalSince(at)) / 86_400 }
    }
    /// Days until the period ends (`nil` for rolling windows and outside a custom range).
    public var periodDaysLeft: Double? {
        guard !isRolling, let window else { return nil }
        return max(0, window.end.timeIntervalSince(at)) / 86_400
    }

    /// An amount of this budget's measure, formatted (`$1.25`, `1200 tokens`, `3 requests`).
    public func format(_ units: Int128) -> String { limit.format(units) }

    /// ``format(_:)`` with dollars to at most four decimals, for derived figures (rates, projections) on display.
    public func formatRounded(_ units: Int128) -> String {
        if case .money = limit { return Money(units: units).display(maxPlaces: 4) }
        return limit.format(units)
    }

    /// One line: spent and held of the limit, the burn rate, the projection and the exhaustion.
    public var summary: String {
        let percent = (utilization * 1000).rounded() / 10
        var text = "\(format(spent)) spent"
        if held != 0 { text += " + \(format(held)) held" }
        text += " of \(format(limit.units)) (\(percent)%), \(formatRounded(burnRatePerDay))/day, "
        text += isRolling
            ? "\(formatRounded(projectedSpend)) per window at this rate" : "\(formatRounded(projectedSpend)) projected"
        if let window, !isRolling { text += " by \(window.end.formatted(.iso8601))" }
        if isExhausted {
            text += ", exhausted"
        } else if let projectedExhaustion {
            text += ", runs out \(projectedExhaustion.formatted(.iso8601))"
        }
        return text + (isOnTrack ? " (on track)" : " (over)")
    }

    // MARK: - Arithmetic

    /// The first instant of the burn rate's span before the series is looked at: local midnight
    /// `rateWindowDays − 1` days before the day of `instant` in `timeZone` (the series a projection
    /// needs starts there).
    public static func earliestRateStart(at instant: Date, rateWindowDays: Int, timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: instant)
        let back = max(1, rateWindowDays) - 1
        return calendar.date(byAdding: .day, value: -back, to: today).map { calendar.startOfDay(for: $0) } ?? today
    }

    /// ``earliestRateStart(at:rateWindowDays:timeZone:)``, or the first day with spend after it.
    static func rateWindowStart(
        at instant: Date, days: Int, timeZone: TimeZone, dailySpend: [DailySpend], limit: BudgetLimit
    ) -> Date {
        let first = earliestRateStart(at: instant, rateWindowDays: days, timeZone: timeZone)
        let firstSpend = dailySpend.filter { $0.day >= first && $0.day < instant && limit.measure($0.charge) > 0 }
            .map(\.day).min()
        return max(first, firstSpend ?? first)
    }

    /// Whole milliseconds from `start` to `end` (0 when `end` is earlier).
    static func milliseconds(from start: Date, to end: Date) -> Int128 {
        let ms = (end.timeIntervalSince(start) * 1000).rounded(.down)
        guard ms > 0 else { return 0 }
        return Int128(min(ms, 9.0e15))
    }

    /// `amount × numerator / denominator`, rounded down, exact; saturating where the product does
    /// not fit (amounts that large are past every limit).
    static func scale(_ amount: Int128, by numerator: Int128, over denominator: Int128) -> Int128 {
        guard denominator > 0 else { return 0 }
        let (product, overflow) = amount.multipliedReportingOverflow(by: numerator)
        guard !overflow else { return amount > 0 ? .max : .min }
        return product / denominator
    }

    /// The instant at which `spend` per `span` milliseconds covers `gap`, rounded up to the
    /// millisecond; `nil` when nothing is being spent.
    static func instant(at start: Date, toCover gap: Int128, spend: Int128, span: Int128) -> Date? {
        guard spend > 0 else { return nil }
        guard gap > 0 else { return start }
        let (product, overflow) = gap.multipliedReportingOverflow(by: span)
        guard !overflow else { return nil }
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: spend)
        let ms = quotient + (remainder > 0 ? 1 : 0)
        guard ms < 9_000_000_000_000_000 else { return nil }
        return start.addingTimeInterval(Double(Int64(ms)) / 1000)
    }
}

extension BudgetPeriod {
    /// The time zone of a calendar period (`nil` for custom ranges and rolling windows).
    public var timeZone: TimeZone? {
        if case .calendar(_, let zone) = self { return zone }
        return nil
    }
}
