public import CostPricing
import Foundation

/// A spending limit over a scope and a period, enforced by an eight-level ladder.
///
/// For example:
/// ```swift
/// let growth = try Budget(
///     name: "growth-monthly", scope: BudgetScope(.team("growth")),
///     limit: .money(try Money(dollars: 500)), period: .monthly(in: berlin), profile: .premium)
/// ```
public struct Budget: Sendable, Hashable, Identifiable {
    /// Unique among the budgets of a store.
    public var name: String
    public var scope: BudgetScope
    public var limit: BudgetLimit
    public var period: BudgetPeriod
    public var profile: LadderProfile
    /// The rate allowed at the throttling level.
    public var throttle: ThrottleRate
    /// How long a deferred (queued) request is told to wait before it retries.
    public var queueRetryAfter: Duration

    public var id: String { name }

    /// - throws: ``BudgetError`` `.invalidBudget` for an empty name, a limit that is not positive or
    ///   too large for exact threshold arithmetic, or a period that is empty.
    public init(
        name: String, scope: BudgetScope = BudgetScope(.global), limit: BudgetLimit, period: BudgetPeriod,
        profile: LadderProfile = .standard, throttle: ThrottleRate = .default, queueRetryAfter: Duration = .seconds(60)
    ) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BudgetError(code: .invalidBudget, message: "a budget needs a name")
        }
        let units = limit.units
        guard units > 0 else {
            throw BudgetError(code: .invalidBudget, message: "budget '\(name)': the limit must be positive, not \(limit)")
        }
        // thresholds are compared as used × 10,000 ≥ limit × basis points; keep that product exact
        guard !units.multipliedReportingOverflow(by: Int128(Threshold.maxBasisPoints)).overflow else {
            throw BudgetError(code: .invalidBudget, message: "budget '\(name)': the limit \(limit) is too large")
        }
        try period.validate(budget: name)
        guard queueRetryAfter > .zero else {
            throw BudgetError(code: .invalidBudget, message: "budget '\(name)': the queue retry delay must be positive")
        }
        self.name = name
        self.scope = scope
        self.limit = limit
        self.period = period
        self.profile = profile
        self.throttle = throttle
        self.queueRetryAfter = queueRetryAfter
    }
}

/// What a budget limits: dollars, tokens or requests.
public enum BudgetLimit: Sendable, Hashable, CustomStringConvertible {
    case money(Money)
    case tokens(Int)
    case requests(Int)

    /// The limit in the budget's measure (10⁻¹⁸ USD, tokens or requests).
    public var units: Int128 {
        switch self {
        case .money(let m): m.units
        case .tokens(let n): Int128(n)
        case .requests(let n): Int128(n)
        }
    }

    /// The part of a charge this limit counts, in the same measure as ``units``.
    public func measure(_ charge: BudgetCharge) -> Int128 {
        switch self {
        case .money: charge.cost.units
        case .tokens: Int128(charge.tokens)
        case .requests: Int128(charge.requests)
        }
    }

    /// An amount of this limit's measure, formatted (`$1.25`, `1200 tokens`, `3 requests`).
    public func format(_ units: Int128) -> String {
        switch self {
        case .money: Money(units: units).description
        case .tokens: "\(units) tokens"
        case .requests: "\(units) requests"
        }
    }

    public var description: String { format(units) }
}

/// What one request costs, in every measure a budget may limit.
public struct BudgetCharge: Sendable, Hashable {
    public var cost: Money
    public var tokens: Int
    public var requests: Int

    public init(cost: Money, tokens: Int = 0, requests: Int = 1) {
        self.cost = cost
        self.tokens = tokens
        self.requests = requests
    }

    /// The charge of one request with this usage (tokens: input, which includes cache reads and
    /// writes, plus output, which includes reasoning).
    public init(cost: Money, usage: Usage) {
        self.init(cost: cost, tokens: usage.inputTokens + usage.outputTokens, requests: 1)
    }

    public static let zero = BudgetCharge(cost: .zero, tokens: 0, requests: 0)

    package var isValid: Bool { !cost.isNegative && tokens >= 0 && requests >= 0 }
}

/// Which requests a budget counts: a subject, optionally narrowed to one provider and/or model.
public struct BudgetScope: Sendable, Hashable, CustomStringConvertible {
    /// Whose spend.
    public enum Subject: Sendable, Hashable {
        case global
        case org(String)
        case team(String)
        case user(String)
        case project(String)
        /// An API key id (never the key itself).
        case key(String)
        case tag(key: String, value: String)
    }

    public var subject: Subject
    /// Only requests to this provider, when set (compared case-insensitively).
    public var provider: String?
    /// Only requests for this model id, when set (compared case-insensitively).
    public var model: String?

    public init(_ subject: Subject, provider: String? = nil, model: String? = nil) {
        self.subject = subject
        self.provider = provider
        self.model = model
    }

    /// Whether a request with these dimensions, to this provider and model, counts against the scope.
    public func matches(_ dimensions: UsageDimensions, provider: String, model: String) -> Bool {
        if let p = self.provider, p.lowercased() != provider.lowercased() { return false }
        if let m = self.model, m.lowercased() != model.lowercased() { return false }
        switch subject {
        case .global: return true
        case .org(let v): return dimensions.org == v
        case .team(let v): return dimensions.team == v
        case .user(let v): return dimensions.user == v
        case .project(let v): return dimensions.project == v
        case .key(let v): return dimensions.keyID == v
        case .tag(let k, let v): return dimensions.tags[k] == v
        }
    }

    public var description: String {
        var text: String
        switch subject {
        case .global: text = "global"
        case .org(let v): text = "org=\(v)"
        case .team(let v): text = "team=\(v)"
        case .user(let v): text = "user=\(v)"
        case .project(let v): text = "project=\(v)"
        case .key(let v): text = "key=\(v)"
        case .tag(let k, let v): text = "tag:\(k)=\(v)"
        }
        if let provider { text += " provider=\(provider)" }
        if let model { text += " model=\(model)" }
        return text
    }
}
