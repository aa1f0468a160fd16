internal import CostPricing
internal import Foundation

/// Saved pages of the providers' organization reports: OpenAI `/v1/organization/usage/completions`
/// and `/v1/organization/costs`, Anthropic `usage_report/messages` and `cost_report`.
///
/// A file holds one page (pretty-printed or not) or JSON Lines of pages. A page is
/// `{"data": [bucket…], "has_more": …}`; a bucket has a start, an end and `results`.
struct ReportPageParser: RecordParser {
    let format: ImportFormat
    let context: ParseContext
    let path: String
    var document = WholeDocument()
    var sawContent = false

    init(path: String, context: ParseContext) {
        self.path = path
        self.context = context
        self.format = context.options.format
    }

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, number: Int, into output: inout ParseOutput) {
        if document.active {
            _ = document.take(line, firstLine: false)
            return
        }
        if LineBytes.isBlank(line) { return }
        let first = !sawContent
        sawContent = true
        if let object = LineBytes.jsonObject(line) {
            page(object, into: &output)
        } else if !document.take(line, firstLine: first) {
            output.records += 1
            output.skip("malformed page (not a JSON object)")
        }
    }

    mutating func finish(into output: inout ParseOutput) {
        guard document.active else { return }
        if document.tooLarge {
            output.records += 1
            output.skip("page larger than 256 MB (save pages as JSON Lines, one page a line)")
        } else if let object = document.parsed() as? [String: Any] {
            page(object, into: &output)
        } else {
            output.records += 1
            output.skip("malformed page (not a JSON object)")
        }
        document = WholeDocument()
    }

    func page(_ object: [String: Any], into output: inout ParseOutput) {
        let buckets: [[String: Any]]
        if let data = object["data"] as? [[String: Any]] {
            buckets = data
        } else if object["results"] != nil {
            buckets = [object]
        } else {
            output.records += 1
            output.skip("not a report page (no 'data' array)")
            return
        }
        for bucket in buckets {
            let start = JSONFields.date(bucket["start_time"] ?? bucket["starting_at"])
            let end = JSONFields.date(bucket["end_time"] ?? bucket["ending_at"])
            guard let results = bucket["results"] as? [[String: Any]] else {
                output.records += 1
                output.skip("bucket without 'results'")
                continue
            }
            for result in results {
                output.records += 1
                guard let start else {
                    output.skip("bucket without a start time")
                    continue
                }
                let bucketEnd = end ?? start.addingTimeInterval(86_400)
                switch format {
                case .openAIUsage: openAIUsage(result, start: start, into: &output)
                case .anthropicUsage: anthropicUsage(result, start: start, into: &output)
                case .openAICosts: openAICost(result, start: start, end: bucketEnd, into: &output)
                case .anthropicCosts: anthropicCost(result, start: start, end: bucketEnd, into: &output)
                default: output.skip("not a report format")
                }
            }
        }
    }

    static func groupID(_ prefix: String, start: Date, _ parts: [String?]) -> String {
        let millis = Int64((start.timeIntervalSince1970 * 1000).rounded(.down))
        let key = parts.map { $0 ?? "" }.joined(separator: "\u{1F}")
        return "\(prefix):\(millis):\(StableHash.hex(key.utf8))"
    }

    // MARK: - OpenAI

    func openAIUsage(_ r: [String: Any], start: Date, into output: inout ParseOutput) {
        guard let model = JSONFields.string(r["model"]), !model.isEmpty else {
            output.skip("no model (fetch the page with group_by=model)")
            return
        }
        let fields = ["input_tokens", "output_tokens", "input_cached_tokens", "input_audio_tokens", "output_audio_tokens", "num_model_requests"]
        var n: [String: Int] = [:]
        for field in fields {
            let value = r[field]
            if value == nil || value is NSNull {
                n[field] = 0
            } else if let count = JSONFields.int(value) {
                n[field] = count
            } else {
                output.skip("malformed result (a count is not a whole number)")
                return
            }
        }
        // The first shape of this endpoint counted text only in input_tokens/output_tokens (audio
        // apart); the current one counts every modality there and adds input_text_tokens etc.
        let allModalities = r["input_text_tokens"] != nil || r["output_text_tokens"] != nil
        let audioIn = n["input_audio_tokens"] ?? 0
        let audioOut = n["output_audio_tokens"] ?? 0
        let usage = Usage(
            inputTokens: (n["input_tokens"] ?? 0) + (allModalities ? 0 : audioIn),
            outputTokens: (n["output_tokens"] ?? 0) + (allModalities ? 0 : audioOut),
            cacheReadTokens: n["input_cached_tokens"] ?? 0, inputAudioTokens: audioIn, outputAudioTokens: audioOut,
            requests: n["num_model_requests"] ?? 0)
        if usage.inputTokens == 0, usage.outputTokens == 0, usage.requests == 0 {
            output.skip("empty result (no tokens, no requests)")
            return
        }
        let batch = JSONFields.bool(r["batch"]) ?? false
        let tierName = JSONFields.string(r["service_tier"])
        let tier: ServiceTier = batch ? .batch : ServiceTier(rawValue: tierName?.lowercased() ?? "") ?? .standard
        let project = JSONFields.string(r["project_id"])
        let user = JSONFields.string(r["user_id"])
        let key = JSONFields.string(r["api_key_id"])
        let id = ReportPageParser.groupID(
            "openai-usage", start: start, [model, project, user, key, batch ? "batch" : "", tierName])
        do {
            let cost = try context.pricing.bucketCost(
                usage, model: model, provider: "openai", at: start, tier: tier, longContext: false)
            output.events.append(
                UsageEvent(
                    id: id, timestamp: start, provider: "openai", model: model, usage: usage, cost: cost,
                    dimensions: UsageDimensions(user: user, project: project, keyID: key, tags: ["source": "openai-usage"])))
        } catch {
            output.skip("could not be priced: \(error)")
        }
    }

    func openAICost(_ r: [String: Any], start: Date, end: Date, into output: inout ParseOutput) {
        let amount = r["amount"] as? [String: Any]
        guard let value = JSONFields.money(amount?["value"]) else {
            output.skip("no amount.value")
            return
        }
        let currency = (JSONFields.string(amount?["currency"]) ?? "usd").lowercased()
        let lineItem = JSONFields.string(r["line_item"])
        // Line items read "gpt-4o-2024-08-06, input": the model is before the comma.
        let model = lineItem.flatMap { item -> String? in
            guard let comma = item.range(of: ", ") else { return nil }
            return String(item[..<comma.lowerBound])
        }
        output.billed.append(
            BilledCost(
                provider: "openai", start: start, end: end, model: model, lineItem: lineItem,
                project: JSONFields.string(r["project_id"]), amount: value, currency: currency, source: "openai-costs"))
    }

    // MARK: - Anthropic

    func anthropicUsage(_ r: [String: Any], start: Date, into output: inout ParseOutput) {
        guard let model = JSONFields.string(r["model"]), !model.isEmpty else {
            output.skip("no model (fetch the report with group_by[]=model)")
            return
        }
        let creation = r["cache_creation"] as? [String: Any]
        let tools = r["server_tool_use"] as? [String: Any]
        let values: [Any?] = [
            r["uncached_input_tokens"], r["cache_read_input_tokens"], creation?["ephemeral_5m_input_tokens"],
            creation?["ephemeral_1h_input_tokens"], r["output_tokens"], tools?["web_search_requests"],
        ]
        var n: [Int] = []
        for value in values {
            if value == nil || value is NSNull {
                n.append(0)
            } else if let count = JSONFields.int(value) {
                n.append(count)
            } else {
                output.skip("malformed result (a count is not a whole number)")
                return
            }
        }
        var usage = Usage.anthropic(
            inputTokens: n[0], cacheCreationInputTokens: n[2] + n[3], cacheReadInputTokens: n[1], outputTokens: n[4],
            cacheCreation5m: n[2], cacheCreation1h: n[3])
        usage.requests = 0
        if n[5] > 0 { usage[.webSearches] = n[5] }
        if usage.inputTokens == 0, usage.outputTokens == 0, n[5] == 0 {
            output.skip("empty result (no tokens)")
            return
        }
        let tierName = JSONFields.string(r["service_tier"])?.lowercased()
        let tier: ServiceTier =
            switch tierName {
            case "batch": .batch
            case "priority", "priority_on_demand": .priority
            case "flex", "flex_discount": .flex
            default: .standard
            }
        let contextWindow = JSONFields.string(r["context_window"])
        let workspace = JSONFields.string(r["workspace_id"])
        let key = JSONFields.string(r["api_key_id"])
        let id = ReportPageParser.groupID(
            "anthropic-usage", start: start, [model, workspace, key, tierName, contextWindow, JSONFields.string(r["inference_geo"])])
        var tags = ["source": "anthropic-usage"]
        if let contextWindow { tags["context_window"] = contextWindow }
        do {
            let cost = try context.pricing.bucketCost(
                usage, model: model, provider: "anthropic", at: start, tier: tier,
                longContext: contextWindow?.hasPrefix("200k") == true)
            output.events.append(
                UsageEvent(
                    id: id, timestamp: start, provider: "anthropic", model: model, usage: usage, cost: cost,
                    dimensions: UsageDimensions(project: workspace, keyID: key, tags: tags)))
        } catch {
            output.skip("could not be priced: \(error)")
        }
    }

    func anthropicCost(_ r: [String: Any], start: Date, end: Date, into output: inout ParseOutput) {
        // `amount` is a decimal string in the currency's lowest unit (cents for USD).
        guard let cents = JSONFields.money(r["amount"]), cents.units % 100 == 0 else {
            output.skip("no amount (a decimal string in cents)")
            return
        }
        let amount = Money(units: cents.units / 100)
        let currency = (JSONFields.string(r["currency"]) ?? "USD").lowercased()
        let parts = [JSONFields.string(r["cost_type"]), JSONFields.string(r["token_type"])].compactMap { $0 }
        let lineItem = JSONFields.string(r["description"]) ?? (parts.isEmpty ? nil : parts.joined(separator: ", "))
        let tierAndWindow = [JSONFields.string(r["service_tier"]), JSONFields.string(r["context_window"])].compactMap { $0 }
            .joined(separator: ", ")
        output.billed.append(
            BilledCost(
                id: BilledCost.makeID(
                    provider: "anthropic", start: start, model: JSONFields.string(r["model"]),
                    lineItem: [lineItem, JSONFields.string(r["cost_type"]), JSONFields.string(r["token_type"])]
                        .compactMap { $0 }.joined(separator: "/"),
                    project: JSONFields.string(r["workspace_id"]), serviceTier: tierAndWindow, currency: currency),
                provider: "anthropic", start: start, end: end, model: JSONFields.string(r["model"]), lineItem: lineItem,
                project: JSONFields.string(r["workspace_id"]), serviceTier: JSONFields.string(r["service_tier"]),
                amount: amount, currency: currency, source: "anthropic-costs"))
    }
}
