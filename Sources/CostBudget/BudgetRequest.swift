public import CostPricing
import Foundation

/// How much a request matters when a budget is nearly spent.
public enum RequestPriority: String, Sendable, Hashable, CaseIterable, Codable {
    /// Passes every level but hard stop.
    case critical
    /// Passes up to and including request queue; refused from emergency on.
    case normal
    /// Deferred from request queue on ("queue, retry after"); refused from emergency on.
    case background
}

/// A request about to be sent, as the budget layer sees it: who asks, for which model, what it
/// would cost, and how much it matters.
///
/// For example:
/// ```swift
/// let request = BudgetRequest(
///     provider: "openai", model: "gpt-4o", dimensions: UsageDimensions(team: "growth", user: "ana"),
///     estimate: BudgetCharge(cost: try Money(parsing: "0.02"), usage: usage), usage: usage)
/// ```
public struct BudgetRequest: Sendable, Hashable {
    public var provider: String
    public var model: String
    public var dimensions: UsageDimensions
    /// What the request would cost: an estimate from the token estimator, or a ceiling from the
    /// maximum output tokens.
    public var estimate: BudgetCharge
    /// The estimated token counts, so that the request can be priced on another model at the
    /// downgrade and switch levels; without them those levels fall through.
    public var usage: Usage?
    public var priority: RequestPriority
    /// Providers the caller accepts at the provider-switch level (none: no switching).
    public var permittedProviders: Set<String>

    public init(
        provider: String, model: String, dimensions: UsageDimensions = UsageDimensions(), estimate: BudgetCharge,
        usage: Usage? = nil, priority: RequestPriority = .normal, permittedProviders: Set<String> = []
    ) {
        self.provider = provider
        self.model = model
        self.dimensions = dimensions
        self.estimate = estimate
        self.usage = usage
        self.priority = priority
        self.permittedProviders = permittedProviders
    }

    /// Whether `budget` counts this request.
    public func isCounted(by budget: Budget) -> Bool {
        budget.scope.matches(dimensions, provider: provider, model: model)
    }
}

/// A budget with what it has counted in its current period.
public struct BudgetState: Sendable, Hashable {
    public var budget: Budget
    /// The current period (`nil` when a custom range does not contain the instant).
    public var window: PeriodWindow?
    /// Committed spend in the current period.
    public var spent: BudgetCharge
    /// Reserved by holds not yet settled.
    public var held: BudgetCharge
    /// How long the throttling level's token bucket makes the next request wait (`.zero`: a token is there).
    public var throttleWait: Duration

    public init(budget: Budget, window: PeriodWindow?, spent: BudgetCharge, held: BudgetCharge, throttleWait: Duration = .zero) {
        self.budget = budget
        self.window = window
        self.spent = spent
        self.held = held
        self.throttleWait = throttleWait
    }

    /// Spent plus held, in the budget's measure.
    public var usedUnits: Int128 { budget.limit.measure(spent).saturatingAdd(budget.limit.measure(held)) }

    /// Spent plus held as a share of the limit (display only; decisions compare exactly).
    public var utilization: Double { usedUnits.approximateDouble / budget.limit.units.approximateDouble }

    /// The level reached by what is spent and held, before any new request.
    public var level: LadderLevel? { budget.profile.level(used: usedUnits, limit: budget.limit.units) }
}

extension BudgetCharge {
    /// The sum, or ``BudgetError`` `.overflow`.
    public func adding(_ other: BudgetCharge) throws -> BudgetCharge {
        let (cost, o1) = self.cost.units.addingReportingOverflow(other.cost.units)
        let (tokens, o2) = self.tokens.addingReportingOverflow(other.tokens)
        let (requests, o3) = self.requests.addingReportingOverflow(other.requests)
        guard !o1, !o2, !o3 else {
            throw BudgetError(code: .overflow, message: "budget amount out of range: \(self.cost) + \(other.cost)")
        }
        return BudgetCharge(cost: Money(units: cost), tokens: tokens, requests: requests)
    }

    /// The difference, or ``BudgetError`` `.overflow`.
    public func subtracting(_ other: BudgetCharge) throws -> BudgetCharge {
        let (cost, o1) = self.cost.units.subtractingReportingOverflow(other.cost.units)
        let (tokens, o2) = self.tokens.subtractingReportingOverflow(other.tokens)
        let (requests, o3) = self.requests.subtractingReportingOverflow(other.requests)
        guard !o1, !o2, !o3 else {
            throw BudgetError(code: .overflow, message: "budget amount out of range: \(self.cost) - \(other.cost)")
        }
        return BudgetCharge(cost: Money(units: cost), tokens: tokens, requests: requests)
    }
}

extension Int128 {
    /// The nearest `Double`, for ratios on display (the generic `Double(_:)` of `Int128` is slow).
    package var approximateDouble: Double {
        let magnitude = self.magnitude
        let high = UInt64(truncatingIfNeeded: magnitude >> 64)
        let low = UInt64(truncatingIfNeeded: magnitude)
        let value = Double(high) * 18_446_744_073_709_551_616.0 + Double(low)
        return self < 0 ? -value : value
    }

    /// The sum, or `Int128.max`/`.min` where it does not fit (amounts that large are past every level).
    func saturatingAdd(_ other: Int128) -> Int128 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
