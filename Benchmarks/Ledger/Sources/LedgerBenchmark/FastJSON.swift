// A hand-written encoder for the two JSON columns SQLiteUsageLedger writes per event (cost_detail,
// tags), to measure the change the README proposes. Same bytes as JSONEncoder with `.sortedKeys`
// (slashes escaped too); `breakdown` and `ceiling` check that on real rows.
import CostPricing
import Foundation

enum FastJSON {
    /// `Money.decimalString` with 64-bit arithmetic after one 128-bit division (same text).
    static func decimal(_ money: Money) -> String {
        let (whole, fraction) = money.units.magnitude.quotientAndRemainder(dividingBy: UInt128(Money.unitsPerDollar))
        guard whole <= UInt128(UInt64.max) else { return money.decimalString }
        var text = money.units < 0 ? "-" : ""
        text += String(UInt64(whole))
        var rest = UInt64(fraction)
        if rest != 0 {
            var places = Money.scale
            while rest % 10 == 0 {
                rest /= 10
                places -= 1
            }
            let digits = String(rest)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return text
    }

    static func appendString(_ value: String, to out: inout String) {
        out.append("\"")
        var plain = true
        for unit in value.utf8 where unit < 0x20 || unit == 0x22 || unit == 0x5C || unit == 0x2F {
            plain = false
            break
        }
        if plain {
            out.append(value)
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "/": out.append("\\/")  // JSONEncoder's default, so the bytes are the same
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        out.append("\"")
    }

    /// `{"categories":{…},"input_usd":"…","output_usd":"…","priced":true,"priced_as":"…","service_tier":"…","total_usd":"…"}`
    static func cost(_ cost: EventCost) -> String {
        var out = ""
        out.reserveCapacity(256)
        out.append("{")
        if !cost.categories.isEmpty {
            out.append("\"categories\":{")
            var first = true
            for (category, amount) in cost.categories.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                if !first { out.append(",") }
                first = false
                appendString(category.rawValue, to: &out)
                out.append(":")
                appendString(decimal(amount), to: &out)
            }
            out.append("},")
        }
        out.append("\"input_usd\":")
        appendString(decimal(cost.inputTotal), to: &out)
        out.append(",\"output_usd\":")
        appendString(decimal(cost.outputTotal), to: &out)
        out.append(cost.isPriced ? ",\"priced\":true" : ",\"priced\":false")
        if let pricedAs = cost.pricedAs {
            out.append(",\"priced_as\":")
            appendString(pricedAs, to: &out)
        }
        out.append(",\"service_tier\":")
        appendString(cost.serviceTier.rawValue, to: &out)
        out.append(",\"total_usd\":")
        appendString(decimal(cost.total), to: &out)
        if let reason = cost.unpricedReason {
            out.append(",\"unpriced_reason\":")
            appendString(reason, to: &out)
        }
        out.append("}")
        return out
    }

    static func tags(_ tags: [String: String]) -> String {
        var out = "{"
        var first = true
        for (key, value) in tags.count == 1 ? Array(tags) : tags.sorted(by: { $0.key < $1.key }) {
            if !first { out.append(",") }
            first = false
            appendString(key, to: &out)
            out.append(":")
            appendString(value, to: &out)
        }
        out.append("}")
        return out
    }
}
