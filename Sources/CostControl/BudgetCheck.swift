public import CostBudget
public import CostPricing
public import Foundation

/// "Would this request pass?" without reserving anything: the decision every applicable budget
/// gives now, for `costctl check` and for callers that want to ask before they build a request.
///
/// A check reads each budget's state and runs the same ``BudgetPolicy`` as a reservation, but it
/// records no hold and takes no throttle token, so a request that passes a check may still be
/// refused by the reservation that follows (another caller may have spent the rest meanwhile).
/// Services that act on the answer should call ``BudgetStore/reserve(_:policy:ttl:)`` or use the
/// ``Meter``.
///
/// For example:
/// ```swift
/// let decision = try await BudgetCheck(store: store, engine: engine).decide(
///     BudgetCheck.Request(model: "gpt-4o", dimensions: UsageDimensions(team: "growth"), estimate: try Money(parsing: "0.02")))
/// if !decision.passes { print(decision.summary) }
/// ```
public struct BudgetCheck: Sendable {
    /// A request to check: the model, who asks, and what it would cost.
    public struct Request: Sendable, Hashable {
        public var model: String
        /// Found from the catalog when `nil`.
        public var provider: String?
        public var dimensions: UsageDimensions
        /// The expected cost in dollars; when `nil`, ``usage`` is priced on the model.
        public var estimate: Money?
        /// The expected token counts (needed to price the request on other models for a downgrade or switch).
        public var usage: Usage?
        public var priority: RequestPriority
        /// Providers a provider-switch level may move the request to.
        public var permittedProviders: Set<String>

        public init(
            model: String, provider: String? = nil, dimensions: UsageDimensions = UsageDimensions(), estimate: Money? = nil,
            usage: Usage? = nil, priority: RequestPriority = .normal, permittedProviders: Set<String> = []
        ) {
            self.model = model
            self.provider = provider
            self.dimensions = dimensions
            self.estimate = estimate
            self.usage = usage
            self.priority = priority
            self.permittedProviders = permittedProviders
        }
    }

    public let store: any BudgetStore
    public let engine: CostEngine
    public let policy: BudgetPolicy

    public init(store: any BudgetStore, engine: CostEngine, policy: BudgetPolicy? = nil) {
        self.store = store
        self.engine = engine
        self.policy = policy ?? BudgetPolicy(alternatives: try? ModelAlternatives(catalog: engine.catalog))
    }

    /// The decision for `request` at `instant`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` when neither an estimate nor token counts are
    ///   given, or the model is unknown and has no dollar estimate; the store's errors.
    public func decide(_ request: Request, at instant: Date = Date()) async throws -> BudgetDecision {
        let budgetRequest = try budgetRequest(request, at: instant)
        let budgets = try await store.budgets()
        func states(_ request: BudgetRequest) async throws -> [BudgetState] {
            var states: [BudgetState] = []
            for budget in budgets where request.isCounted(by: budget) {
                if let state = try await store.state(of: budget.name) { states.append(state) }
            }
            return states
        }
        let decision = try policy.decide(budgetRequest, states: try await states(budgetRequest), at: instant)
        guard let moved = BudgetPolicy.rewritten(budgetRequest, by: decision) else { return decision }
        // checked again against the budgets of the model it moved to, as a reservation would be
        return try policy.confirm(decision, rewritten: moved, states: try await states(moved), at: instant)
    }

    /// The request as the budget layer sees it: provider found, cost estimated.
    public func budgetRequest(_ request: Request, at instant: Date) throws -> BudgetRequest {
        let model = request.model.trimmingCharacters(in: .whitespaces)
        guard !model.isEmpty else { throw ControlError(code: .invalidInput, message: "a check needs a model (--model gpt-4o)") }
        var provider = request.provider
        let resolved = try? engine.catalog.resolve(model: model, provider: provider)
        if provider == nil { provider = resolved?.model.provider }
        let cost: Money
        if let estimate = request.estimate {
            guard !estimate.isNegative else {
                throw ControlError(code: .invalidInput, message: "the estimate must not be negative, not \(estimate)")
            }
            cost = estimate
        } else if let usage = request.usage {
            do {
                cost = try engine.cost(usage, model: model, provider: provider, at: instant).total
            } catch let error as PricingError {
                throw ControlError(
                    code: .invalidInput,
                    message: "cannot price the request: \(error.message); give the expected cost in dollars instead (--estimate 0.02)")
            }
        } else {
            throw ControlError(
                code: .invalidInput,
                message: "a check needs what the request would cost: dollars (--estimate 0.02) or token counts (--input-tokens 1200 --output-tokens 400)")
        }
        let usage = request.usage
        let charge = usage.map { BudgetCharge(cost: cost, usage: $0) } ?? BudgetCharge(cost: cost, tokens: 0, requests: 1)
        return BudgetRequest(
            provider: provider ?? "", model: model, dimensions: request.dimensions, estimate: charge, usage: usage,
            priority: request.priority, permittedProviders: request.permittedProviders)
    }
}

/// A ``BudgetDecision`` as stable JSON (`costctl check --json`, the MCP server).
public struct BudgetDecisionReport: Sendable, Hashable, Encodable {
    /// `allow`, `allow-log`, `allow-alert`, `throttle`, `downgrade`, `switch`, `queue` or `reject`.
    public var action: String
    public var passes: Bool
    /// The provider and model to call (rewritten by a downgrade or a switch).
    public var provider: String
    public var model: String
    public var rewritten: Bool
    /// Seconds to wait before retrying (throttle with a wait, queue).
    public var retryAfterSeconds: Double?
    /// When a refusal ends (the end of the deciding budget's period).
    public var retryAt: String?
    public var summary: String
    public var deciding: Verdict?
    public var verdicts: [Verdict]

    public struct Verdict: Sendable, Hashable, Encodable {
        public var budget: String
        public var level: String?
        public var action: String
        /// Spent + held + this request, formatted in the budget's measure.
        public var usedAfter: String
        public var limit: String
        public var utilization: Double
        public var reason: String
    }

    public init(_ decision: BudgetDecision, requestedModel: String) {
        let action = decision.action
        self.action = Self.word(action)
        self.passes = decision.passes
        self.provider = decision.provider
        self.model = decision.model
        self.rewritten = decision.model != requestedModel
        switch action {
        case .throttle(let wait) where wait > .zero: retryAfterSeconds = wait.seconds
        case .queue(let after): retryAfterSeconds = after.seconds
        case .reject(let at): retryAt = at.map { Timestamp.format($0) }
        default: break
        }
        summary = decision.summary
        verdicts = decision.verdicts.map(Self.verdict)
        deciding = decision.deciding.map(Self.verdict)
    }

    static func verdict(_ v: BudgetVerdict) -> Verdict {
        Verdict(
            budget: v.budget, level: v.level?.description, action: word(v.action), usedAfter: v.limit.format(v.usedAfter),
            limit: v.limit.description, utilization: (v.utilization * 10_000).rounded() / 10_000, reason: v.reason)
    }

    /// One word per kind of action.
    public static func word(_ action: BudgetAction) -> String {
        switch action {
        case .allow: "allow"
        case .allowAndLog: "allow-log"
        case .allowAndAlert: "allow-alert"
        case .throttle: "throttle"
        case .downgrade: "downgrade"
        case .switchProvider: "switch"
        case .queue: "queue"
        case .reject: "reject"
        }
    }
}
