public import Foundation

/// Calendar arithmetic in an explicit time zone (reports and budget periods never use the
/// machine's zone implicitly).
public struct LocalTime: Sendable {
    public let timeZone: TimeZone
    let calendar: Calendar

    public init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2  // ISO 8601 weeks start on Monday
        calendar.minimumDaysInFirstWeek = 4
        self.calendar = calendar
    }

    /// The start of the bucket that contains `date`.
    public func bucketStart(_ bucket: TimeBucket, containing date: Date) -> Date {
        let component: Calendar.Component =
            switch bucket {
            case .hour: .hour
            case .day: .day
            case .week: .weekOfYear
            case .month: .month
            }
        return calendar.dateInterval(of: component, for: date)?.start ?? date
    }

    /// The start of the bucket after the one that contains `date`.
    public func nextBucketStart(_ bucket: TimeBucket, after date: Date) -> Date {
        let component: Calendar.Component =
            switch bucket {
            case .hour: .hour
            case .day: .day
            case .week: .weekOfYear
            case .month: .month
            }
        return calendar.dateInterval(of: component, for: date)?.end ?? date
    }

    /// Local midnight `days` days before the day that contains `date` (0: today's midnight).
    public func startOfDay(_ date: Date, minusDays days: Int = 0) -> Date {
        let start = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .day, value: -days, to: start) ?? start
    }

    /// Whether `date` is exactly the start of a bucket.
    public func isBucketStart(_ bucket: TimeBucket, _ date: Date) -> Bool {
        bucketStart(bucket, containing: date) == date
    }

    /// Whether every instant of `[start, end)` is at a whole-hour offset from UTC, so that local
    /// hours, days, weeks and months begin on UTC hours.
    public func hasWholeHourOffsets(from start: Date, to end: Date) -> Bool {
        var point = start
        var checked = 0
        while checked < 10_000 {
            if timeZone.secondsFromGMT(for: point) % 3600 != 0 { return false }
            guard let next = timeZone.nextDaylightSavingTimeTransition(after: point), next < end else { return true }
            point = next
            checked += 1
        }
        return true
    }

    /// `2026-11-01T00:00:00+01:00` (or `Z` in UTC).
    public static func iso8601(_ date: Date, in timeZone: TimeZone) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let shifted = Int((date.timeIntervalSince1970).rounded(.down)) + offset
        let (day, second) = shifted.floorDivided(by: 86_400)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let clock = "\(CivilDate(day: day))T\(pad(second / 3600)):\(pad(second / 60 % 60)):\(pad(second % 60))"
        if offset == 0 { return clock + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return clock + "\(sign)\(pad(magnitude / 3600)):\(pad(magnitude / 60 % 60))"
    }

    /// `2026-11-01` or `2026-11-01 14:00` or `2026-W44` or `2026-11`: a bucket's label for tables.
    public func label(_ bucket: TimeBucket, _ start: Date) -> String {
        let iso = LocalTime.iso8601(start, in: timeZone)
        switch bucket {
        case .hour: return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5))
        case .day: return String(iso.prefix(10))
        case .month: return String(iso.prefix(7))
        case .week:
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
            let week = c.weekOfYear ?? 0
            return "\(c.yearForWeekOfYear ?? 0)-W\(week < 10 ? "0" : "")\(week)"
        }
    }

    /// Whether two zones give the same local time at every instant (same identifier, or both UTC).
    public static func sameRules(_ a: TimeZone, _ b: TimeZone) -> Bool {
        let utc: Set<String> = ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z", "Universal", "Etc/Universal", "Zulu", "GMT+0000"]
        if a.identifier == b.identifier { return true }
        let aFixed = utc.contains(a.identifier) || (a.nextDaylightSavingTimeTransition == nil && a.secondsFromGMT() == 0)
        let bFixed = utc.contains(b.identifier) || (b.nextDaylightSavingTimeTransition == nil && b.secondsFromGMT() == 0)
        return aFixed && bFixed
    }
}
