public import Foundation

extension QuotaReset {
    /// Parses the forms the CLI takes (and ``description`` prints):
    ///
    /// | Text | Reset |
    /// | --- | --- |
    /// | `rolling`, `rolling30`, `rolling:7` | rolling N days (30 when not given) |
    /// | `monthly`, `monthly:15`, `monthly:1@Europe/Berlin` | day D (1 when not given) of each month |
    /// | `daily`, `daily@07:00`, `daily@00:00America/Los_Angeles` | HH:00 each day (midnight when not given) |
    ///
    /// A zone left out is `defaultTimeZone` (the CLI's `--tz`).
    ///
    /// For example:
    /// ```swift
    /// let gemini = try QuotaReset(parsing: "daily@00:00America/Los_Angeles", defaultTimeZone: .gmt)
    /// ```
    ///
    /// - throws: ``RotationError`` `.invalidKey` naming the accepted forms.
    public init(parsing text: String, defaultTimeZone: TimeZone) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lower = trimmed.lowercased()
        func invalid(_ why: String) -> RotationError {
            RotationError(
                code: .invalidKey,
                message: "reset '\(trimmed)': \(why); use rolling30, monthly:1 (optionally @ZONE) or daily@00:00ZONE")
        }
        func zone(_ identifier: Substring) throws -> TimeZone {
            guard !identifier.isEmpty else { return defaultTimeZone }
            guard let zone = TimeZone(identifier: String(identifier)) else { throw invalid("unknown time zone '\(identifier)'") }
            return zone
        }
        let reset: QuotaReset
        if lower.hasPrefix("rolling") {
            var rest = trimmed.dropFirst("rolling".count)
            if rest.hasPrefix(":") { rest = rest.dropFirst() }
            guard let days = rest.isEmpty ? 30 : Int(rest) else { throw invalid("the days must be a whole number") }
            reset = .rolling(days: days)
        } else if lower.hasPrefix("monthly") {
            var rest = trimmed.dropFirst("monthly".count)
            var zoneText: Substring = ""
            if let at = rest.firstIndex(of: "@") {
                zoneText = rest[rest.index(after: at)...]
                rest = rest[..<at]
            }
            if rest.hasPrefix(":") { rest = rest.dropFirst() }
            guard let day = rest.isEmpty ? 1 : Int(rest) else { throw invalid("the day must be a whole number") }
            reset = .monthly(day: day, timeZone: try zone(zoneText))
        } else if lower.hasPrefix("daily") {
            let rest = trimmed.dropFirst("daily".count)
            guard !rest.isEmpty else {
                self = .daily(hour: 0, timeZone: defaultTimeZone)
                return
            }
            guard rest.hasPrefix("@") else { throw invalid("a daily reset is daily@HH:00") }
            let time = rest.dropFirst()
            let digits = time.prefix { $0.isNumber || $0 == ":" }
            let parts = digits.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let hour = Int(parts[0]), parts[1] == "00" else {
                throw invalid("the time must be a whole hour, HH:00")
            }
            reset = .daily(hour: hour, timeZone: try zone(time.dropFirst(digits.count)))
        } else {
            throw invalid("unknown schedule")
        }
        try reset.validate()
        self = reset
    }
}
