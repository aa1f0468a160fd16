public import Foundation

/// Parsing of the ISO 8601 dates and date-times costctl accepts (`--at`, price files, usage logs).
public enum Timestamp {
    /// Parses `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with `Z`, `±HH:MM`,
    /// `±HHMM` or no zone (UTC). A space may replace the `T`.
    ///
    /// - throws: ``PricingError`` `.invalidDate` with the expected forms.
    public static func parse(_ text: String) throws -> Date {
        guard let date = parseOrNil(text) else {
            throw PricingError(
                code: .invalidDate,
                message: "'\(text)' is not an ISO 8601 date or date-time (examples: 2026-11-02, 2026-11-02T20:59:00Z, 2026-11-02T12:00:00-08:00)")
        }
        return date
    }

    /// Like ``parse(_:)``, returning `nil` for invalid text.
    public static func parseOrNil(_ text: String) -> Date? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= s.count else { return nil }
            var v = 0
            for i in start..<(start + count) {
                guard s[i] >= 48, s[i] <= 57 else { return nil }
                v = v * 10 + Int(s[i] - 48)
            }
            return v
        }
        guard s.count >= 10, let y = digits(0, 4), s[4] == UInt8(ascii: "-"), let mo = digits(5, 2),
            s[7] == UInt8(ascii: "-"), let d = digits(8, 2), (1...12).contains(mo),
            (1...CivilDate.daysIn(month: mo, year: y)).contains(d)
        else { return nil }
        let day = CivilDate(year: y, month: mo, day: d).daysSinceEpoch
        if s.count == 10 { return Date(timeIntervalSince1970: TimeInterval(day) * 86_400) }
        guard s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t") || s[10] == UInt8(ascii: " "),
            let h = digits(11, 2), s.count > 13, s[13] == UInt8(ascii: ":"), let mi = digits(14, 2),
            h < 24, mi < 60
        else { return nil }
        var i = 16
        var sec = 0
        var fraction = 0.0
        if i < s.count, s[i] == UInt8(ascii: ":") {
            guard let ss = digits(i + 1, 2), ss < 61 else { return nil }
            sec = ss
            i += 3
            if i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",") {
                i += 1
                var scale = 0.1
                let start = i
                while i < s.count, s[i] >= 48, s[i] <= 57 {
                    fraction += Double(s[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        var offset = 0
        if i < s.count {
            switch s[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = digits(i + 1, 2) else { return nil }
                var j = i + 3
                if j < s.count, s[j] == UInt8(ascii: ":") { j += 1 }
                let om = digits(j, 2) ?? 0
                if digits(j, 2) != nil { j += 2 }
                guard oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
                i = j
            default:
                return nil
            }
        }
        guard i == s.count else { return nil }
        let seconds = day * 86_400 + h * 3600 + mi * 60 + sec - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    /// `2026-11-02T20:59:00Z` (UTC, whole seconds).
    public static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let (day, second) = total.floorDivided(by: 86_400)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(CivilDate(day: day))T\(pad(second / 3600)):\(pad(second / 60 % 60)):\(pad(second % 60))Z"
    }
}

extension Timestamp {
    /// `2026-11-02T20:59:00.125Z`: UTC with milliseconds when they are not zero.
    public static func formatMilliseconds(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (seconds, fraction) = Int(millis).floorDivided(by: 1000)
        let whole = format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        guard fraction != 0 else { return whole }
        let digits = String(fraction)
        return String(whole.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
