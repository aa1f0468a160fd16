import Foundation

/// Token counts the way ccusage reports them: four disjoint kinds that add up to the total.
///
/// A ledger's ``Usage`` counts *all* input in `inputTokens` (cache reads and writes included, as
/// OpenAI and genai-prices do); ccusage's `inputTokens` is the uncached part only. So
/// ``input`` = `usage.inputTokens − cacheReadTokens − cacheWriteTokens`, ``cacheCreation`` =
/// `cacheWriteTokens` (5-minute and 1-hour writes together), ``cacheRead`` = `cacheReadTokens`,
/// ``output`` = `outputTokens` (reasoning included), and ``total`` equals
/// `usage.inputTokens + usage.outputTokens`.
///
/// For example:
/// ```swift
/// let tokens = ReportTokens(Usage(inputTokens: 12_000, outputTokens: 800, cacheReadTokens: 9_000))
/// print(tokens.input, tokens.cacheRead, tokens.total)    // 3000 9000 12800
/// ```
public struct ReportTokens: Sendable, Hashable {
    /// Uncached input tokens.
    public var input: Int
    /// Output tokens, reasoning included.
    public var output: Int
    /// Tokens written to the prompt cache (any lifetime).
    public var cacheCreation: Int
    /// Tokens read from the prompt cache.
    public var cacheRead: Int

    public init(input: Int = 0, output: Int = 0, cacheCreation: Int = 0, cacheRead: Int = 0) {
        self.input = input
        self.output = output
        self.cacheCreation = cacheCreation
        self.cacheRead = cacheRead
    }

    /// The four kinds of a ledger's usage counts.
    public init(_ usage: Usage) {
        self.init(
            input: usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens, output: usage.outputTokens,
            cacheCreation: usage.cacheWriteTokens, cacheRead: usage.cacheReadTokens)
    }

    /// All four kinds.
    public var total: Int { input + output + cacheCreation + cacheRead }

    /// Input and output without cache traffic (ccusage's burn-rate indicator counts these).
    public var uncached: Int { input + output }

    public static func + (lhs: ReportTokens, rhs: ReportTokens) -> ReportTokens {
        ReportTokens(
            input: lhs.input + rhs.input, output: lhs.output + rhs.output,
            cacheCreation: lhs.cacheCreation + rhs.cacheCreation, cacheRead: lhs.cacheRead + rhs.cacheRead)
    }

    public static func += (lhs: inout ReportTokens, rhs: ReportTokens) { lhs = lhs + rhs }
}

/// Tokens, exact cost and counts of a group of events (a day, a model in a day, a session, a block).
public struct ReportAmounts: Sendable, Hashable {
    public var tokens = ReportTokens()
    /// The cost of the priced events (unpriced events add nothing; see ``unpricedEvents``).
    public var cost: Money = .zero
    public var events = 0
    /// API requests (an imported event may stand for several).
    public var requests = 0
    /// Events without a price.
    public var unpricedEvents = 0

    public init() {}

    /// The amounts of ledger totals.
    public init(_ totals: UsageTotals) {
        tokens = ReportTokens(totals.usage)
        cost = totals.cost
        events = totals.events
        requests = totals.usage.requests
        unpricedEvents = totals.unpriced
    }

    /// The amounts of one event.
    public init(_ event: UsageEvent) {
        self.init(UsageTotals(event))
    }

    public mutating func add(_ other: ReportAmounts) {
        tokens += other.tokens
        cost += other.cost
        events += other.events
        requests += other.requests
        unpricedEvents += other.unpricedEvents
    }

    /// The cost as a JSON number (the nearest `Double`, as ccusage prints it); the exact amount is
    /// ``cost``.
    public var costNumber: Double { Double(cost.decimalString) ?? 0 }
}

/// One model's share of a report row (ccusage's `modelBreakdowns[]`).
public struct ModelAmounts: Sendable, Hashable {
    public var model: String
    public var amounts: ReportAmounts

    public init(model: String, amounts: ReportAmounts) {
        self.model = model
        self.amounts = amounts
    }
}

/// Per-model amounts collected in any order, returned sorted by cost (largest first), then name.
struct ModelTally: Sendable {
    private var byModel: [String: ReportAmounts] = [:]

    mutating func add(_ model: String, _ amounts: ReportAmounts) {
        byModel[model, default: ReportAmounts()].add(amounts)
    }

    var breakdown: [ModelAmounts] {
        byModel.map { ModelAmounts(model: $0.key, amounts: $0.value) }.sorted {
            $0.amounts.cost != $1.amounts.cost ? $0.amounts.cost > $1.amounts.cost : $0.model < $1.model
        }
    }

    var total: ReportAmounts {
        var sum = ReportAmounts()
        for amounts in byModel.values { sum.add(amounts) }
        return sum
    }
}
