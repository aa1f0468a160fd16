// MARK: - Parsing and formatting decimal strings

extension Money {
    /// Parses a decimal amount: an optional sign, an optional `$`, digits with an optional fraction,
    /// and an optional exponent (`"0.0075"`, `"$0.0075"`, `"-1.5"`, `"3e-7"`, `"1,234.50"`).
    ///
    /// More than 18 decimal places are rejected rather than rounded: money is exact.
    ///
    /// - throws: ``PricingError`` `.invalidAmount` naming the text.
    public init(parsing text: String) throws {
        guard let units = Money.parseUnits(text) else {
            throw PricingError(
                code: .invalidAmount,
                message: "'\(text)' is not a decimal amount of dollars (examples: 0.0075, $12.50, 3e-7; at most 18 decimals)"
            )
        }
        self.units = units
    }

    /// Parses like ``init(parsing:)``, returning `nil` for invalid text.
    public init?(_ text: String) {
        guard let units = Money.parseUnits(text) else { return nil }
        self.units = units
    }

    static func parseUnits(_ text: String) -> Int128? {
        var bytes = Array(text.utf8)
        // trim ASCII whitespace
        while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { bytes.removeLast() }
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "$") { i += 1 }
        if !negative, i < bytes.count, bytes[i] == UInt8(ascii: "-") {  // "$-1" is not accepted, "-$1" is
            return nil
        }
        var mantissa: Int128 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        var seenDigit = false
        while i < bytes.count {
            let c = bytes[i]
            if c >= 0x30 && c <= 0x39 {
                seenDigit = true
                if mantissa != 0 || c != 0x30 { digits += 1 }
                guard digits <= 38 else { return nil }
                let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(Int128(c - 0x30))
                guard !o1, !o2 else { return nil }
                mantissa = m2
                if seenPoint { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if c == UInt8(ascii: ","), !seenPoint, seenDigit {
                // thousands separator
            } else {
                break
            }
            i += 1
        }
        guard seenDigit else { return nil }
        var exponent = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var expDigits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                exponent = exponent * 10 + Int(bytes[i] - 0x30)
                expDigits += 1
                guard exponent < 100 else { return nil }
                i += 1
            }
            guard expDigits > 0 else { return nil }
            if expNegative { exponent = -exponent }
        }
        guard i == bytes.count else { return nil }
        // value = mantissa × 10^(exponent - fractionDigits); units = value × 10^18
        var shift = Money.scale + exponent - fractionDigits
        var value = mantissa
        while shift < 0 {
            // drop trailing zeros only; anything else would need rounding
            guard value % 10 == 0 else { return nil }
            value /= 10
            shift += 1
        }
        while shift > 0 {
            let (v, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = v
            shift -= 1
        }
        return negative ? -value : value
    }

    /// The exact amount as a plain decimal string without trailing zeros: `"0.0000006375"`, `"12"`, `"-1.5"`.
    public var decimalString: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(40)
        appendDecimal(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``decimalString``'s UTF-8 bytes to `out`, written digit by digit (the ledger stores
    /// a few amounts per event; building each through `String(_:)` and concatenation cost about
    /// 0.4 µs).
    package func appendDecimal(to out: inout [UInt8]) {
        let (whole, fraction128) = units.magnitude.quotientAndRemainder(dividingBy: UInt128(Money.unitsPerDollar))
        if units < 0 { out.append(UInt8(ascii: "-")) }
        if whole <= UInt128(UInt64.max) {
            var value = UInt64(whole)
            let start = out.count
            repeat {
                out.append(UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
            } while value > 0
            out[start...].reverse()
        } else {
            out.append(contentsOf: String(whole).utf8)  // 2⁶⁴ dollars and more: 128-bit printing
        }
        var fraction = UInt64(fraction128)  // below 10¹⁸, so it fits
        guard fraction != 0 else { return }
        var places = Money.scale
        while fraction % 10 == 0 {
            fraction /= 10
            places -= 1
        }
        out.append(UInt8(ascii: "."))
        let first = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: places))
        var position = first + places - 1
        while fraction > 0 {
            out[position] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
            position -= 1
        }
    }

    /// The amount with exactly `places` decimals (rounded half-to-even), as `"0.0075"` or `"$0.01"`.
    public func formatted(places: Int, currencySymbol: Bool = false) -> String {
        let rounded = self.rounded(toPlaces: places)
        let magnitude = rounded.units.magnitude
        let whole = magnitude / UInt128(Money.unitsPerDollar)
        let fraction = magnitude % UInt128(Money.unitsPerDollar)
        var text = rounded.units < 0 ? "-" : ""
        if currencySymbol { text += "$" }
        text += String(whole)
        if places > 0 {
            var divisor: UInt128 = 1
            for _ in 0..<(Money.scale - min(places, Money.scale)) { divisor *= 10 }
            let digits = String(fraction / divisor)
            text += "." + String(repeating: "0", count: min(places, Money.scale) - digits.count) + digits
        }
        return text
    }

    /// A compact human form for tables: at least 2 and at most `maxPlaces` decimals, keeping the
    /// significant digits of small amounts (`$0.0075`, `$1.01`, `$12.50`).
    public func display(maxPlaces: Int = 6) -> String {
        var text = decimalString
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        if fraction.count > maxPlaces {
            return formatted(places: maxPlaces, currencySymbol: true)
        }
        while fraction.count < 2 { fraction += "0" }
        return (negative ? "-$" : "$") + parts[0] + "." + fraction
    }
}

extension Money: CustomStringConvertible, LosslessStringConvertible {
    /// `$` followed by the exact decimal amount, at least two decimals (`$0.0075`, `$12.50`).
    public var description: String { display(maxPlaces: Money.scale) }
}

extension Money: Codable {
    /// Decodes from a decimal string (`"0.0075"`); a JSON number is accepted only if it is an integer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let units = Money.parseUnits(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(text)' is not a decimal amount of dollars")
            }
            self.units = units
        } else {
            let whole = try container.decode(Int.self)
            self = try Money(dollars: whole)
        }
    }

    /// Encodes as an exact decimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimalString)
    }
}
