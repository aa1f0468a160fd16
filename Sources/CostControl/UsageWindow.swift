public import Foundation

/// Turns the `--since`/`--until` words people type into instants, in an explicit time zone.
///
/// - `30d`: local midnight 29 days before today, so the window is the last 30 calendar days,
///   today included (day-aligned, so reports read the daily aggregates); `12h`: the start of the
///   hour 11 hours before this one; `6w`: 42 days; `3m`: the first of the month two months back.
/// - `2026-11-02` (or ccusage's `20261102`): local midnight of that date. As `--until`, a date is inclusive (the window ends at
///   the next midnight).
/// - `2026-11-02T09:30:00Z` (or with an offset): that instant; as `--until`, exclusive.
/// - `today`, `yesterday`, `now`.
public struct UsageWindow: Sendable {
    public var timeZone: TimeZone
    public var now: Date

    public init(timeZone: TimeZone, now: Date = Date()) {
        self.timeZone = timeZone
        self.now = now
    }

    /// - throws: ``ControlError`` `.invalidInput` with examples.
    public func since(_ text: String) throws -> Date {
        try parse(text, isUntil: false)
    }

    /// - throws: ``ControlError`` `.invalidInput` with examples.
    public func until(_ text: String) throws -> Date {
        try parse(text, isUntil: true)
    }

    func parse(_ raw: String, isUntil: Bool) throws -> Date {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let local = LocalTime(timeZone)
        switch text {
        case "now": return now
        case "today": return isUntil ? local.nextBucketStart(.day, after: now) : local.startOfDay(now)
        case "yesterday": return isUntil ? local.startOfDay(now) : local.startOfDay(now, minusDays: 1)
        default: break
        }
        if let unit = text.last, "hdwm".contains(unit), let n = Int(text.dropLast()), n > 0, n < 100_000 {
            switch unit {
            case "h":
                let hour = local.bucketStart(.hour, containing: now)
                return hour.addingTimeInterval(-Double(n - 1) * 3600)
            case "d": return local.startOfDay(now, minusDays: n - 1)
            case "w": return local.startOfDay(now, minusDays: 7 * n - 1)
            default:
                var month = local.bucketStart(.month, containing: now)
                for _ in 1..<n { month = local.bucketStart(.month, containing: month.addingTimeInterval(-1)) }
                return month
            }
        }
        // ccusage's compact dates (20261102) as well as ISO ones.
        var dateText = raw.trimmingCharacters(in: .whitespaces)
        if dateText.count == 8, dateText.allSatisfy(\.isASCII), dateText.allSatisfy(\.isNumber) {
            dateText = "\(dateText.prefix(4))-\(dateText.dropFirst(4).prefix(2))-\(dateText.suffix(2))"
        }
        if dateText.count == 10, let day = CivilDate(dateText) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            if let midnight = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) {
                return isUntil ? local.nextBucketStart(.day, after: midnight) : midnight
            }
        }
        if let date = Timestamp.parseOrNil(raw) { return date }
        throw ControlError(
            code: .invalidInput,
            message: "'\(raw)' is not a time; use 30d, 12h, 6w, 3m, today, yesterday, a date (2026-11-02 or 20261102) or a date-time (2026-11-02T09:30:00Z)")
    }
}
