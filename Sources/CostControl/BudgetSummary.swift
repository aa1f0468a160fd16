public import CostBudget
import CostPricing
import Foundation

/// A budget's definition as stable JSON and as words (`costctl budget list`, the MCP server).
public struct BudgetSummary: Sendable, Hashable, Encodable {
    public var name: String
    /// `global`, `team=growth`, `tag:env=prod`, …
    public var scope: String
    public var provider: String?
    public var model: String?
    /// `money`, `tokens` or `requests`.
    public var limitKind: String
    /// The limit in its measure: dollars as a decimal string, or a count.
    public var limit: String
    /// `daily`, `weekly`, `monthly`, `quarterly`, `yearly`, `rolling-24h`, `rolling-7d`, or `custom`.
    public var period: String
    /// The calendar period's time zone (`nil` for rolling windows and custom ranges).
    public var timeZone: String?
    /// A custom range's first instant and end (exclusive).
    public var customStart: String?
    public var customEnd: String?
    public var profile: String
    /// Each level's threshold in percent, `nil` when the level is off.
    public var thresholds: [String: Double?]
    /// The throttling level's rate: `1/s, burst 5`.
    public var throttle: String
    public var queueRetryAfterSeconds: Double

    public init(_ budget: Budget) {
        name = budget.name
        scope = BudgetScope(budget.scope.subject).description
        provider = budget.scope.provider
        model = budget.scope.model
        limitKind = Self.kind(budget.limit)
        switch budget.limit {
        case .money(let m): limit = m.decimalString
        case .tokens(let n), .requests(let n): limit = String(n)
        }
        period = Self.periodWord(budget.period)
        switch budget.period {
        case .calendar(_, let zone): timeZone = zone.identifier == "GMT" ? "UTC" : zone.identifier
        case .custom(let start, let end):
            customStart = Timestamp.format(start)
            customEnd = Timestamp.format(end)
        case .rolling: break
        }
        profile = budget.profile.name
        var thresholds: [String: Double?] = [:]
        for level in LadderLevel.allCases {
            thresholds.updateValue(budget.profile.threshold(of: level).map { Double($0.basisPoints) / 100 }, forKey: level.description)
        }
        self.thresholds = thresholds
        let rate = budget.throttle
        let unit = rate.interval == .seconds(1) ? "s" : rate.interval == .seconds(60) ? "min" : rate.interval == .seconds(3600) ? "h" : "\(rate.interval.seconds)s"
        throttle = "\(rate.requests)/\(unit), burst \(rate.burst)"
        queueRetryAfterSeconds = budget.queueRetryAfter.seconds
    }

    /// `money`, `tokens` or `requests`.
    public static func kind(_ limit: BudgetLimit) -> String {
        switch limit {
        case .money: "money"
        case .tokens: "tokens"
        case .requests: "requests"
        }
    }

    /// The period as the word `costctl budget set --period` takes.
    public static func periodWord(_ period: BudgetPeriod) -> String {
        switch period {
        case .calendar(let unit, _):
            switch unit {
            case .day: "daily"
            case .week(let first): first == 2 ? "weekly" : "weekly (weeks start on day \(first))"
            case .month: "monthly"
            case .quarter: "quarterly"
            case .year: "yearly"
            }
        case .custom: "custom"
        case .rolling(let seconds):
            seconds % 86_400 == 0 ? "rolling-\(seconds / 86_400)d" : seconds % 3600 == 0 ? "rolling-\(seconds / 3600)h" : "rolling-\(seconds)s"
        }
    }

    /// The limit as people read it: `$500`, `2,000,000 tokens`, `10,000 requests`.
    public var limitText: String {
        switch limitKind {
        case "money": "$" + limit
        default: "\(UsageReportText.count(Int(limit) ?? 0)) \(limitKind)"
        }
    }
}

/// A budget's standing in its current period (`costctl budget status`, the MCP server).
public struct BudgetStatusReport: Sendable, Hashable, Encodable {
    public var budget: BudgetSummary
    /// The current period (`nil` when a custom range does not contain the instant).
    public var windowStart: String?
    public var windowEnd: String?
    /// Committed spend, open holds, and what is left before the limit, in the budget's measure
    /// (dollars as decimal strings, counts as integers in strings).
    public var spent: String
    public var held: String
    public var remaining: String
    /// (spent + held) / limit.
    public var utilization: Double
    /// The ladder level reached by spent + held (`nil`: below every level).
    public var level: String?
    /// The next level up and the share of the limit where it starts.
    public var nextLevel: String?
    public var nextLevelAt: Double?
    /// Burn rate, projected spend at the period's end, exhaustion and on-track flag, when the
    /// ledger was read (``UsageLedger/projection(of:at:rateWindowDays:userHasher:)``).
    public var projection: BudgetProjection?

    public init(_ state: BudgetState, projection: BudgetProjection? = nil) {
        self.projection = projection
        let budget = state.budget
        self.budget = BudgetSummary(budget)
        windowStart = state.window.map { Timestamp.format($0.start) }
        windowEnd = state.window.map { Timestamp.format($0.end) }
        let limit = budget.limit
        spent = Self.amount(limit.measure(state.spent), limit)
        held = Self.amount(limit.measure(state.held), limit)
        let left = limit.units - state.usedUnits
        remaining = Self.amount(left > 0 ? left : 0, limit)
        utilization = (state.utilization * 10_000).rounded() / 10_000
        let current = state.level
        level = current?.description
        if let next = budget.profile.enabledLevels.first(where: { level in current.map { level.level > $0 } ?? true }) {
            nextLevel = next.level.description
            nextLevelAt = Double(next.threshold.basisPoints) / 10_000
        }
    }

    static func amount(_ units: Int128, _ limit: BudgetLimit) -> String {
        switch limit {
        case .money: Money(units: units).decimalString
        case .tokens, .requests: String(units)
        }
    }
}
