public import CostBudget
public import Foundation

/// When a key's token and spend quotas start over.
///
/// For example:
/// ```swift
/// let pacific = TimeZone(identifier: "America/Los_Angeles")!
/// let gemini = QuotaReset.daily(hour: 0, timeZone: pacific)   // Gemini's free tier
/// gemini.window(containing: Date())  // [last local midnight, next local midnight)
/// ```
public enum QuotaReset: Sendable, Hashable {
    /// The last `days` days of 24 hours before the instant; usage ages out entry by entry.
    case rolling(days: Int)
    /// From local midnight of day `day` of each month (the month's last day when it is shorter).
    case monthly(day: Int, timeZone: TimeZone)
    /// From `hour`:00 local time each day (midnight when `hour` is 0).
    case daily(hour: Int, timeZone: TimeZone)

    /// Rolling 30 days, the default.
    public static let standard = QuotaReset.rolling(days: 30)

    func validate() throws {
        switch self {
        case .rolling(let days) where days <= 0 || days > 3660:
            throw RotationError(code: .invalidKey, message: "a rolling quota must last 1 to 3660 days, not \(days)")
        case .monthly(let day, _) where !(1...31).contains(day):
            throw RotationError(code: .invalidKey, message: "a monthly reset day must be 1 to 31, not \(day)")
        case .daily(let hour, _) where !(0...23).contains(hour):
            throw RotationError(code: .invalidKey, message: "a daily reset hour must be 0 to 23, not \(hour)")
        default:
            return
        }
    }

    public var isRolling: Bool {
        if case .rolling = self { return true }
        return false
    }

    /// The quota period containing `instant`, `[start, end)`. A rolling window ends at the instant
    /// (CostBudget's rolling period); calendar windows start at the local reset time, so a daily
    /// window is 23 or 25 hours long on a clock-change day.
    public func window(containing instant: Date) -> PeriodWindow? {
        switch self {
        case .rolling(let days):
            return BudgetPeriod.rolling(days: days).window(containing: instant)
        case .daily(0, let timeZone):
            return BudgetPeriod.daily(in: timeZone).window(containing: instant)
        case .monthly(1, let timeZone):
            return BudgetPeriod.monthly(in: timeZone).window(containing: instant)
        case .daily(let hour, let timeZone):
            let calendar = Self.calendar(timeZone)
            let local = calendar.dateComponents([.year, .month, .day], from: instant)
            guard let year = local.year, let month = local.month, let day = local.day,
                let today = Self.localTime(year, month, day, hour: hour, calendar)
            else { return nil }
            let startDay = instant < today ? day - 1 : day
            guard let start = Self.localTime(year, month, startDay, hour: hour, calendar),
                let end = Self.localTime(year, month, startDay + 1, hour: hour, calendar)
            else { return nil }
            return PeriodWindow(start: start, end: end)
        case .monthly(let day, let timeZone):
            let calendar = Self.calendar(timeZone)
            let local = calendar.dateComponents([.year, .month], from: instant)
            guard let year = local.year, let month = local.month,
                let thisMonth = Self.resetDay(year, month, day: day, calendar)
            else { return nil }
            let startMonth = instant < thisMonth ? month - 1 : month
            guard let start = Self.resetDay(year, startMonth, day: day, calendar),
                let end = Self.resetDay(year, startMonth + 1, day: day, calendar)
            else { return nil }
            return PeriodWindow(start: start, end: end)
        }
    }

    private static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `hour`:00 on a local day (components may overflow, as `day: 0`); where a clock change skips
    /// that time, the first instant after the gap.
    private static func localTime(_ year: Int, _ month: Int, _ day: Int, hour: Int, _ calendar: Calendar) -> Date? {
        guard let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) else {
            return nil
        }
        let midnight = calendar.startOfDay(for: noon)
        guard hour > 0 else { return midnight }
        let wanted = calendar.dateComponents([.year, .month, .day], from: noon)
        var components = wanted
        components.hour = hour
        guard let date = calendar.date(from: components) else { return nil }
        // a skipped hour: Foundation moves it forward; an hour that never came is the gap's end
        return max(date, midnight)
    }

    /// Local midnight of day `day` of a month (months may overflow), clamped to the month's last day.
    private static func resetDay(_ year: Int, _ month: Int, day: Int, _ calendar: Calendar) -> Date? {
        guard let first = calendar.date(from: DateComponents(year: year, month: month, day: 1, hour: 12)),
            let days = calendar.range(of: .day, in: .month, for: first)
        else { return nil }
        let wanted = calendar.dateComponents([.year, .month], from: first)
        guard let noon = calendar.date(from: DateComponents(
            year: wanted.year, month: wanted.month, day: min(day, days.count), hour: 12))
        else { return nil }
        return calendar.startOfDay(for: noon)
    }
}

extension QuotaReset: CustomStringConvertible {
    /// `rolling30`, `monthly:1@Europe/Berlin`, `daily@00:00America/Los_Angeles`.
    public var description: String {
        switch self {
        case .rolling(let days): "rolling\(days)"
        case .monthly(let day, let zone): "monthly:\(day)@\(zone.identifier)"
        case .daily(let hour, let zone): "daily@\(hour < 10 ? "0" : "")\(hour):00\(zone.identifier)"
        }
    }
}
