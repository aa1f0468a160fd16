/// An exact amount of US dollars: a fixed-point number with 18 decimal places in a 128-bit integer.
///
/// `Money` never rounds when it adds, subtracts or multiplies by a count, and it reports overflow
/// instead of wrapping. One unit is 10⁻¹⁸ USD (an "attodollar"); the largest amount is about
/// ±1.7 × 10²⁰ USD. Prices with up to 18 decimals (genai-prices carries up to 18 per million tokens)
/// are represented exactly.
///
/// For example:
/// ```swift
/// let price = try Money(parsing: "$0.0075")
/// let total = try price.multiplied(by: 3)           // 0.0225
/// print(total)                                      // "$0.0225"
/// print(total.decimalString)                        // "0.0225"
/// ```
public struct Money: Sendable, Hashable, Comparable {
    /// Units of 10⁻¹⁸ USD in one dollar.
    public static let unitsPerDollar: Int128 = 1_000_000_000_000_000_000
    /// Decimal places kept exactly.
    public static let scale = 18

    /// The amount in units of 10⁻¹⁸ USD.
    public var units: Int128

    /// Creates an amount from a count of 10⁻¹⁸ USD units.
    public init(units: Int128) {
        self.units = units
    }

    /// Creates a whole number of dollars.
    ///
    /// - throws: ``PricingError`` with code `.overflow` when the amount does not fit.
    public init(dollars: Int) throws {
        let (value, overflow) = Int128(dollars).multipliedReportingOverflow(by: Money.unitsPerDollar)
        guard !overflow else { throw PricingError.overflow("\(dollars) dollars") }
        self.units = value
    }

    /// Zero dollars.
    public static let zero = Money(units: 0)

    public var isZero: Bool { units == 0 }
    public var isNegative: Bool { units < 0 }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.units < rhs.units }

    // MARK: - Checked arithmetic

    /// The sum, or an overflow error.
    ///
    /// - throws: ``PricingError`` `.overflow`.
    public func adding(_ other: Money) throws -> Money {
        let (value, overflow) = units.addingReportingOverflow(other.units)
        guard !overflow else { throw PricingError.overflow("\(self) + \(other)") }
        return Money(units: value)
    }

    /// The difference, or an overflow error.
    ///
    /// - throws: ``PricingError`` `.overflow`.
    public func subtracting(_ other: Money) throws -> Money {
        let (value, overflow) = units.subtractingReportingOverflow(other.units)
        guard !overflow else { throw PricingError.overflow("\(self) - \(other)") }
        return Money(units: value)
    }

    /// This amount times a count (for example a per-request fee times the number of requests).
    ///
    /// - throws: ``PricingError`` `.overflow`.
    public func multiplied(by count: Int) throws -> Money {
        let (value, overflow) = units.multipliedReportingOverflow(by: Int128(count))
        guard !overflow else { throw PricingError.overflow("\(self) × \(count)") }
        return Money(units: value)
    }

    /// This amount, taken as a price per `per` units, applied to `count` units: `self × count / per`,
    /// rounded half-to-even at 10⁻¹⁸ USD. Used for "$3 per million tokens × 1,234 tokens".
    ///
    /// - throws: ``PricingError`` `.overflow`.
    public func prorated(count: Int, per: Int) throws -> Money {
        precondition(per > 0, "per must be positive")
        let (product, overflow) = units.multipliedReportingOverflow(by: Int128(count))
        guard !overflow else { throw PricingError.overflow("\(self) × \(count)") }
        if per == 1 { return Money(units: product) }
        return Money(units: Money.divideRoundingHalfEven(product, by: Int128(per)))
    }

    /// `numerator / denominator` rounded half-to-even; `denominator` > 0.
    static func divideRoundingHalfEven(_ numerator: Int128, by denominator: Int128) -> Int128 {
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        if remainder == 0 { return quotient }
        let twice = remainder.magnitude * 2
        let d = denominator.magnitude
        let awayFromZero: Int128 = numerator < 0 ? -1 : 1
        if twice > d || (twice == d && quotient % 2 != 0) {
            return quotient + awayFromZero
        }
        return quotient
    }

    /// Sums amounts, reporting overflow.
    ///
    /// - throws: ``PricingError`` `.overflow`.
    public static func sum<S: Sequence>(_ amounts: S) throws -> Money where S.Element == Money {
        var total = Money.zero
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    /// Trapping sum: use ``adding(_:)`` where the operands come from outside.
    public static func + (lhs: Money, rhs: Money) -> Money { Money(units: lhs.units + rhs.units) }
    /// Trapping difference: use ``subtracting(_:)`` where the operands come from outside.
    public static func - (lhs: Money, rhs: Money) -> Money { Money(units: lhs.units - rhs.units) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.units += rhs.units }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.units -= rhs.units }
    public static prefix func - (operand: Money) -> Money { Money(units: -operand.units) }

    // MARK: - Rounding

    /// This amount rounded half-to-even to `places` decimal places (0...18).
    public func rounded(toPlaces places: Int) -> Money {
        let places = max(0, min(Money.scale, places))
        var step: Int128 = 1
        for _ in 0..<(Money.scale - places) { step *= 10 }
        return Money(units: Money.divideRoundingHalfEven(units, by: step) * step)
    }
}
