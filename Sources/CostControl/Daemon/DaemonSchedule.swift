public import Foundation
import CostBudget

/// When a job is due: every interval, daily at a local time, or weekly on a day at a local time.
///
/// A job's runs are **slots**: `every` slots are the whole multiples of the interval since
/// 1970-01-01T00:00Z (hourly jobs run on the hour, 15-minute jobs at :00, :15, …); `daily` and
/// `weekly` slots are the local time in the daemon's zone (a time that a DST change skips moves to
/// the next valid instant, as `Calendar` does).
///
/// For example:
/// ```swift
/// let slot = DaemonSchedule.daily(hour: 0, minute: 0).latestSlot(atOrBefore: Date(), in: berlin)   // last midnight
/// ```
public enum DaemonSchedule: Sendable, Hashable, CustomStringConvertible {
    case every(Duration)
    case daily(hour: Int, minute: Int)
    /// `weekday` as `Calendar` numbers it: 1 Sunday, 2 Monday … 7 Saturday.
    case weekly(weekday: Int, hour: Int, minute: Int)

    /// The last slot at or before `instant`.
    public func latestSlot(atOrBefore instant: Date, in zone: TimeZone) -> Date {
        switch self {
        case .every(let interval):
            let step = max(1, interval.seconds)
            return Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / step).rounded(.down) * step)
        case .daily(let hour, let minute):
            let calendar = Self.calendar(zone)
            var day = calendar.startOfDay(for: instant)
            for _ in 0..<3 {
                if let slot = Self.at(hour, minute, on: day, calendar), slot <= instant { return slot }
                day = calendar.startOfDay(for: day.addingTimeInterval(-3600))
            }
            return day
        case .weekly(let weekday, let hour, let minute):
            let calendar = Self.calendar(zone)
            let today = calendar.startOfDay(for: instant)
            let back = (calendar.component(.weekday, from: today) - weekday + 7) % 7
            var day = calendar.date(byAdding: .day, value: -back, to: today) ?? today
            for _ in 0..<3 {
                if let slot = Self.at(hour, minute, on: day, calendar), slot <= instant { return slot }
                day = calendar.date(byAdding: .day, value: -7, to: day) ?? day.addingTimeInterval(-7 * 86_400)
            }
            return day
        }
    }

    /// The first slot strictly after `instant`.
    public func nextSlot(after instant: Date, in zone: TimeZone) -> Date {
        switch self {
        case .every(let interval):
            return latestSlot(atOrBefore: instant, in: zone).addingTimeInterval(max(1, interval.seconds))
        case .daily(let hour, let minute):
            let calendar = Self.calendar(zone)
            var day = calendar.startOfDay(for: instant)
            for _ in 0..<3 {
                if let slot = Self.at(hour, minute, on: day, calendar), slot > instant { return slot }
                day = calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86_400)
            }
            return day
        case .weekly(let weekday, let hour, let minute):
            let calendar = Self.calendar(zone)
            let today = calendar.startOfDay(for: instant)
            let ahead = (weekday - calendar.component(.weekday, from: today) + 7) % 7
            var day = calendar.date(byAdding: .day, value: ahead, to: today) ?? today
            for _ in 0..<3 {
                if let slot = Self.at(hour, minute, on: day, calendar), slot > instant { return slot }
                day = calendar.date(byAdding: .day, value: 7, to: day) ?? day.addingTimeInterval(7 * 86_400)
            }
            return day
        }
    }

    public var description: String {
        switch self {
        case .every(let interval): "every \(DaemonConfiguration.durationText(interval))"
        case .daily(let hour, let minute): "daily at \(Self.clock(hour, minute))"
        case .weekly(let weekday, let hour, let minute):
            "weekly on \(DaemonConfiguration.weekdayNames[max(0, min(6, weekday - 1))]) at \(Self.clock(hour, minute))"
        }
    }

    static func clock(_ hour: Int, _ minute: Int) -> String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    private static func at(_ hour: Int, _ minute: Int, on day: Date, _ calendar: Calendar) -> Date? {
        calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)
    }
}
