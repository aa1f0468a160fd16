internal import CostPricing
internal import Foundation

/// The small JSON columns of an event, written by hand (JSONEncoder costs microseconds per event
/// on the ingest path) and read back with JSONSerialization.
///
/// `cost_detail` holds only what the integer columns do not: the amount of each category, a
/// non-standard service tier, the catalog entry that priced the event, and why it is unpriced —
/// `{"c":{"cache_read":"0.01125","input":"0.0075"},"p":"openai/gpt-4o","t":"batch"}`.
enum StoredJSON {
    /// Appends `value` as a JSON string (its UTF-8 bytes, quoted, escaped where JSON requires).
    static func appendString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most values (ids, model names, tag values) need no escape: append them whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: value.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)  // multi-byte characters are copied as they are
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `{"k":"v",…}` with keys sorted.
    static func object(_ pairs: [String: String]) -> String {
        var out: [UInt8] = []
        appendObject(pairs, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``object(_:)``'s bytes, appended to `out`.
    static func appendObject(_ pairs: [String: String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        if pairs.count == 1, let (key, value) = pairs.first {
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(value, to: &out)
        } else {
            for (index, (key, value)) in pairs.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendString(value, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `{"kind":count,…}` with keys sorted.
    static func counts(_ counts: [UsageKind: Int]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, kind) in counts.keys.sorted(by: { $0.rawValue < $1.rawValue }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(kind.rawValue, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: String(counts[kind] ?? 0).utf8)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func costDetail(_ cost: EventCost) -> String? {
        var out: [UInt8] = []
        guard appendCostDetail(cost, to: &out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``costDetail(_:)``'s bytes to `out`; false (and nothing appended) when there is
    /// nothing to store (the column is then NULL). Writes bytes, not a String: this runs for every
    /// event recorded.
    static func appendCostDetail(_ cost: EventCost, to out: inout [UInt8]) -> Bool {
        let start = out.count
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: UInt8) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: [UInt8(ascii: "\""), name, UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        if !cost.categories.isEmpty {
            key(UInt8(ascii: "c"))
            out.append(UInt8(ascii: "{"))
            for (index, (category, amount)) in cost.categories.sorted(by: { $0.key.rawValue < $1.key.rawValue }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: category.rawValue.utf8)
                out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: "\"")])
                amount.appendDecimal(to: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let pricedAs = cost.pricedAs {
            key(UInt8(ascii: "p"))
            appendString(pricedAs, to: &out)
        }
        if let reason = cost.unpricedReason {
            key(UInt8(ascii: "r"))
            appendString(reason, to: &out)
        }
        if case .standard = cost.serviceTier {} else {
            key(UInt8(ascii: "t"))
            appendString(cost.serviceTier.rawValue, to: &out)
        }
        if first {
            out.removeSubrange(start...)
            return false
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    /// Rebuilds the stored cost from its integer columns and `cost_detail`.
    static func cost(total: Money, input: Money, output: Money, priced: Bool, detail: String?) -> EventCost {
        var cost = EventCost(total: total, inputTotal: input, outputTotal: output, isPriced: priced)
        guard let detail, let object = (try? JSONSerialization.jsonObject(with: Data(detail.utf8))) as? [String: Any]
        else {
            if !priced { cost.unpricedReason = "no price" }
            return cost
        }
        if let categories = object["c"] as? [String: String] {
            for (name, amount) in categories {
                if let category = CostCategory(rawValue: name), let money = Money(amount) { cost.categories[category] = money }
            }
        }
        cost.pricedAs = object["p"] as? String
        cost.unpricedReason = object["r"] as? String
        if let tier = (object["t"] as? String).flatMap(ServiceTier.init(rawValue:)) { cost.serviceTier = tier }
        return cost
    }
}
