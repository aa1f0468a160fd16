public import CostPricing
public import Foundation

/// The file formats `costctl import` reads.
public enum ImportFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// Claude Code's session logs (`~/.claude/projects/**/*.jsonl`).
    case claudeCode = "claude-code"
    /// Codex CLI's session logs (`~/.codex/sessions/**/*.jsonl`), `token_count` events.
    case codex
    /// Pages of OpenAI's `/v1/organization/usage/completions`.
    case openAIUsage = "openai-usage"
    /// Pages of OpenAI's `/v1/organization/costs` (billed amounts).
    case openAICosts = "openai-costs"
    /// Pages of Anthropic's Admin API `usage_report/messages`.
    case anthropicUsage = "anthropic-usage"
    /// Pages of Anthropic's Admin API `cost_report` (billed amounts).
    case anthropicCosts = "anthropic-costs"
    /// LiteLLM proxy spend logs (SpendLogs exported as CSV, JSON or JSON Lines).
    case liteLLM = "litellm"
    /// Any CSV with a header row, mapped with ``FieldMapping``.
    case csv
    /// Any JSON Lines, mapped with ``FieldMapping`` (dotted paths reach nested fields).
    case jsonl

    /// Whether the format holds provider-billed amounts rather than usage.
    public var isBilledCost: Bool { self == .openAICosts || self == .anthropicCosts }

    /// Whether `--follow` can tail files of this format (append-only JSON Lines).
    public var canFollow: Bool { self == .claudeCode || self == .codex || self == .jsonl }
}

/// Which cost an imported event keeps, as in ccusage.
public enum ImportCostMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// The cost the file reports when it has one (Claude Code's `costUSD`, LiteLLM's `spend`, a
    /// mapped `cost` column), else priced from the catalog.
    case auto
    /// Always priced from the catalog at the event's time.
    case calculate
    /// Only the cost the file reports; events without one are stored unpriced (never $0).
    case display
}

/// How `csv` and `jsonl` records map onto event fields: `--map input=prompt_tokens,output=completion_tokens`.
///
/// Targets: `id`, `timestamp`, `provider`, `model`, `input` (all input, cache included),
/// `uncached_input` (input without cache reads and writes, Anthropic's `input_tokens`), `output`,
/// `cache_read`, `cache_write`, `cache_write_5m`, `cache_write_1h`, `reasoning`, `requests`, `cost`
/// (USD), `org`, `team`, `user`, `project`, `key_id`, `session`, `operation`, `status`, and
/// `tag.NAME`. A target that is not mapped reads the field of its own name, or `NAME_tokens` for
/// token counts (`input_tokens`, `cache_read_tokens`, …). In JSON Lines a source may be a dotted
/// path (`usage.prompt_tokens`).
public struct FieldMapping: Sendable, Hashable {
    public static let targets = [
        "id", "timestamp", "provider", "model", "input", "uncached_input", "output", "cache_read", "cache_write",
        "cache_write_5m", "cache_write_1h", "reasoning", "requests", "cost", "org", "team", "user", "project",
        "key_id", "session", "operation", "status",
    ]
    static let countTargets: Set<String> = [
        "input", "uncached_input", "output", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h",
        "reasoning", "requests",
    ]

    /// Target → source field.
    public var fields: [String: String]

    public init(fields: [String: String] = [:]) {
        self.fields = fields
    }

    /// Parses `target=source` pairs separated by commas (repeatable options are joined first).
    ///
    /// - throws: ``ControlError`` `.invalidInput` naming the pair and the valid targets.
    public init(parsing specs: [String]) throws {
        var fields: [String: String] = [:]
        for spec in specs {
            for pair in spec.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ControlError(
                        code: .invalidInput,
                        message: "--map '\(pair)' is not TARGET=SOURCE (example: --map input=prompt_tokens,output=completion_tokens)")
                }
                let target = parts[0].lowercased()
                guard FieldMapping.targets.contains(target) || (target.hasPrefix("tag.") && target.count > 4) else {
                    throw ControlError(
                        code: .invalidInput,
                        message: "--map: unknown target '\(parts[0])'; targets are \(FieldMapping.targets.joined(separator: ", ")), tag.NAME")
                }
                fields[target] = parts[1]
            }
        }
        self.fields = fields
    }

    /// The source names tried for a target, in order.
    func sources(for target: String) -> [String] {
        if let mapped = fields[target] { return [mapped] }
        if target.hasPrefix("tag.") { return [] }
        return FieldMapping.countTargets.contains(target) && target != "requests" ? [target, target + "_tokens"] : [target]
    }

    /// The mapped tags (`tag.env=environment` → `env` read from `environment`).
    var tagSources: [(tag: String, source: String)] {
        fields.filter { $0.key.hasPrefix("tag.") }.map { (String($0.key.dropFirst(4)), $0.value) }.sorted { $0.tag < $1.tag }
    }
}

/// What one import does.
///
/// For example:
/// ```swift
/// var options = ImportOptions(format: .claudeCode)      // the default directories
/// options.costMode = .calculate
/// let summary = try await UsageImporter(ledger: ledger, billedCosts: ledger).run(options)
/// ```
public struct ImportOptions: Sendable {
    public var format: ImportFormat
    /// Files or directories (searched recursively for the format's files). Empty: the format's
    /// default directories (Claude Code, Codex).
    public var paths: [String]
    public var costMode: ImportCostMode = .auto
    public var mapping = FieldMapping()
    /// The provider of `csv`/`jsonl` records without a provider field (default: inferred from the model).
    public var defaultProvider: String?
    /// Events per ledger transaction.
    public var batchSize = 1_000
    /// Claude Code: a message whose newest copy is younger than this is still streaming and is left
    /// for the next import (`--follow` picks it up when it settles). 0 imports everything.
    public var settleInterval: TimeInterval = 120
    /// HOME, CLAUDE_CONFIG_DIR, CODEX_HOME.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// The clock (injectable for tests).
    public var now: @Sendable () -> Date = { Date() }

    public init(format: ImportFormat, paths: [String] = []) {
        self.format = format
        self.paths = paths
    }

    /// A copy changed by `update`.
    public func with(_ update: (inout ImportOptions) -> Void) -> ImportOptions {
        var copy = self
        update(&copy)
        return copy
    }
}

/// Where an import is, for progress bars.
public struct ImportProgress: Sendable, Hashable {
    /// Bytes of input read so far (over every pass) and the total to read.
    public var bytesRead: Int64
    public var bytesTotal: Int64
    public var records: Int
    public var added: Int
    /// "scanning" (Claude Code's first pass: finding the best copy of each message) or "importing".
    public var phase: String
}

/// What an import read, skipped and stored.
public struct ImportSummary: Sendable, Hashable, Codable {
    public var format: String
    public var files = 0
    /// Lines (or CSV rows, or report results) read.
    public var records = 0
    /// Usage events handed to the ledger (after collapsing copies of one request).
    public var events = 0
    /// Events the ledger stored.
    public var added = 0
    /// Events whose id was already stored (a previous import): nothing changed.
    public var alreadyStored = 0
    /// Extra copies of one request inside the input (Claude Code's repeated and streaming lines),
    /// collapsed into the copy kept.
    public var duplicateCopies = 0
    /// Claude Code: copies of an already recorded response with more tokens than the recorded one
    /// (it was recorded while still streaming). The recorded copy is kept; see Documentation/Import.md.
    public var largerCopiesKept = 0
    /// Rate-limit events among ``added``.
    public var rateLimited = 0
    /// Skipped records by reason.
    public var skipped: [String: Int] = [:]
    /// Events the ledger refused (validation), with the first messages.
    public var rejected = 0
    public var rejectedSamples: [String] = []
    /// Billed-cost rows (cost reports).
    public var billed: BilledCostResult?

    public init(format: ImportFormat) {
        self.format = format.rawValue
    }

    public var skippedTotal: Int { skipped.values.reduce(0, +) }

    mutating func skip(_ reason: String, count: Int = 1) {
        skipped[reason, default: 0] += count
    }

    enum CodingKeys: String, CodingKey {
        case format, files, records, events, added, alreadyStored = "already_stored"
        case duplicateCopies = "duplicate_copies", largerCopiesKept = "larger_copies_kept", rateLimited = "rate_limited"
        case skipped, rejected
        case rejectedSamples = "rejected_samples", billed
    }
}
