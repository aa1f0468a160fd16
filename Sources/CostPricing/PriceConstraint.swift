public import Foundation

/// When a conditional price or a price variant applies.
public enum PriceConstraint: Sendable, Hashable {
    /// From the start of this UTC day on (historical prices: a request is priced at the price in
    /// force at its timestamp). `day` counts days since 1970-01-01.
    case startDate(day: Int)
    /// During these daily UTC windows (off-peak prices).
    case timeOfDay([TimeWindow])

    /// The UTC day of `date`, counted from 1970-01-01 (the unit of ``startDate(day:)``).
    @inline(__always)
    static func day(of date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.down)).floorDivided(by: 86_400).quotient
    }

    /// Whether the constraint holds at `date`.
    @inline(__always)
    public func isActive(at date: Date) -> Bool {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (day, second) = seconds.floorDivided(by: 86_400)
        switch self {
        case .startDate(let start):
            return day >= start
        case .timeOfDay(let windows):
            let weekday = (day + 3).floorDivided(by: 7).remainder + 1  // ISO: 1970-01-01 was a Thursday (4)
            return windows.contains { $0.contains(secondOfDay: second, weekday: weekday) }
        }
    }

    /// The start date as `YYYY-MM-DD`, for a start-date constraint.
    public var startDateString: String? {
        guard case .startDate(let day) = self else { return nil }
        return CivilDate(day: day).description
    }
}

/// A daily window `[start, end)` in seconds after UTC midnight; it wraps past midnight when
/// `end < start`. Optionally limited to ISO weekdays (1 = Monday … 7 = Sunday).
public struct TimeWindow: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public var weekdays: [Int]?

    public init(start: Int, end: Int, weekdays: [Int]? = nil) {
        self.start = start
        self.end = end
        self.weekdays = weekdays
    }

    func contains(secondOfDay s: Int, weekday: Int) -> Bool {
        if let weekdays, !weekdays.contains(weekday) { return false }
        if end < start { return s >= start || s < end }
        return s >= start && s < end
    }
}

extension Int {
    /// Floor division and the matching non-negative remainder.
    @inline(__always)
    func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let q = self / divisor
        let r = self % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}

/// A proleptic Gregorian calendar date (UTC), converted to and from days since 1970-01-01 without
/// `Calendar` (fast, and free of the process time zone).
public struct CivilDate: Sendable, Hashable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...CivilDate.daysIn(month: m, year: y)).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `day` days after 1970-01-01.
    public init(day: Int) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Midnight UTC of this date.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(daysSinceEpoch) * 86_400) }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
