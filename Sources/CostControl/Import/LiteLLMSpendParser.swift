internal import CostPricing
internal import Foundation

/// LiteLLM proxy spend logs: the `LiteLLM_SpendLogs` table exported as CSV, a JSON array, or JSON
/// Lines (one row a line).
///
/// Columns used: `request_id`, `startTime`, `model` (else `model_group`), `custom_llm_provider`,
/// `prompt_tokens` (OpenAI semantics: cache reads included), `completion_tokens`, `spend` (the cost
/// LiteLLM computed; kept in cost modes `auto` and `display`), `user` (else `end_user`), `team_id`,
/// `session_id`, `status`, `request_tags` (a JSON array), `cache_hit`, and from `metadata` (a JSON
/// object or its text): `user_api_key_alias`, `user_api_key_team_alias`, and
/// `usage_object.prompt_tokens_details.cached_tokens` / `cache_creation_input_tokens`.
struct LiteLLMSpendParser: RecordParser {
    let context: ParseContext
    let path: String
    var mode: Mode = .undecided
    var table = CSVTable()
    var document = WholeDocument()

    enum Mode {
        case undecided, csv, jsonLines, jsonDocument
    }

    init(path: String, context: ParseContext) {
        self.path = path
        self.context = context
    }

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, number: Int, into output: inout ParseOutput) {
        if mode == .undecided {
            guard !LineBytes.isBlank(line), let first = line.first(where: { $0 != 32 && $0 != 9 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF })
            else { return }
            if first == UInt8(ascii: "[") {
                mode = .jsonDocument
            } else if first == UInt8(ascii: "{") {
                mode = LineBytes.jsonObject(line) != nil ? .jsonLines : .jsonDocument
            } else {
                mode = .csv
            }
        }
        switch mode {
        case .undecided: return
        case .jsonDocument:
            _ = document.take(line, firstLine: true)
        case .jsonLines:
            if LineBytes.isBlank(line) { return }
            output.records += 1
            guard let object = LineBytes.jsonObject(line) else {
                output.skip("malformed line (not a JSON object)")
                return
            }
            row(object, into: &output)
        case .csv:
            if let r = table.row(line, into: &output) { row(r, into: &output) }
        }
    }

    mutating func finish(into output: inout ParseOutput) {
        if mode == .csv { table.finish(into: &output) }
        guard mode == .jsonDocument else { return }
        let parsed = document.parsed()
        let rows = (parsed as? [[String: Any]]) ?? ((parsed as? [String: Any])?["data"] as? [[String: Any]])
        if let rows {
            for r in rows {
                output.records += 1
                row(r, into: &output)
            }
        } else {
            output.records += 1
            output.skip(document.tooLarge ? "file larger than 256 MB (export as CSV or JSON Lines)" : "malformed JSON document")
        }
        document = WholeDocument()
    }

    func row(_ r: [String: Any], into output: inout ParseOutput) {
        func text(_ key: String) -> String? { JSONFields.string(r[key]).flatMap { $0.isEmpty ? nil : $0 } }
        guard let requestID = text("request_id") else {
            output.skip("no request_id")
            return
        }
        guard let model = text("model") ?? text("model_group") else {
            output.skip("no model")
            return
        }
        guard let timestamp = JSONFields.date(r["startTime"] ?? r["start_time"]) else {
            output.skip("no startTime")
            return
        }
        var metadata: [String: Any] = [:]
        if let object = r["metadata"] as? [String: Any] {
            metadata = object
        } else if let text = r["metadata"] as? String, let object = LiteLLMSpendParser.jsonObject(text) {
            metadata = object
        }
        guard let prompt = JSONFields.int(r["prompt_tokens"] ?? 0), let completion = JSONFields.int(r["completion_tokens"] ?? 0)
        else {
            output.skip("malformed token counts")
            return
        }
        let usageObject = metadata["usage_object"] as? [String: Any]
        let cached = JSONFields.int((usageObject?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"]) ?? 0
        let cacheWrite = JSONFields.int(usageObject?["cache_creation_input_tokens"]) ?? 0
        let usage = Usage(
            inputTokens: max(prompt, cached + cacheWrite), outputTokens: completion, cacheReadTokens: cached,
            cacheWriteTokens: cacheWrite)
        var reported: Money?
        if let raw = r["spend"], !(raw is NSNull), !(JSONFields.string(raw)?.isEmpty ?? false) {
            guard let spend = JSONFields.money(raw) else {
                output.skip("malformed spend (not a decimal amount)")
                return
            }
            reported = spend
        }
        var tags = ["source": "litellm"]
        var tagList: [String] = []
        if let list = r["request_tags"] as? [Any] {
            tagList = list.compactMap { JSONFields.string($0) }
        } else if let text = r["request_tags"] as? String,
            let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any]
        {
            tagList = list.compactMap { JSONFields.string($0) }
        }
        for tag in tagList where !tag.isEmpty && !tag.contains("=") {
            if let colon = tag.firstIndex(of: ":") {
                tags[String(tag[..<colon])] = String(tag[tag.index(after: colon)...])
            } else {
                tags[tag] = "true"
            }
        }
        if JSONFields.bool(r["cache_hit"]) == true { tags["cache_hit"] = "true" }
        let status: EventStatus =
            switch text("status")?.lowercased() {
            case nil, "success", "ok": .ok
            default: .error
            }
        let provider = text("custom_llm_provider") ?? ""
        let keyAlias = JSONFields.string(metadata["user_api_key_alias"]).flatMap { $0.isEmpty ? nil : $0 }
        let team = text("team_id") ?? JSONFields.string(metadata["user_api_key_team_alias"])
        do {
            let cost = try context.pricing.cost(
                usage, model: model, provider: provider, at: timestamp, tier: .standard, reported: reported, reportedBy: "spend")
            output.events.append(
                UsageEvent(
                    id: "litellm:\(requestID)", timestamp: timestamp, provider: provider, model: model, usage: usage,
                    cost: cost,
                    dimensions: UsageDimensions(
                        team: team, user: text("user") ?? text("end_user"), keyID: keyAlias, session: text("session_id"),
                        operation: text("call_type"), tags: tags),
                    status: status))
        } catch {
            output.skip("could not be priced: \(error)")
        }
    }

    static func jsonObject(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}
