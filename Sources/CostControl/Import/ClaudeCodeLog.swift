internal import CostPricing
internal import Foundation

/// One line of a Claude Code session log, read.
///
/// An assistant line carries `message.usage` with Anthropic's counts (`input_tokens` excludes cache
/// reads and writes), `message.id` and `requestId` (the request's identity: streaming and resumed
/// sessions write several copies of one response), `isSidechain` (a sub-agent's copy), `costUSD`
/// (older versions), `sessionId` and `timestamp`.
enum ClaudeCodeLine {
    /// A usage line: the event it becomes, the key its copies share, and how good a copy it is.
    struct Candidate {
        var event: UsageEvent
        var key: StableKey
        /// Token total × 2, plus 1 for a main-chain (non-sidechain) copy: the largest wins.
        var score: UInt64
        var isRateLimit: Bool
    }

    enum Outcome {
        case candidate(Candidate)
        case skip(String)
    }

    static let usageBytes = Array("\"usage\"".utf8)
    static let limitBytes = Array("usage limit reached".utf8)

    static let reasonNoUsage = "no usage (not an assistant response)"
    static let reasonSynthetic = "synthetic model (<synthetic>)"
    static let reasonMalformed = "malformed line (not JSON, or a usage field of the wrong type)"
    static let reasonAPIError = "API error message"
    static let reasonNoTimestamp = "no timestamp"
    static let reasonNoModel = "no model"

    /// Reads one line. `lastModel` is the last real model seen in the file (what a rate-limit line,
    /// which names `<synthetic>`, is attributed to).
    static func read(
        _ line: UnsafeBufferPointer<UInt8>, path: String, project: String, pricing: ImportPricing,
        lastModel: inout String?
    ) -> Outcome {
        if LineBytes.isBlank(line) { return .skip("blank line") }
        let hasUsage = LineBytes.contains(line, usageBytes)
        let hasLimit = LineBytes.contains(line, limitBytes)
        // Most lines (user turns, tool results, summaries) carry no usage: skip them unparsed.
        guard hasUsage || hasLimit else { return .skip(reasonNoUsage) }
        guard let object = LineBytes.jsonObject(line) else { return .skip(reasonMalformed) }
        guard let timestamp = JSONFields.date(object["timestamp"]) else {
            return .skip(object["message"] == nil ? reasonNoUsage : reasonNoTimestamp)
        }
        let message = object["message"] as? [String: Any]
        let session = JSONFields.string(object["sessionId"])
        let isAssistant = JSONFields.string(object["type"]) == "assistant" || JSONFields.string(message?["role"]) == "assistant"
        if hasLimit, isAssistant, let limit = rateLimit(object, message: message) {
            let id = "claude-code:limit:" + (JSONFields.string(object["uuid"]) ?? StableHash.hex(UnsafeRawBufferPointer(line)))
            var metadata: [String: JSONValue] = ["message": .string(limit.text)]
            if let reset = limit.resetsAt { metadata["resets_at"] = .string(Timestamp.format(reset)) }
            let event = UsageEvent(
                id: id, timestamp: timestamp, provider: "anthropic", model: lastModel ?? "claude",
                usage: Usage(requests: 0), cost: EventCost(total: .zero, pricedAs: "rate-limited request (no tokens billed)"),
                dimensions: UsageDimensions(project: project, session: session, tags: ["source": "claude-code"]),
                status: .rateLimited, metadata: .object(metadata))
            return .candidate(Candidate(event: event, key: StableHash.key(id.utf8), score: 0, isRateLimit: true))
        }
        guard let message, let usage = message["usage"] as? [String: Any] else { return .skip(reasonNoUsage) }
        guard let model = JSONFields.string(message["model"]), !model.isEmpty else { return .skip(reasonNoModel) }
        if model == "<synthetic>" { return .skip(reasonSynthetic) }
        if JSONFields.bool(object["isApiErrorMessage"]) == true { return .skip(reasonAPIError) }
        func count(_ value: Any?) -> Int?? {
            guard let value, !(value is NSNull) else { return .some(nil) }
            guard let n = JSONFields.int(value) else { return nil }
            return .some(n)
        }
        let creation = usage["cache_creation"] as? [String: Any]
        guard let input = count(usage["input_tokens"]), let output = count(usage["output_tokens"]),
            let cacheCreate = count(usage["cache_creation_input_tokens"]), let cacheRead = count(usage["cache_read_input_tokens"]),
            let write5m = count(creation?["ephemeral_5m_input_tokens"]), let write1h = count(creation?["ephemeral_1h_input_tokens"])
        else { return .skip(reasonMalformed) }
        lastModel = model
        let tokens = Usage.anthropic(
            inputTokens: input ?? 0, cacheCreationInputTokens: cacheCreate ?? 0, cacheReadInputTokens: cacheRead ?? 0,
            outputTokens: output ?? 0, cacheCreation5m: write5m ?? 0, cacheCreation1h: write1h ?? 0)
        let messageID = JSONFields.string(message["id"])
        let requestID = JSONFields.string(object["requestId"])
        let id: String
        if let messageID, !messageID.isEmpty {
            id = "claude-code:" + messageID + (requestID.map { $0.isEmpty ? "" : ":" + $0 } ?? "")
        } else {
            // No message id (very old logs): the line is its own identity.
            id = "claude-code:line:" + (JSONFields.string(object["uuid"]) ?? StableHash.hex(UnsafeRawBufferPointer(line)))
        }
        let sidechain = JSONFields.bool(object["isSidechain"]) ?? false
        var tags = ["source": "claude-code"]
        if sidechain { tags["sidechain"] = "true" }
        let speed = JSONFields.string(usage["speed"])
        if let speed, !speed.isEmpty, speed != "standard" { tags["speed"] = speed }
        let tier: ServiceTier
        switch JSONFields.string(usage["service_tier"])?.lowercased() {
        case "priority": tier = .priority
        case "batch": tier = .batch
        case "flex": tier = .flex
        default: tier = .standard
        }
        let reported = object["costUSD"].flatMap { $0 is NSNull ? nil : JSONFields.money($0) }
        let cost: EventCost?
        do {
            cost = try pricing.cost(
                tokens, model: model, provider: "anthropic", at: timestamp, tier: tier, reported: reported, reportedBy: "costUSD")
        } catch {
            return .skip("could not be priced: \(error)")
        }
        let event = UsageEvent(
            id: id, timestamp: timestamp, provider: "anthropic", model: model, usage: tokens, cost: cost,
            dimensions: UsageDimensions(project: project, session: session, tags: tags))
        let total = UInt64(max(0, (input ?? 0) + (output ?? 0) + (cacheCreate ?? 0) + (cacheRead ?? 0)))
        return .candidate(
            Candidate(event: event, key: StableHash.key(id.utf8), score: total << 1 | (sidechain ? 0 : 1), isRateLimit: false))
    }

    /// "Claude AI usage limit reached|1751234567": the text and the reset time.
    static func rateLimit(_ object: [String: Any], message: [String: Any]?) -> (text: String, resetsAt: Date?)? {
        var texts: [String] = []
        if let content = message?["content"] as? [[String: Any]] {
            texts += content.compactMap { JSONFields.string($0["text"]) }
        } else if let content = message?["content"] as? String {
            texts.append(content)
        }
        if let content = object["content"] as? String { texts.append(content) }
        for text in texts {
            guard let range = text.range(of: "usage limit reached") else { continue }
            var resetsAt: Date?
            if let bar = text[range.upperBound...].firstIndex(of: "|") {
                let digits = text[text.index(after: bar)...].prefix { $0.isNumber }
                if let seconds = Double(digits) { resetsAt = JSONFields.unixDate(seconds) }
            }
            return (text, resetsAt)
        }
        return nil
    }
}
