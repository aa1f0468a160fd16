import Foundation
import Testing

@testable import CostPricing

@Suite("Money")
struct MoneyTests {
    @Test(
        "parses decimal strings exactly",
        arguments: [
            ("0.0075", Int128(7_500_000_000_000_000)),
            ("$0.0075", Int128(7_500_000_000_000_000)),
            ("0.0000006375", Int128(637_500_000_000)),
            ("-1.5", Int128(-1_500_000_000_000_000_000)),
            ("-$2", Int128(-2_000_000_000_000_000_000)),
            ("3e-7", Int128(300_000_000_000)),
            ("1.25E+2", Int128(125) * Money.unitsPerDollar),
            ("1,234.50", Int128(123_450) * Money.unitsPerDollar / 100),
            ("0.000000000000000001", Int128(1)),
            ("12", Int128(12) * Money.unitsPerDollar),
            ("  7.10  ", Int128(71) * Money.unitsPerDollar / 10),
        ])
    func parse(text: String, units: Int128) throws {
        #expect(try Money(parsing: text).units == units)
    }

    @Test("rejects what is not an exact amount", arguments: ["", "$", "abc", "1.2.3", "0.0000000000000000001", "1e", "--1", "$-1", "1e999", "NaN"])
    func reject(text: String) {
        #expect(throws: PricingError.self) { try Money(parsing: text) }
    }

    @Test("formats without trailing zeros and round-trips")
    func format() throws {
        #expect(try Money(parsing: "0.0000006375").decimalString == "0.0000006375")
        #expect(try Money(parsing: "12.50").decimalString == "12.5")
        #expect(try Money(parsing: "-0.001").decimalString == "-0.001")
        #expect(Money.zero.decimalString == "0")
        #expect(try Money(parsing: "0.0075").description == "$0.0075")
        #expect(try Money(parsing: "12.5").description == "$12.50")
        #expect(try Money(parsing: "1.005").formatted(places: 2) == "1.00")  // half to even
        #expect(try Money(parsing: "1.015").formatted(places: 2) == "1.02")
        #expect(try Money(parsing: "0.00001234").display(maxPlaces: 6) == "$0.000012")
        for text in ["0.1", "123456789.123456789123456789", "-0.000000000000000001", "170141183460469231731"] {
            let m = try Money(parsing: text)
            #expect(try Money(parsing: m.decimalString) == m)
        }
    }

    @Test("decimal strings round-trip at every magnitude, both sides of 2^64 dollars")
    func decimalMagnitudes() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let boundary = Int128(UInt64.max) * Money.unitsPerDollar
        var samples: [Int128] = [0, 1, -1, 10, Money.unitsPerDollar, -Money.unitsPerDollar, boundary, boundary - 1, boundary + 1,
                                 boundary + Money.unitsPerDollar, Int128.max >> 1, Int128.min >> 1]
        for _ in 0..<2_000 {
            let wide = Int128(bitPattern: (UInt128(next()) << 64) | UInt128(next()))
            samples.append(wide >> Int(1 + next() % 126))  // the parser's range stops short of Int128.max
        }
        for units in samples {
            let money = Money(units: units)
            let text = money.decimalString
            #expect(try Money(parsing: text) == money, "\(units) printed as \(text)")
            #expect(!text.hasSuffix("0") || !text.contains("."), "\(text) keeps a trailing zero")
            #expect(!text.hasSuffix("."))
        }
        #expect(Money(units: 5).decimalString == "0.000000000000000005")
        #expect(Money(units: -1_500_000_000_000_000_000).decimalString == "-1.5")
        #expect(Money(units: boundary + 1).decimalString == "18446744073709551615.000000000000000001")
    }

    @Test("checked arithmetic reports overflow instead of wrapping")
    func overflow() throws {
        let max = Money(units: .max)
        #expect(throws: PricingError.self) { try max.adding(Money(units: 1)) }
        #expect(throws: PricingError.self) { try Money(units: .min).subtracting(Money(units: 1)) }
        #expect(throws: PricingError.self) { try max.multiplied(by: 2) }
        #expect(throws: PricingError.self) { try max.prorated(count: 3, per: 1_000_000) }
        #expect(try Money(parsing: "0.1").adding(Money(parsing: "0.2")) == Money(parsing: "0.3"))
        #expect(try Money(parsing: "0.0075").multiplied(by: 3) == Money(parsing: "0.0225"))
        #expect(try Money.sum([Money(parsing: "1"), Money(parsing: "2.5")]) == Money(parsing: "3.5"))
    }

    @Test("prorating rounds half to even at 1e-18")
    func prorate() throws {
        // $3 per million tokens × 1 token = 0.000003 exactly
        #expect(try Money(parsing: "3").prorated(count: 1, per: 1_000_000) == Money(parsing: "0.000003"))
        // 1e-18 × 1 / 2 = 0.5e-18 → 0 (even); 3e-18 / 2 = 1.5e-18 → 2e-18
        #expect(try Money(units: 1).prorated(count: 1, per: 2).units == 0)
        #expect(try Money(units: 3).prorated(count: 1, per: 2).units == 2)
        #expect(try Money(units: -3).prorated(count: 1, per: 2).units == -2)
    }

    @Test("Codable as a decimal string")
    func codable() throws {
        let m = try Money(parsing: "0.0000006375")
        let data = try JSONEncoder().encode([m])
        #expect(String(decoding: data, as: UTF8.self) == #"["0.0000006375"]"#)
        #expect(try JSONDecoder().decode([Money].self, from: data) == [m])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data(#"["x"]"#.utf8)) }
    }
}
