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
        /// The event (`nil` when only scanning: the first pass needs the key, score and time).
        var event: UsageEvent?
        /// The line's time (Unix milliseconds).
        var millis: Int64
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
        lastModel: inout String?, scanOnly: Bool = false
    ) -> Outcome {
        if LineBytes.isBlank(line) { return .skip("blank line") }
        let hasUsage = LineBytes.contains(line, usageBytes)
        let hasLimit = LineBytes.contains(line, limitBytes)
        // Most lines (user turns, tool results, summaries) carry no usage: skip them unparsed.
        guard hasUsage || hasLimit else { return .skip(reasonNoUsage) }
        if hasLimit, let limit = rateLimitLine(line, project: project, lastModel: lastModel) { return limit }
        // Only the fields used are read (much faster than decoding a whole JSON object).
        let record: Record
        do {
            record = try Record(scanning: line)
        } catch {
            return .skip(reasonMalformed)
        }
        guard let message = record.message, let usage = message.usage else { return .skip(reasonNoUsage) }
        guard let timestamp = record.timestamp.flatMap(JSONFields.fastDate) else { return .skip(reasonNoTimestamp) }
        guard let model = message.model, !model.isEmpty else { return .skip(reasonNoModel) }
        if model == "<synthetic>" { return .skip(reasonSynthetic) }
        if record.isApiErrorMessage == true { return .skip(reasonAPIError) }
        let input = usage.inputTokens ?? 0
        let output = usage.outputTokens ?? 0
        let cacheCreate = usage.cacheCreationTokens ?? 0
        let cacheRead = usage.cacheReadTokens ?? 0
        let write5m = usage.cacheCreation5m ?? 0
        let write1h = usage.cacheCreation1h ?? 0
        guard input >= 0, output >= 0, cacheCreate >= 0, cacheRead >= 0, write5m >= 0, write1h >= 0 else {
            return .skip(reasonMalformed)
        }
        lastModel = model
        let tokens = Usage.anthropic(
            inputTokens: input, cacheCreationInputTokens: cacheCreate, cacheReadInputTokens: cacheRead,
            outputTokens: output, cacheCreation5m: write5m, cacheCreation1h: write1h)
        let id: String
        if let messageID = message.id, !messageID.isEmpty {
            id = "claude-code:" + messageID + (record.requestId.map { $0.isEmpty ? "" : ":" + $0 } ?? "")
        } else {
            // No message id (very old logs): the line is its own identity.
            id = "claude-code:line:" + (record.uuid ?? StableHash.hex(UnsafeRawBufferPointer(line)))
        }
        let sidechain = record.isSidechain ?? false
        let total = UInt64(max(0, input + output + cacheCreate + cacheRead))
        let key = StableHash.key(id.utf8)
        let score = total << 1 | (sidechain ? 0 : 1)
        let millis = Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
        if scanOnly { return .candidate(Candidate(event: nil, millis: millis, key: key, score: score, isRateLimit: false)) }
        var tags = ["source": "claude-code"]
        if sidechain { tags["sidechain"] = "true" }
        if let speed = usage.speed, !speed.isEmpty, speed != "standard" { tags["speed"] = speed }
        let tier: ServiceTier
        switch usage.serviceTier?.lowercased() {
        case "priority": tier = .priority
        case "batch": tier = .batch
        case "flex": tier = .flex
        default: tier = .standard
        }
        let cost: EventCost?
        do {
            cost = try pricing.cost(
                tokens, model: model, provider: "anthropic", at: timestamp, tier: tier, reported: record.costUSD.flatMap { Money($0) },
                reportedBy: "costUSD")
        } catch {
            return .skip("could not be priced: \(error)")
        }
        let event = UsageEvent(
            id: id, timestamp: timestamp, provider: "anthropic", model: model, usage: tokens, cost: cost,
            dimensions: UsageDimensions(project: project, session: record.sessionId, tags: tags))
        return .candidate(Candidate(event: event, millis: millis, key: key, score: score, isRateLimit: false))
    }

    /// The fields of a log line that matter; everything else is skipped.
    struct Record {
        var timestamp: String?
        var sessionId: String?
        var requestId: String?
        var uuid: String?
        var isSidechain: Bool?
        var isApiErrorMessage: Bool?
        /// `costUSD` as decimal text.
        var costUSD: String?
        var message: Message?

        struct Message {
            var id: String?
            var model: String?
            var usage: TokenCounts?
        }

        struct TokenCounts {
            var inputTokens: Int?
            var outputTokens: Int?
            var cacheCreationTokens: Int?
            var cacheReadTokens: Int?
            var cacheCreation5m: Int?
            var cacheCreation1h: Int?
            var serviceTier: String?
            var speed: String?
        }

        /// - throws: ``JSONScanner/Malformed`` when the line is not a JSON object or a field has the wrong type.
        init(scanning line: UnsafeBufferPointer<UInt8>) throws {
            var scanner = JSONScanner(line)
            var record = Record()
            try scanner.object { s, key in
                switch true {
                case JSONScanner.equals(key, "timestamp"): record.timestamp = try s.string()
                case JSONScanner.equals(key, "sessionId"): record.sessionId = try s.string()
                case JSONScanner.equals(key, "requestId"): record.requestId = try s.string()
                case JSONScanner.equals(key, "uuid"): record.uuid = try s.string()
                case JSONScanner.equals(key, "isSidechain"): record.isSidechain = try s.bool()
                case JSONScanner.equals(key, "isApiErrorMessage"): record.isApiErrorMessage = try s.bool()
                case JSONScanner.equals(key, "costUSD"): record.costUSD = try s.decimalText()
                case JSONScanner.equals(key, "message") where try s.peek() == UInt8(ascii: "{"):
                    record.message = try Record.message(&s)
                default: try s.skipValue()
                }
            }
            scanner.skipSpace()
            guard scanner.index == line.count else { throw JSONScanner.Malformed() }
            self = record
        }

        private init() {}

        static func message(_ s: inout JSONScanner) throws -> Message {
            var message = Message()
            try s.object { s, key in
                switch true {
                case JSONScanner.equals(key, "id"): message.id = try s.string()
                case JSONScanner.equals(key, "model"): message.model = try s.string()
                case JSONScanner.equals(key, "usage") where try s.peek() == UInt8(ascii: "{"):
                    message.usage = try Record.usage(&s)
                default: try s.skipValue()
                }
            }
            return message
        }

        static func usage(_ s: inout JSONScanner) throws -> TokenCounts {
            var u = TokenCounts()
            try s.object { s, key in
                switch true {
                case JSONScanner.equals(key, "input_tokens"): u.inputTokens = try s.int()
                case JSONScanner.equals(key, "output_tokens"): u.outputTokens = try s.int()
                case JSONScanner.equals(key, "cache_creation_input_tokens"): u.cacheCreationTokens = try s.int()
                case JSONScanner.equals(key, "cache_read_input_tokens"): u.cacheReadTokens = try s.int()
                case JSONScanner.equals(key, "service_tier"): u.serviceTier = try s.string()
                case JSONScanner.equals(key, "speed"): u.speed = try s.string()
                case JSONScanner.equals(key, "cache_creation") where try s.peek() == UInt8(ascii: "{"):
                    try s.object { s, key in
                        switch true {
                        case JSONScanner.equals(key, "ephemeral_5m_input_tokens"): u.cacheCreation5m = try s.int()
                        case JSONScanner.equals(key, "ephemeral_1h_input_tokens"): u.cacheCreation1h = try s.int()
                        default: try s.skipValue()
                        }
                    }
                default: try s.skipValue()
                }
            }
            return u
        }
    }

    /// A rate-limit line ("usage limit reached|<epoch>" in an assistant message), or `nil`.
    static func rateLimitLine(_ line: UnsafeBufferPointer<UInt8>, project: String, lastModel: String?) -> Outcome? {
        guard let object = LineBytes.jsonObject(line), let timestamp = JSONFields.date(object["timestamp"]) else { return nil }
        let message = object["message"] as? [String: Any]
        let isAssistant = JSONFields.string(object["type"]) == "assistant" || JSONFields.string(message?["role"]) == "assistant"
        guard isAssistant, let limit = rateLimit(object, message: message) else { return nil }
        let id = "claude-code:limit:" + (JSONFields.string(object["uuid"]) ?? StableHash.hex(UnsafeRawBufferPointer(line)))
        var metadata: [String: JSONValue] = ["message": .string(limit.text)]
        if let reset = limit.resetsAt { metadata["resets_at"] = .string(Timestamp.format(reset)) }
        let event = UsageEvent(
            id: id, timestamp: timestamp, provider: "anthropic", model: lastModel ?? "claude",
            usage: Usage(requests: 0), cost: EventCost(total: .zero, pricedAs: "rate-limited request (no tokens billed)"),
            dimensions: UsageDimensions(
                project: project, session: JSONFields.string(object["sessionId"]), tags: ["source": "claude-code"]),
            status: .rateLimited, metadata: .object(metadata))
        return .candidate(
            Candidate(event: event, millis: event.unixMilliseconds, key: StableHash.key(id.utf8), score: 0, isRateLimit: true))
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
