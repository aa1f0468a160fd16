internal import CostPricing
public import Foundation

/// Reading loosely typed JSON (from `JSONSerialization`) the way usage files need it.
enum JSONFields {
    /// The value at a dotted path (`message.usage.input_tokens`).
    static func value(_ object: [String: Any], _ path: String) -> Any? {
        if let direct = object[path] { return direct }
        guard path.contains(".") else { return nil }
        var current: Any? = object
        for part in path.split(separator: ".") {
            guard let dictionary = current as? [String: Any] else { return nil }
            current = dictionary[String(part)]
        }
        return current
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber where !isBool(n): return n.stringValue
        default: return nil
        }
    }

    /// A non-negative whole count: a JSON integer, an integral float, or a numeric string.
    static func int(_ value: Any?) -> Int? {
        switch value {
        case let n as NSNumber where !isBool(n):
            let d = n.doubleValue
            guard d.isFinite, d >= 0, d == d.rounded(), d < 9e15 else { return nil }
            return n.intValue
        case let s as String:
            let t = s.trimmingCharacters(in: .whitespaces)
            if let i = Int(t) { return i }
            if let d = Double(t), d.isFinite, d >= 0, d == d.rounded(), d < 9e15 { return Int(d) }
            return nil
        default: return nil
        }
    }

    static func bool(_ value: Any?) -> Bool? {
        switch value {
        case let n as NSNumber: return n.boolValue
        case let s as String: return ["true", "1", "yes"].contains(s.lowercased())
        default: return nil
        }
    }

    /// An exact amount from a JSON number (its shortest round-trip decimal form) or a decimal string.
    static func money(_ value: Any?) -> Money? {
        switch value {
        case let s as String:
            return Money(s.trimmingCharacters(in: .whitespaces))
        case let n as NSNumber where !isBool(n):
            let d = n.doubleValue
            guard d.isFinite else { return nil }
            return Money(decimalString(d))
        default:
            return nil
        }
    }

    /// The shortest decimal text that reads back as `value`, without an exponent (`1e-05` → `0.00001`).
    static func decimalString(_ value: Double) -> String {
        let text = "\(value)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(text[text.index(after: e)...])
        else { return text.hasSuffix(".0") ? String(text.dropLast(2)) : text }
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: -point + 1) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        let head = digits.prefix(point)
        let tail = digits.dropFirst(point)
        return (negative ? "-" : "") + head + (tail.isEmpty ? "" : "." + tail)
    }

    /// A time: ISO 8601 text, or a number of Unix seconds (milliseconds when above 10¹²).
    static func date(_ value: Any?) -> Date? {
        switch value {
        case let s as String:
            if let date = fastDate(s) { return date }
            if let d = Double(s.trimmingCharacters(in: .whitespaces)) { return unixDate(d) }
            // "2026-11-02 10:00:00" (SQL exports), with an optional fraction and zone.
            if s.count >= 19, s[s.index(s.startIndex, offsetBy: 10)] == " " {
                var t = s
                t.replaceSubrange(t.index(t.startIndex, offsetBy: 10)...t.index(t.startIndex, offsetBy: 10), with: "T")
                if let date = Timestamp.parseOrNil(t) { return date }
                return Timestamp.parseOrNil(t + "Z")
            }
            return nil
        case let n as NSNumber where !isBool(n):
            return unixDate(n.doubleValue)
        default:
            return nil
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, the form logs write, read without allocating; anything else
    /// goes to ``Timestamp/parseOrNil(_:)``.
    static func fastDate(_ text: String) -> Date? {
        var text = text
        let parsed: Date?? = text.withUTF8 { s -> Date?? in
            guard s.count >= 20, s.count <= 30, s[4] == 45, s[7] == 45, s[10] == 84, s[13] == 58, s[16] == 58,
                s[s.count - 1] == 90
            else { return .some(nil) }
            func number(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for i in from..<(from + count) {
                    guard s[i] >= 48, s[i] <= 57 else { return nil }
                    v = v * 10 + Int(s[i] - 48)
                }
                return v
            }
            guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
                let mi = number(14, 2), let sec = number(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24,
                mi < 60, sec < 61
            else { return .some(nil) }
            var millis = 0
            if s.count > 20 {
                guard s[19] == 46, s.count > 21 else { return .some(nil) }
                var scale = 100
                for i in 20..<(s.count - 1) {
                    guard s[i] >= 48, s[i] <= 57 else { return .some(nil) }
                    millis += Int(s[i] - 48) * scale
                    scale /= 10
                }
            } else if s[19] != 90 {
                return .some(nil)
            }
            let days = CivilDate(year: y, month: mo, day: d).daysSinceEpoch
            guard d <= 28 || CivilDate(day: days).day == d else { return .some(nil) }
            let total = Int64(days * 86_400 + h * 3_600 + mi * 60 + sec) * 1000 + Int64(millis)
            return .some(Date(timeIntervalSince1970: TimeInterval(total) / 1000))
        }
        if let parsed, let date = parsed { return date }
        return Timestamp.parseOrNil(text)
    }

    static func unixDate(_ d: Double) -> Date? {
        guard d.isFinite, d > 0 else { return nil }
        return Date(timeIntervalSince1970: d > 1e12 ? d / 1000 : d)
    }

    /// Whether a number is a JSON `true`/`false` (Foundation boxes both as numbers).
    static func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }
}

/// A deterministic 128-bit hash (two FNV-1a lanes), for ids of records that carry none.
enum StableHash {
    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let k = key(bytes)
        func h(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return h(k.high) + h(k.low)
    }

    static func key<S: Sequence>(_ bytes: S) -> StableKey where S.Element == UInt8 {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte ^ 0x5A)) &* 0x0000_0100_0000_01B3
            b = (b << 7) | (b >> 57)
        }
        return StableKey(high: a, low: b)
    }
}

/// A compact dedup key (128 bits of a hash).
struct StableKey: Hashable, Sendable {
    var high: UInt64
    var low: UInt64
}

/// The timestamp reader of the importers, public for tests and other importers.
public enum ImportTimestamp {
    /// ISO 8601 as logs write it (fast path for `…T…Z`), or what ``Timestamp/parseOrNil(_:)`` accepts.
    public static func parse(_ text: String) -> Date? { JSONFields.fastDate(text) }
}
