internal import Foundation

/// A minimal pull scanner over one JSON text, for the hot path of log imports: it reads the few
/// fields an importer needs and skips everything else (message content, tool results) without
/// building objects. Structure is checked as it is read; a line it cannot read is malformed.
struct JSONScanner {
    struct Malformed: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        while index < bytes.count {
            let b = bytes[index]
            guard b == 32 || b == 9 || b == 10 || b == 13 else { return }
            index += 1
        }
    }

    mutating func peek() throws -> UInt8 {
        skipSpace()
        guard index < bytes.count else { throw Malformed() }
        return bytes[index]
    }

    mutating func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw Malformed() }
        index += 1
    }

    /// Calls `body` with each key of the object at the cursor (the raw bytes between the quotes);
    /// `body` must consume the value (read it or ``skipValue()``).
    mutating func object(_ body: (inout JSONScanner, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw Malformed() }
            let start = index + 1
            try skipString()
            let key = UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            let next = try peek()
            index += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw Malformed() }
        }
    }

    /// Skips the value at the cursor.
    mutating func skipValue() throws {
        switch try peek() {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"):
            try object { scanner, _ in try scanner.skipValue() }
        case UInt8(ascii: "["):
            index += 1
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try skipValue()
                let next = try peek()
                index += 1
                if next == UInt8(ascii: "]") { return }
                guard next == UInt8(ascii: ",") else { throw Malformed() }
            }
        default:
            _ = try scalar()
        }
    }

    /// Skips a string (the cursor on its opening quote), leaving the cursor after the closing quote.
    mutating func skipString() throws {
        guard let base = bytes.baseAddress else { throw Malformed() }
        index += 1
        while index < bytes.count {
            // Jump to the next quote, then check it is not escaped.
            guard let found = memchr(base + index, 34, bytes.count - index) else { throw Malformed() }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            var i = quote - 1
            while i >= index, bytes[i] == 92 {
                backslashes += 1
                i -= 1
            }
            index = quote + 1
            if backslashes % 2 == 0 { return }
        }
        throw Malformed()
    }

    /// A string value, unescaped; `nil` for JSON `null`.
    mutating func string() throws -> String? {
        let first = try peek()
        if first == UInt8(ascii: "n") {
            _ = try scalar()
            return nil
        }
        guard first == UInt8(ascii: "\"") else { throw Malformed() }
        let start = index + 1
        try skipString()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
        guard raw.contains(92) else { return String(decoding: raw, as: UTF8.self) }
        return try JSONScanner.unescape(raw)
    }

    /// A number, `true`, `false` or `null`, as its raw text.
    mutating func scalar() throws -> UnsafeBufferPointer<UInt8> {
        skipSpace()
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == 44 || b == 125 || b == 93 || b == 32 || b == 9 || b == 10 || b == 13 { break }
            index += 1
        }
        guard index > start else { throw Malformed() }
        return UnsafeBufferPointer(rebasing: bytes[start..<index])
    }

    /// A whole number (an integral float such as `12.0` is accepted); `nil` for `null`.
    mutating func int() throws -> Int? {
        let text = try scalar()
        if JSONScanner.equals(text, "null") { return nil }
        var value = 0
        var digits = 0
        var negative = false
        var i = 0
        if text[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        while i < text.count, text[i] >= 48, text[i] <= 57 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(text[i] - 48))
            guard !o1, !o2 else { throw Malformed() }
            value = a
            digits += 1
            i += 1
        }
        guard digits > 0 else { throw Malformed() }
        if i < text.count {
            guard let d = Double(String(decoding: text, as: UTF8.self)), d == d.rounded(), abs(d) < 9e15 else { throw Malformed() }
            return Int(d)
        }
        return negative ? -value : value
    }

    /// `true`/`false`; `nil` for `null`.
    mutating func bool() throws -> Bool? {
        let text = try scalar()
        if JSONScanner.equals(text, "true") { return true }
        if JSONScanner.equals(text, "false") { return false }
        if JSONScanner.equals(text, "null") { return nil }
        throw Malformed()
    }

    /// A number or a numeric string as decimal text (`nil` for `null`).
    mutating func decimalText() throws -> String? {
        if try peek() == UInt8(ascii: "\"") { return try string() }
        let text = try scalar()
        if JSONScanner.equals(text, "null") { return nil }
        let s = String(decoding: text, as: UTF8.self)
        if s.contains(where: { $0 == "e" || $0 == "E" }) {
            guard let d = Double(s) else { throw Malformed() }
            return JSONFields.decimalString(d)
        }
        return s
    }

    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
        return memcmp(base, text.utf8Start, bytes.count) == 0
    }

    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= raw.count else { throw Malformed() }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = raw[k]
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 65...70: d = c - 55
                case 97...102: d = c - 87
                default: throw Malformed()
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while i < raw.count {
            let c = raw[i]
            guard c == 92 else {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { throw Malformed() }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == 92, raw[i + 1] == UInt8(ascii: "u") {
                    let low = try hex4(i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default:
                throw Malformed()
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
