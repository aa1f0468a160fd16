public import CostBudget
public import CostPricing
public import Foundation

/// Wraps one LLM call the way a service embeds costctl: estimate the request, check and reserve
/// it against every applicable budget, use the model the budget ladder chose (a downgrade or a
/// provider switch), run the caller's call, record what it really used as a ``UsageEvent``, and
/// settle the hold with the real cost. If the call throws, the hold is released and nothing is
/// recorded.
///
/// A `Meter` holds no global state and is `Sendable`: make one per service and share it.
///
/// ```swift
/// let meter = Meter(budgets: store, ledger: ledger, engine: CostEngine(catalog: .bundled()))
/// let outcome = try await meter.run(
///     MeteredRequest(provider: "openai", model: "gpt-4o", estimate: Usage(inputTokens: 1_200, outputTokens: 400),
///                    dimensions: UsageDimensions(team: "search", user: "alice"))
/// ) { call in
///     let reply = try await client.complete(model: call.model, prompt: prompt)   // your provider call
///     return MeteredResult(reply.text, usage: Usage(inputTokens: reply.inputTokens, outputTokens: reply.outputTokens))
/// }
/// switch outcome {
/// case .completed(let text, let receipt): print(text, receipt.cost)
/// case .refused(let decision): print(decision.summary)   // queue, reject or throttle: retry later
/// }
/// ```
public struct Meter: Sendable {
    public let budgets: any BudgetStore
    public let ledger: any UsageLedger
    public let engine: CostEngine
    public let policy: BudgetPolicy
    /// How long a hold lives if the caller never settles it (a crash): its budget comes back after.
    public let holdTTL: Duration
    /// Told which budgets changed after each reserve and commit (a non-blocking notice); it reads
    /// their states and sends alerts from its own task.
    public let alerts: BudgetAlertMonitor?
    let now: @Sendable () -> Date

    public init(
        budgets: any BudgetStore, ledger: any UsageLedger, engine: CostEngine, policy: BudgetPolicy = BudgetPolicy(),
        holdTTL: Duration = .seconds(300), alerts: BudgetAlertMonitor? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.budgets = budgets
        self.ledger = ledger
        self.engine = engine
        self.policy = policy
        self.holdTTL = holdTTL
        self.alerts = alerts
        self.now = now
    }

    /// Runs `call` under the budgets, or refuses it.
    ///
    /// - returns: `.completed` with the call's value and what was recorded, or `.refused` with the
    ///   budget decision (queue with a retry-after, throttle with a wait, reject) when the call
    ///   must not run now; nothing is reserved or recorded then.
    /// - throws: the call's own error (after releasing the hold), ``PricingError`` for invalid
    ///   usage, the store's or the ledger's errors.
    public func run<Value: Sendable>(
        _ request: MeteredRequest, _ call: @Sendable (MeteredCall) async throws -> MeteredResult<Value>
    ) async throws -> MeterOutcome<Value> {
        let estimate = try engine.cost(
            request.estimate, model: request.model, provider: request.provider, at: now(), tier: request.tier,
            unknownModel: .unpriced)
        let budgetRequest = BudgetRequest(
            provider: request.provider, model: request.model, dimensions: request.dimensions,
            estimate: BudgetCharge(cost: estimate.total, usage: request.estimate),
            usage: request.estimate, priority: request.priority, permittedProviders: request.permittedProviders)
        let reservation = try await budgets.reserve(budgetRequest, policy: policy, ttl: holdTTL)
        let decision = reservation.decision
        guard decision.passes else { return .refused(decision) }
        if let hold = reservation.hold { alerts?.notice(budgets: hold.budgets) }
        var provider = request.provider
        var model = request.model
        switch decision.action {
        case .downgrade(let choice), .switchProvider(let choice):
            provider = choice.provider
            model = choice.model
        default:
            break
        }
        let started = ContinuousClock.now
        let result: MeteredResult<Value>
        do {
            result = try await call(MeteredCall(provider: provider, model: model, decision: decision))
        } catch {
            if let hold = reservation.hold {
                _ = try? await budgets.release(hold)
                alerts?.notice(budgets: hold.budgets)
            }
            throw error
        }
        let elapsed = ContinuousClock.now - started
        let breakdown = try engine.cost(
            result.usage, model: model, provider: provider, at: now(), tier: request.tier, unknownModel: .unpriced)
        let event = UsageEvent(
            id: request.eventID ?? UsageEvent.makeID(), timestamp: now(), provider: breakdown.model.provider.isEmpty ? provider : breakdown.model.provider,
            model: model, usage: result.usage, cost: EventCost(breakdown), dimensions: request.dimensions, status: result.status,
            latencyMilliseconds: result.latencyMilliseconds ?? Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
        let status: RecordStatus
        do {
            status = try await ledger.record(event)
        } catch {
            // the call happened: settle the hold with what it cost even if the ledger refused the event
            if let hold = reservation.hold {
                _ = try? await budgets.commit(hold, actual: BudgetCharge(cost: breakdown.total, usage: result.usage))
                alerts?.notice(budgets: hold.budgets)
            }
            throw error
        }
        var commit: BudgetCommit?
        if let hold = reservation.hold {
            commit = try await budgets.commit(hold, actual: BudgetCharge(cost: breakdown.total, usage: result.usage))
            alerts?.notice(budgets: hold.budgets)
        }
        return .completed(
            result.value,
            MeterReceipt(
                decision: decision, provider: provider, model: model, event: event, recordStatus: status, cost: breakdown,
                estimate: estimate.total, commit: commit))
    }
}

/// One LLM call to meter: who, what, and what it is expected to use.
public struct MeteredRequest: Sendable, Hashable {
    public var provider: String
    public var model: String
    /// The expected usage: prompt tokens from the token estimator, output up to `max_tokens`.
    public var estimate: Usage
    public var dimensions: UsageDimensions
    public var priority: RequestPriority
    /// Providers a provider-switch level may move the call to.
    public var permittedProviders: Set<String>
    public var tier: ServiceTier
    /// The event's id (an idempotency key); generated when `nil`.
    public var eventID: String?

    public init(
        provider: String, model: String, estimate: Usage, dimensions: UsageDimensions = UsageDimensions(),
        priority: RequestPriority = .normal, permittedProviders: Set<String> = [], tier: ServiceTier = .standard,
        eventID: String? = nil
    ) {
        self.provider = provider
        self.model = model
        self.estimate = estimate
        self.dimensions = dimensions
        self.priority = priority
        self.permittedProviders = permittedProviders
        self.tier = tier
        self.eventID = eventID
    }
}

/// What the caller's call is told: the model to call (the ladder may have changed it) and why.
public struct MeteredCall: Sendable {
    public let provider: String
    public let model: String
    public let decision: BudgetDecision
}

/// What the caller's call returns: its value and what the provider reported it used.
public struct MeteredResult<Value: Sendable>: Sendable {
    public var value: Value
    public var usage: Usage
    public var status: EventStatus
    /// Measured by the caller; the meter measures the call when `nil`.
    public var latencyMilliseconds: Int?

    public init(_ value: Value, usage: Usage, status: EventStatus = .ok, latencyMilliseconds: Int? = nil) {
        self.value = value
        self.usage = usage
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
    }
}

/// What the meter recorded and settled for a completed call.
public struct MeterReceipt: Sendable {
    public let decision: BudgetDecision
    /// The provider and model actually called.
    public let provider: String
    public let model: String
    public let event: UsageEvent
    public let recordStatus: RecordStatus
    /// The exact cost of the reported usage.
    public let cost: CostBreakdown
    /// The estimate the hold was made with.
    public let estimate: Money
    /// The settled hold, when a budget applied.
    public let commit: BudgetCommit?
}

/// The end of a metered call.
public enum MeterOutcome<Value: Sendable>: Sendable {
    case completed(Value, MeterReceipt)
    /// The budgets said no for now (queue, throttle with a wait, reject): the decision says why and when to retry.
    case refused(BudgetDecision)
}
