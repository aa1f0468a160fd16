public import Foundation

/// What a budget says about one request.
public enum BudgetAction: Sendable, Hashable, CustomStringConvertible {
    /// Below every level.
    case allow
    /// Allow, and log (warning).
    case allowAndLog
    /// Allow, and alert (notification; also a critical or normal request passing a higher level).
    case allowAndAlert
    /// Throttling: `.zero` means a token was there and the request passes now; otherwise wait this long.
    case throttle(wait: Duration)
    /// Allow on this cheaper model of the same capability class.
    case downgrade(to: ModelChoice)
    /// Allow on this model of another permitted provider.
    case switchProvider(to: ModelChoice)
    /// Deferred: retry after this long.
    case queue(retryAfter: Duration)
    /// Refused; the budget's period ends at `retryAt` (`nil` for rolling windows).
    case reject(retryAt: Date?)

    /// Whether the request may be sent (possibly on another model).
    public var passes: Bool {
        switch self {
        case .allow, .allowAndLog, .allowAndAlert, .downgrade, .switchProvider: true
        case .throttle(let wait): wait == .zero
        case .queue, .reject: false
        }
    }

    /// How strict the action is; across several budgets the strictest wins.
    public var severity: Int {
        switch self {
        case .allow: 0
        case .allowAndLog: 1
        case .allowAndAlert: 2
        case .throttle(let wait): wait == .zero ? 3 : 6
        case .downgrade: 4
        case .switchProvider: 5
        case .queue: 7
        case .reject: 8
        }
    }

    public var description: String {
        switch self {
        case .allow: "allow"
        case .allowAndLog: "allow+log"
        case .allowAndAlert: "allow+alert"
        case .throttle(let wait): wait == .zero ? "throttle (token taken)" : "throttle, wait \(wait.seconds)s"
        case .downgrade(let choice): "downgrade to \(choice)"
        case .switchProvider(let choice): "switch to \(choice)"
        case .queue(let after): "queue, retry after \(after.seconds)s"
        case .reject(let at): at.map { "reject until \($0.formatted(.iso8601))" } ?? "reject"
        }
    }
}

/// One budget's answer for one request.
public struct BudgetVerdict: Sendable, Hashable {
    public var budget: String
    /// The level after the request (`nil`: below every level).
    public var level: LadderLevel?
    /// Spent + held + this request, in the budget's measure.
    public var usedAfter: Int128
    public var limit: BudgetLimit
    public var action: BudgetAction
    /// Why, in words (which level, which rule, what fell through).
    public var reason: String

    /// `usedAfter / limit` (display only; the level was found exactly).
    public var utilization: Double { usedAfter.approximateDouble / limit.units.approximateDouble }
}

/// The answer for one request across every budget that counts it: the strictest verdict wins.
public struct BudgetDecision: Sendable, Hashable {
    /// One verdict per applicable budget, in the order the budgets were given.
    public var verdicts: [BudgetVerdict]
    /// The verdict that decided (`nil` when no budget applies).
    public var deciding: BudgetVerdict?
    /// The provider and model to call (rewritten by a downgrade or a switch).
    public var provider: String
    public var model: String
    /// What a hold reserves for this request (the rewritten model's estimate after a downgrade or switch).
    public var charge: BudgetCharge

    public var action: BudgetAction { deciding?.action ?? .allow }
    public var passes: Bool { action.passes }
    /// Budgets whose throttling verdict passed and so take a token from their bucket.
    public var throttledBudgets: [String] {
        verdicts.filter { $0.action == .throttle(wait: .zero) }.map(\.budget)
    }

    /// One line: the action, and for the deciding budget its name, level, utilization and reason.
    public var summary: String {
        guard let d = deciding else { return "allow: no budget applies" }
        let percent = (d.utilization * 1000).rounded() / 10
        return "\(d.action) — budget '\(d.budget)' at \(d.level?.description ?? "no level") (\(percent)% after this request): \(d.reason)"
    }
}
