internal import CostPricing
internal import Foundation

/// Codex CLI session logs (`~/.codex/sessions/YYYY/MM/DD/rollout-….jsonl`).
///
/// `session_meta` names the session and its working directory, `turn_context` the model in use,
/// and `event_msg` lines with `payload.type == "token_count"` carry `info.total_token_usage` (the
/// session's running totals) and `info.last_token_usage` (the last turn). Counts follow OpenAI:
/// `input_tokens` includes `cached_input_tokens`, `output_tokens` includes
/// `reasoning_output_tokens`. Codex repeats a `token_count` without new usage; a line whose running
/// total did not grow is skipped. The event id is the session and its running total, so a re-import
/// or a followed file yields the same ids.
struct CodexLogParser: RecordParser {
    let context: ParseContext
    let path: String
    var session: String
    var project: String?
    var model: String?
    var previousTotal: [String: Int]?

    init(path: String, context: ParseContext) {
        self.path = path
        self.context = context
        // rollout-2025-09-15T10-00-00-<uuid>.jsonl: the file name stands in until session_meta says.
        self.session = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    static let counts = ["input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens"]

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, number: Int, into output: inout ParseOutput) {
        if LineBytes.isBlank(line) { return }
        output.records += 1
        guard let object = LineBytes.jsonObject(line) else {
            output.skip("malformed line (not JSON)")
            return
        }
        let payload = object["payload"] as? [String: Any] ?? [:]
        switch JSONFields.string(object["type"]) {
        case "session_meta":
            if let id = JSONFields.string(payload["id"]) { session = id }
            if let cwd = JSONFields.string(payload["cwd"]) { project = (cwd as NSString).lastPathComponent }
            output.skip("session metadata")
            return
        case "turn_context":
            if let m = JSONFields.string(payload["model"]), !m.isEmpty { model = m }
            if let cwd = JSONFields.string(payload["cwd"]) { project = (cwd as NSString).lastPathComponent }
            output.skip("turn context")
            return
        case "event_msg" where JSONFields.string(payload["type"]) == "token_count":
            break
        default:
            output.skip("no usage (not a token_count event)")
            return
        }
        guard let info = payload["info"] as? [String: Any] else {
            output.skip("token_count without usage (info is null)")
            return
        }
        guard let timestamp = JSONFields.date(object["timestamp"]) else {
            output.skip("no timestamp")
            return
        }
        func read(_ value: Any?) -> [String: Int]?? {
            guard let dictionary = value as? [String: Any] else { return .some(nil) }
            var result: [String: Int] = [:]
            for key in CodexLogParser.counts {
                guard let raw = dictionary[key], !(raw is NSNull) else { continue }
                guard let n = JSONFields.int(raw) else { return nil }
                result[key] = n
            }
            return .some(result)
        }
        guard let total = read(info["total_token_usage"]), let last = read(info["last_token_usage"]) else {
            output.skip("malformed token_count (a count is not a whole number)")
            return
        }
        if let total, let previousTotal, total == previousTotal {
            output.skip("repeated token_count (no new usage)")
            return
        }
        var delta: [String: Int]
        if let last {
            delta = last
        } else if let total {
            delta = [:]
            for key in CodexLogParser.counts { delta[key] = (total[key] ?? 0) - (previousTotal?[key] ?? 0) }
        } else {
            output.skip("token_count without usage")
            return
        }
        let previous = previousTotal
        if let total { previousTotal = total }
        guard let model else {
            output.skip("no model (no turn_context before this token_count)")
            return
        }
        let input = delta["input_tokens"] ?? 0
        let cached = delta["cached_input_tokens"] ?? 0
        var out = delta["output_tokens"] ?? 0
        let reasoning = delta["reasoning_output_tokens"] ?? 0
        guard input >= 0, cached >= 0, out >= 0, reasoning >= 0, cached <= input else {
            output.skip("malformed token_count (negative or inconsistent counts)")
            return
        }
        // Output includes reasoning; a writer that counts them apart would have reasoning > output.
        if reasoning > out { out += reasoning }
        if input == 0, out == 0 {
            output.skip("token_count without usage")
            return
        }
        let runningTotal = total.map { ($0["total_tokens"] ?? (($0["input_tokens"] ?? 0) + ($0["output_tokens"] ?? 0))) }
        let idSuffix = runningTotal.map { "t\($0)" } ?? "l\(number)-\((previous?["total_tokens"]) ?? 0)"
        let usage = Usage(inputTokens: input, outputTokens: out, cacheReadTokens: cached, reasoningTokens: reasoning)
        do {
            let cost = try context.pricing.cost(
                usage, model: model, provider: "openai", at: timestamp, tier: .standard, reported: nil, reportedBy: "none")
            output.events.append(
                UsageEvent(
                    id: "codex:\(session):\(idSuffix)", timestamp: timestamp, provider: "openai", model: model,
                    usage: usage, cost: cost,
                    dimensions: UsageDimensions(project: project, session: session, tags: ["source": "codex"])))
        } catch {
            output.skip("could not be priced: \(error)")
        }
    }
}
