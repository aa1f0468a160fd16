/// A kind of billable usage: a token kind (`input_tokens`, `cache_read_tokens`, …) or a unit counter
/// (`web_searches`, `requests`, `audio_seconds`, …).
///
/// The raw values are genai-prices' usage keys, so every kind its catalog prices can be counted.
/// Which kinds contain which is defined by the catalog's unit registry (see ``UnitRegistry``):
/// `input_tokens` contains every input token, cache reads and writes included; `cache_write_tokens`
/// contains `cache_write_5m_tokens` and `cache_write_1h_tokens`; `output_tokens` contains
/// `output_reasoning_tokens` and `output_audio_tokens`.
public struct UsageKind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Every input token, cache reads and cache writes included (OpenAI and genai-prices semantics).
    public static let inputTokens: UsageKind = "input_tokens"
    /// Every output token, reasoning and audio output included.
    public static let outputTokens: UsageKind = "output_tokens"
    /// Input tokens read from the prompt cache (part of ``inputTokens``).
    public static let cacheReadTokens: UsageKind = "cache_read_tokens"
    /// Input tokens written to the prompt cache, any lifetime (part of ``inputTokens``).
    public static let cacheWriteTokens: UsageKind = "cache_write_tokens"
    /// Cache writes with a 5-minute lifetime (part of ``cacheWriteTokens``).
    public static let cacheWrite5mTokens: UsageKind = "cache_write_5m_tokens"
    /// Cache writes with a 1-hour lifetime (part of ``cacheWriteTokens``).
    public static let cacheWrite1hTokens: UsageKind = "cache_write_1h_tokens"
    /// Reasoning ("thinking") tokens (part of ``outputTokens``).
    public static let reasoningTokens: UsageKind = "output_reasoning_tokens"
    /// Audio input tokens (part of ``inputTokens``).
    public static let inputAudioTokens: UsageKind = "input_audio_tokens"
    /// Audio output tokens (part of ``outputTokens``).
    public static let outputAudioTokens: UsageKind = "output_audio_tokens"
    /// Image input tokens (part of ``inputTokens``).
    public static let inputImageTokens: UsageKind = "input_image_tokens"
    /// Image output tokens (part of ``outputTokens``).
    public static let outputImageTokens: UsageKind = "output_image_tokens"
    /// Images sent, priced per image.
    public static let inputImages: UsageKind = "input_images"
    /// Images generated, priced per image.
    public static let outputImages: UsageKind = "output_images"
    /// Audio duration in seconds (transcription, speech).
    public static let audioSeconds: UsageKind = "audio_seconds"
    /// Input audio duration in seconds.
    public static let inputAudioSeconds: UsageKind = "input_audio_seconds"
    /// Web searches performed by the model.
    public static let webSearches: UsageKind = "web_searches"
    /// Requests (a per-request fee applies once per request).
    public static let requests: UsageKind = "requests"
}

/// What one request (or a sum of requests) used, counted by kind.
///
/// Counts nest as the catalog's units do: ``inputTokens`` counts **all** input tokens, cache reads
/// and cache writes included; ``cacheWriteTokens`` counts all cache writes, of which
/// ``cacheWrite5mTokens`` and ``cacheWrite1hTokens`` are parts; ``outputTokens`` includes
/// ``reasoningTokens``. Anthropic reports `input_tokens` *without* cache tokens: use
/// ``anthropic(inputTokens:cacheCreationInputTokens:cacheReadInputTokens:outputTokens:)``.
///
/// For example:
/// ```swift
/// var usage = Usage(inputTokens: 12_000, outputTokens: 800, cacheReadTokens: 9_000)
/// usage[.webSearches] = 2
/// ```
public struct Usage: Sendable, Hashable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var cacheReadTokens: Int
    public var cacheWriteTokens: Int
    public var cacheWrite5mTokens: Int
    public var cacheWrite1hTokens: Int
    public var reasoningTokens: Int
    public var inputAudioTokens: Int
    public var outputAudioTokens: Int
    /// Number of requests; a per-request fee is charged this many times. Defaults to 1.
    public var requests: Int
    /// Every other kind (unit counters such as web searches, images, seconds, modality splits).
    public var other: [UsageKind: Int] {
        get { otherStorage?.counts ?? [:] }
        set { otherStorage = newValue.isEmpty ? nil : OtherCounts(newValue) }
        _modify {
            // in place when this value owns its storage alone (copy on write otherwise)
            if isKnownUniquelyReferenced(&otherStorage), let storage = otherStorage {
                defer { if storage.counts.isEmpty { otherStorage = nil } }
                yield &storage.counts
            } else {
                var counts = otherStorage?.counts ?? [:]
                otherStorage = nil
                defer { otherStorage = counts.isEmpty ? nil : OtherCounts(counts) }
                yield &counts
            }
        }
    }

    /// The counts of ``other``, boxed, and `nil` when there are none (most requests): a `Usage` is
    /// then ten integers and a null reference, copied and destroyed without touching a dictionary
    /// (the engine's callers copy one per request). Never holds an empty dictionary, so equal
    /// usages have equal storage.
    private var otherStorage: OtherCounts?

    public init(
        inputTokens: Int = 0,
        outputTokens: Int = 0,
        cacheReadTokens: Int = 0,
        cacheWriteTokens: Int = 0,
        cacheWrite5mTokens: Int = 0,
        cacheWrite1hTokens: Int = 0,
        reasoningTokens: Int = 0,
        inputAudioTokens: Int = 0,
        outputAudioTokens: Int = 0,
        requests: Int = 1,
        other: [UsageKind: Int] = [:]
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.cacheWrite5mTokens = cacheWrite5mTokens
        self.cacheWrite1hTokens = cacheWrite1hTokens
        self.reasoningTokens = reasoningTokens
        self.inputAudioTokens = inputAudioTokens
        self.outputAudioTokens = outputAudioTokens
        self.requests = requests
        self.otherStorage = other.isEmpty ? nil : OtherCounts(other)
    }

    /// Usage as Anthropic's API reports it, where `input_tokens` excludes cache reads and writes.
    /// The result counts all input in ``inputTokens``.
    public static func anthropic(
        inputTokens: Int,
        cacheCreationInputTokens: Int = 0,
        cacheReadInputTokens: Int = 0,
        outputTokens: Int,
        cacheCreation5m: Int = 0,
        cacheCreation1h: Int = 0
    ) -> Usage {
        Usage(
            inputTokens: inputTokens + cacheCreationInputTokens + cacheReadInputTokens,
            outputTokens: outputTokens,
            cacheReadTokens: cacheReadInputTokens,
            cacheWriteTokens: max(cacheCreationInputTokens, cacheCreation5m + cacheCreation1h),
            cacheWrite5mTokens: cacheCreation5m,
            cacheWrite1hTokens: cacheCreation1h
        )
    }

    /// Input tokens that were neither read from nor written to the cache.
    public var uncachedInputTokens: Int { inputTokens - cacheReadTokens - cacheWriteTokens }

    /// The count of one kind.
    public subscript(kind: UsageKind) -> Int {
        get {
            switch kind.rawValue {
            case "input_tokens": inputTokens
            case "output_tokens": outputTokens
            case "cache_read_tokens": cacheReadTokens
            case "cache_write_tokens": cacheWriteTokens
            case "cache_write_5m_tokens": cacheWrite5mTokens
            case "cache_write_1h_tokens": cacheWrite1hTokens
            case "output_reasoning_tokens": reasoningTokens
            case "input_audio_tokens": inputAudioTokens
            case "output_audio_tokens": outputAudioTokens
            case "requests": requests
            default: other[kind] ?? 0
            }
        }
        set {
            switch kind.rawValue {
            case "input_tokens": inputTokens = newValue
            case "output_tokens": outputTokens = newValue
            case "cache_read_tokens": cacheReadTokens = newValue
            case "cache_write_tokens": cacheWriteTokens = newValue
            case "cache_write_5m_tokens": cacheWrite5mTokens = newValue
            case "cache_write_1h_tokens": cacheWrite1hTokens = newValue
            case "output_reasoning_tokens": reasoningTokens = newValue
            case "input_audio_tokens": inputAudioTokens = newValue
            case "output_audio_tokens": outputAudioTokens = newValue
            case "requests": requests = newValue
            default: other[kind] = newValue == 0 ? nil : newValue
            }
        }
    }

    /// Every non-zero count, by kind, in a stable order (requests last).
    public var counts: [(kind: UsageKind, count: Int)] {
        var result: [(UsageKind, Int)] = []
        let fixed: [(UsageKind, Int)] = [
            (.inputTokens, inputTokens), (.outputTokens, outputTokens), (.cacheReadTokens, cacheReadTokens),
            (.cacheWriteTokens, cacheWriteTokens), (.cacheWrite5mTokens, cacheWrite5mTokens),
            (.cacheWrite1hTokens, cacheWrite1hTokens), (.reasoningTokens, reasoningTokens),
            (.inputAudioTokens, inputAudioTokens), (.outputAudioTokens, outputAudioTokens),
        ]
        for (k, v) in fixed where v != 0 { result.append((k, v)) }
        for (k, v) in other.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where v != 0 { result.append((k, v)) }
        result.append((.requests, requests))
        return result.map { (kind: $0.0, count: $0.1) }
    }

    /// Checks that no count is negative and that parts do not exceed their wholes.
    ///
    /// - throws: ``PricingError`` `.invalidUsage` naming the offending count.
    public func validate() throws {
        if hasNegativeCount {
            try throwNegative()
        }
        if cacheReadTokens + cacheWriteTokens > inputTokens {
            throw PricingError(
                code: .invalidUsage,
                message: "cache reads (\(cacheReadTokens)) plus cache writes (\(cacheWriteTokens)) exceed input tokens (\(inputTokens)); input tokens must include cached tokens"
            )
        }
        if cacheWrite5mTokens + cacheWrite1hTokens > cacheWriteTokens {
            throw PricingError(
                code: .invalidUsage,
                message: "5-minute (\(cacheWrite5mTokens)) plus 1-hour (\(cacheWrite1hTokens)) cache writes exceed all cache writes (\(cacheWriteTokens))"
            )
        }
        if reasoningTokens > outputTokens {
            throw PricingError(
                code: .invalidUsage,
                message: "reasoning tokens (\(reasoningTokens)) exceed output tokens (\(outputTokens)); output tokens must include reasoning"
            )
        }
    }

    /// Whether any count is negative (no allocation: the ingest path checks every event).
    var hasNegativeCount: Bool {
        inputTokens < 0 || outputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0 || cacheWrite5mTokens < 0
            || cacheWrite1hTokens < 0 || reasoningTokens < 0 || inputAudioTokens < 0 || outputAudioTokens < 0
            || requests < 0 || (otherStorage?.counts.values.contains { $0 < 0 } ?? false)
    }

    private func throwNegative() throws {
        for (kind, count) in counts where count < 0 {
            throw PricingError(code: .invalidUsage, message: "usage count \(kind) is negative (\(count)); counts must be 0 or more")
        }
    }

    /// Adds another usage count by count.
    public static func + (lhs: Usage, rhs: Usage) -> Usage {
        var sum = lhs
        sum.inputTokens += rhs.inputTokens
        sum.outputTokens += rhs.outputTokens
        sum.cacheReadTokens += rhs.cacheReadTokens
        sum.cacheWriteTokens += rhs.cacheWriteTokens
        sum.cacheWrite5mTokens += rhs.cacheWrite5mTokens
        sum.cacheWrite1hTokens += rhs.cacheWrite1hTokens
        sum.reasoningTokens += rhs.reasoningTokens
        sum.inputAudioTokens += rhs.inputAudioTokens
        sum.outputAudioTokens += rhs.outputAudioTokens
        sum.requests += rhs.requests
        if let counts = rhs.otherStorage?.counts {
            for (k, v) in counts { sum.other[k, default: 0] += v }
        }
        return sum
    }
}

/// The storage of ``Usage/other``: a dictionary shared by copies, replaced (never changed) while
/// shared, and changed in place only by a `Usage` that holds it alone.
// @unchecked Sendable: `counts` is mutated only through `Usage.other`'s `_modify`, after
// `isKnownUniquelyReferenced` proved that no other value (and so no other thread) can see it.
final class OtherCounts: Hashable, @unchecked Sendable {
    var counts: [UsageKind: Int]

    init(_ counts: [UsageKind: Int]) { self.counts = counts }

    static func == (lhs: OtherCounts, rhs: OtherCounts) -> Bool { lhs === rhs || lhs.counts == rhs.counts }
    func hash(into hasher: inout Hasher) { hasher.combine(counts) }
}

extension Usage: Codable {
    /// Encodes as a flat object of usage keys (`{"input_tokens": 1000, "cache_read_tokens": 200}`),
    /// genai-prices' keys; `requests` is written only when it is not 1.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for (kind, count) in counts where !(kind == .requests && count == 1) {
            try container.encode(count, forKey: AnyKey(kind.rawValue))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        for key in container.allKeys {
            self[UsageKind(rawValue: key.stringValue)] = try container.decode(Int.self, forKey: key)
        }
    }
}

package struct AnyKey: CodingKey {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(_ string: String) { stringValue = string }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }
}
