public import Foundation

/// When a budget's spend resets: calendar periods in an explicit time zone, a custom date range,
/// or a rolling window.
///
/// For example:
/// ```swift
/// let berlin = TimeZone(identifier: "Europe/Berlin")!
/// let window = BudgetPeriod.daily(in: berlin).window(containing: Date())  // [local midnight, next local midnight)
/// ```
public enum BudgetPeriod: Sendable, Hashable {
    /// Calendar-aligned: a day, week, month, quarter or year as the clocks of `timeZone` show it.
    case calendar(CalendarUnit, timeZone: TimeZone)
    /// One fixed range `[start, end)`; outside it the budget does not apply.
    case custom(start: Date, end: Date)
    /// The last `seconds` seconds before the instant, whatever the calendar says.
    case rolling(seconds: Int)

    /// The calendar units a period can align to.
    public enum CalendarUnit: Sendable, Hashable {
        case day
        /// A week starting on `firstWeekday` (1 = Sunday, 2 = Monday, … 7 = Saturday).
        case week(firstWeekday: Int)
        case month
        case quarter
        case year
    }

    public static func daily(in timeZone: TimeZone) -> BudgetPeriod { .calendar(.day, timeZone: timeZone) }
    /// Weeks start on Monday unless `firstWeekday` says otherwise (1 = Sunday … 7 = Saturday).
    public static func weekly(in timeZone: TimeZone, firstWeekday: Int = 2) -> BudgetPeriod {
        .calendar(.week(firstWeekday: firstWeekday), timeZone: timeZone)
    }
    public static func monthly(in timeZone: TimeZone) -> BudgetPeriod { .calendar(.month, timeZone: timeZone) }
    public static func quarterly(in timeZone: TimeZone) -> BudgetPeriod { .calendar(.quarter, timeZone: timeZone) }
    public static func yearly(in timeZone: TimeZone) -> BudgetPeriod { .calendar(.year, timeZone: timeZone) }
    public static func rolling(hours: Int) -> BudgetPeriod { .rolling(seconds: clampedProduct(hours, 3600)) }
    /// N days of exactly 24 hours each (a rolling window does not follow clock changes).
    public static func rolling(days: Int) -> BudgetPeriod { .rolling(seconds: clampedProduct(days, 86_400)) }

    /// `a × b`, or `Int.max`/`Int.min` where it does not fit.
    static func clampedProduct(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard overflow else { return product }
        return (a < 0) != (b < 0) ? .min : .max
    }

    /// Whether the spend counted in this period ages out event by event (rolling) rather than
    /// resetting at a boundary.
    public var isRolling: Bool {
        if case .rolling = self { return true }
        return false
    }

    func validate(budget: String) throws {
        switch self {
        case .calendar(.week(let first), _) where !(1...7).contains(first):
            throw BudgetError(code: .invalidBudget, message: "budget '\(budget)': the first weekday must be 1 (Sunday) to 7 (Saturday), not \(first)")
        case .custom(let start, let end) where end <= start:
            throw BudgetError(code: .invalidBudget, message: "budget '\(budget)': the custom period must end after it starts")
        case .rolling(let seconds) where seconds <= 0:
            throw BudgetError(code: .invalidBudget, message: "budget '\(budget)': a rolling window must be longer than zero")
        default:
            return
        }
    }

    /// The period that contains `instant`, as a half-open range `[start, end)`.
    ///
    /// Calendar periods start at local midnight of their first day in the period's time zone, so a
    /// day is 23 or 25 hours long on a clock-change day. A rolling window is the length before the
    /// instant: `start = instant − length`, `end = instant` (spend recorded at the instant itself
    /// counts, spend at `start` has aged out). A custom range gives `nil` for instants outside it.
    public func window(containing instant: Date) -> PeriodWindow? {
        switch self {
        case .custom(let start, let end):
            return start <= instant && instant < end ? PeriodWindow(start: start, end: end) : nil
        case .rolling(let seconds):
            return PeriodWindow(start: instant.addingTimeInterval(-Double(seconds)), end: instant)
        case .calendar(let unit, let timeZone):
            return Self.calendarWindow(unit, timeZone: timeZone, containing: instant)
        }
    }

    static func calendarWindow(_ unit: CalendarUnit, timeZone: TimeZone, containing instant: Date) -> PeriodWindow? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let local = calendar.dateComponents([.year, .month, .day, .weekday], from: instant)
        guard let year = local.year, let month = local.month, let day = local.day, let weekday = local.weekday else {
            return nil
        }
        // the first local day of the period and the first local day of the next one
        let first: DateComponents
        let next: DateComponents
        switch unit {
        case .day:
            first = DateComponents(year: year, month: month, day: day)
            next = DateComponents(year: year, month: month, day: day + 1)
        case .week(let firstWeekday):
            let back = (weekday - firstWeekday + 7) % 7
            first = DateComponents(year: year, month: month, day: day - back)
            next = DateComponents(year: year, month: month, day: day - back + 7)
        case .month:
            first = DateComponents(year: year, month: month, day: 1)
            next = DateComponents(year: year, month: month + 1, day: 1)
        case .quarter:
            let startMonth = (month - 1) / 3 * 3 + 1
            first = DateComponents(year: year, month: startMonth, day: 1)
            next = DateComponents(year: year, month: startMonth + 3, day: 1)
        case .year:
            first = DateComponents(year: year, month: 1, day: 1)
            next = DateComponents(year: year + 1, month: 1, day: 1)
        }
        guard let start = startOfDay(first, calendar: calendar), let end = startOfDay(next, calendar: calendar) else {
            return nil
        }
        return PeriodWindow(start: start, end: end)
    }

    /// The first instant of a local day (components may overflow, as `day: 32`); midnight when it
    /// exists, else the first instant after a clock change skipped it.
    private static func startOfDay(_ components: DateComponents, calendar: Calendar) -> Date? {
        guard let noon = calendar.date(from: DateComponents(
            year: components.year, month: components.month, day: components.day, hour: 12)) else { return nil }
        return calendar.startOfDay(for: noon)
    }
}

/// A half-open range of instants `[start, end)`.
public struct PeriodWindow: Sendable, Hashable, CustomStringConvertible {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    public func contains(_ instant: Date) -> Bool { start <= instant && instant < end }
    public var duration: TimeInterval { end.timeIntervalSince(start) }
    public var description: String { "[\(start.formatted(.iso8601)), \(end.formatted(.iso8601)))" }
}
