internal import CostPricing
internal import Foundation

/// The small JSON columns of an event, written by hand (JSONEncoder costs microseconds per event
/// on the ingest path) and read back with JSONSerialization.
///
/// `cost_detail` holds only what the integer columns do not: the amount of each category, a
/// non-standard service tier, the catalog entry that priced the event, and why it is unpriced —
/// `{"c":{"cache_read":"0.01125","input":"0.0075"},"p":"openai/gpt-4o","t":"batch"}`.
enum StoredJSON {
    static func appendString(_ value: String, to out: inout String) {
        out.append("\"")
        // Most values (ids, model names, tag values) need no escape: append them whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(value)
            out.append("\"")
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
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
        out.append("\"")
    }

    /// `{"k":"v",…}` with keys sorted.
    static func object(_ pairs: [String: String]) -> String {
        var out = "{"
        for (index, key) in pairs.keys.sorted().enumerated() {
            if index > 0 { out.append(",") }
            appendString(key, to: &out)
            out.append(":")
            appendString(pairs[key] ?? "", to: &out)
        }
        out.append("}")
        return out
    }

    /// `{"kind":count,…}` with keys sorted.
    static func counts(_ counts: [UsageKind: Int]) -> String {
        var out = "{"
        for (index, kind) in counts.keys.sorted(by: { $0.rawValue < $1.rawValue }).enumerated() {
            if index > 0 { out.append(",") }
            appendString(kind.rawValue, to: &out)
            out.append(":")
            out.append(String(counts[kind] ?? 0))
        }
        out.append("}")
        return out
    }

    static func costDetail(_ cost: EventCost) -> String? {
        var out = "{"
        out.reserveCapacity(160)
        var first = true
        func key(_ name: String) {
            out.append(first ? "\"" : ",\"")
            first = false
            out.append(name)
            out.append("\":")
        }
        if !cost.categories.isEmpty {
            key("c")
            out.append("{")
            for (index, (category, amount)) in cost.categories.sorted(by: { $0.key.rawValue < $1.key.rawValue }).enumerated() {
                if index > 0 { out.append(",") }
                out.append("\"")
                out.append(category.rawValue)
                out.append("\":\"")
                out.append(amount.decimalString)
                out.append("\"")
            }
            out.append("}")
        }
        if let pricedAs = cost.pricedAs {
            key("p")
            appendString(pricedAs, to: &out)
        }
        if let reason = cost.unpricedReason {
            key("r")
            appendString(reason, to: &out)
        }
        if case .standard = cost.serviceTier {} else {
            key("t")
            out.append("\"\(cost.serviceTier.rawValue)\"")
        }
        if first { return nil }
        out.append("}")
        return out
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
