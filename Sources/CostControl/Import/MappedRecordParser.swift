internal import CostPricing
internal import Foundation

/// Generic CSV (with a header row) and JSON Lines, mapped onto event fields with ``FieldMapping``.
struct MappedRecordParser: RecordParser {
    let context: ParseContext
    let path: String
    let isCSV: Bool
    var table = CSVTable()

    init(path: String, context: ParseContext) {
        self.path = path
        self.context = context
        self.isCSV = context.options.format == .csv
    }

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, number: Int, into output: inout ParseOutput) {
        if isCSV {
            if let row = table.row(line, into: &output) {
                let identity = row.keys.sorted().map { "\($0)=\(JSONFields.string(row[$0]) ?? "")" }.joined(separator: "\u{1F}")
                record(row, identity: StableHash.hex(identity.utf8), into: &output)
            }
            return
        }
        if LineBytes.isBlank(line) { return }
        output.records += 1
        guard let object = LineBytes.jsonObject(line) else {
            output.skip("malformed line (not a JSON object)")
            return
        }
        record(object, identity: StableHash.hex(UnsafeRawBufferPointer(line)), into: &output)
    }

    mutating func finish(into output: inout ParseOutput) {
        if isCSV { table.finish(into: &output) }
    }

    func record(_ row: [String: Any], identity: String, into output: inout ParseOutput) {
        let mapping = context.options.mapping
        func value(_ target: String) -> Any? {
            for source in mapping.sources(for: target) {
                if let v = JSONFields.value(row, source), !(v is NSNull) { return v }
            }
            return nil
        }
        func text(_ target: String) -> String? {
            JSONFields.string(value(target)).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let model = text("model") else {
            output.skip("no model")
            return
        }
        guard let timestamp = JSONFields.date(value("timestamp")) else {
            output.skip(value("timestamp") == nil ? "no timestamp" : "malformed timestamp")
            return
        }
        var counts: [String: Int] = [:]
        for target in FieldMapping.countTargets {
            guard let raw = value(target) else { continue }
            guard let n = JSONFields.int(raw) else {
                output.skip("malformed count '\(target)' (not a whole number)")
                return
            }
            counts[target] = n
        }
        let cacheRead = counts["cache_read"] ?? 0
        let write5m = counts["cache_write_5m"] ?? 0
        let write1h = counts["cache_write_1h"] ?? 0
        let cacheWrite = max(counts["cache_write"] ?? 0, write5m + write1h)
        let input = counts["input"] ?? ((counts["uncached_input"] ?? 0) + cacheRead + cacheWrite)
        let usage = Usage(
            inputTokens: input, outputTokens: counts["output"] ?? 0, cacheReadTokens: cacheRead,
            cacheWriteTokens: cacheWrite, cacheWrite5mTokens: write5m, cacheWrite1hTokens: write1h,
            reasoningTokens: counts["reasoning"] ?? 0, requests: counts["requests"] ?? 1)
        var reported: Money?
        if let raw = value("cost") {
            guard let amount = JSONFields.money(raw) else {
                output.skip("malformed cost (not a decimal amount)")
                return
            }
            reported = amount
        }
        var status = EventStatus.ok
        if let s = text("status") {
            switch s.lowercased() {
            case "ok", "success", "succeeded", "200": status = .ok
            case "rate_limited", "rate-limited", "429": status = .rateLimited
            default: status = .error
            }
        }
        var tags: [String: String] = [:]
        for (tag, source) in mapping.tagSources {
            if let v = JSONFields.string(JSONFields.value(row, source)), !v.isEmpty { tags[tag] = v }
        }
        let provider = text("provider") ?? context.options.defaultProvider ?? ""
        let prefix = context.options.format.rawValue
        let id = text("id").map { "\(prefix):\($0)" } ?? "\(prefix):\(identity)"
        do {
            let cost = try context.pricing.cost(
                usage, model: model, provider: provider, at: timestamp, tier: .standard, reported: reported,
                reportedBy: mapping.fields["cost"] ?? "cost")
            output.events.append(
                UsageEvent(
                    id: id, timestamp: timestamp, provider: provider, model: model, usage: usage, cost: cost,
                    dimensions: UsageDimensions(
                        org: text("org"), team: text("team"), user: text("user"), project: text("project"),
                        keyID: text("key_id"), session: text("session"), operation: text("operation"), tags: tags),
                    status: status))
        } catch {
            output.skip("could not be priced: \(error)")
        }
    }
}
