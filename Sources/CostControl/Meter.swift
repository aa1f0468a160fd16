public import CostBudget
public import CostOptimizer
public import CostPricing
public import CostRotation
public import Foundation

/// Wraps one LLM call the way a service embeds costctl: estimate the request, check and reserve
/// it against every applicable budget, use the model the budget ladder chose (a downgrade or a
/// provider switch), run the caller's call, record what it really used as a ``UsageEvent``, and
/// settle the hold with the real cost. If the call throws, the hold is released and nothing is
/// recorded.
///
/// With ``keys`` the meter also chooses the API key: it leases one from the provider's pool
/// before reserving the budgets (so budgets on that key apply and the event records its id),
/// hands the opened secret to the call in ``MeteredCall/key``, and reports the outcome back —
/// success with the usage, or what a thrown ``KeyOutcomeError`` says (429, 401/403, quota).
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
    /// Key rotation: which key each call uses. `nil`: the caller brings its own keys.
    public let keys: MeterKeys?
    /// Model routes (a ``RecommendationStore``: the routing changes auto-execution applied): a
    /// request whose model and dimensions match a route is estimated, reserved and called with the
    /// route's model instead. `nil`: no routing.
    public let routes: (any ModelRouteSource)?
    let now: @Sendable () -> Date

    public init(
        budgets: any BudgetStore, ledger: any UsageLedger, engine: CostEngine, policy: BudgetPolicy = BudgetPolicy(),
        holdTTL: Duration = .seconds(300), alerts: BudgetAlertMonitor? = nil, keys: MeterKeys? = nil,
        routes: (any ModelRouteSource)? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.budgets = budgets
        self.ledger = ledger
        self.engine = engine
        self.policy = policy
        self.holdTTL = holdTTL
        self.alerts = alerts
        self.keys = keys
        self.routes = routes
        self.now = now
    }

    /// Runs `call` under the budgets, or refuses it.
    ///
    /// - returns: `.completed` with the call's value and what was recorded, `.refused` with the
    ///   budget decision (queue with a retry-after, throttle with a wait, reject) when the call
    ///   must not run now, or `.noKey` when no key of the pool can take it (each key's reason and
    ///   the earliest instant one frees up); nothing is reserved or recorded then.
    /// - throws: the call's own error (after releasing the hold and reporting the key's outcome),
    ///   ``PricingError`` for invalid usage, the stores' or the ledger's errors, and the sealer's
    ///   when a key's secret cannot be opened.
    public func run<Value: Sendable>(
        _ request: MeteredRequest, _ call: @Sendable (MeteredCall) async throws -> MeteredResult<Value>
    ) async throws -> MeterOutcome<Value> {
        var request = request
        if let routes,
            let route = try await routes.modelRoutes().first(where: {
                $0.matches(provider: request.provider, model: request.model, dimensions: request.dimensions)
            })
        {
            request.model = route.to
        }
        let estimate = try engine.cost(
            request.estimate, model: request.model, provider: request.provider, at: now(), tier: request.tier,
            unknownModel: .unpriced)
        var dimensions = request.dimensions
        var keyLease: (lease: KeyLease, key: APIKey)?
        if let keys, dimensions.keyID == nil, let pool = keys.pool(request.provider, dimensions) {
            let selection = try await keys.acquire(request.estimate, cost: estimate.total, from: pool)
            guard let lease = selection.lease, let key = selection.key else { return .noKey(selection) }
            keyLease = (lease, key)
            dimensions.keyID = key.id
        }
        let budgetRequest = BudgetRequest(
            provider: request.provider, model: request.model, dimensions: dimensions,
            estimate: BudgetCharge(cost: estimate.total, usage: request.estimate),
            usage: request.estimate, priority: request.priority, permittedProviders: request.permittedProviders)
        let reservation: BudgetReservation
        do {
            reservation = try await budgets.reserve(budgetRequest, policy: policy, ttl: holdTTL)
        } catch {
            if let keyLease { _ = try? await keys?.store.release(keyLease.lease) }
            throw error
        }
        let decision = reservation.decision
        guard decision.passes else {
            if let keyLease { _ = try? await keys?.store.release(keyLease.lease) }
            return .refused(decision)
        }
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
        let releaseHold: @Sendable () async -> Void = { [budgets, alerts] in
            if let hold = reservation.hold {
                _ = try? await budgets.release(hold)
                alerts?.notice(budgets: hold.budgets)
            }
        }
        // the ladder moved the call to another provider: its key comes from that provider's pool
        if let keys, provider.caseInsensitiveCompare(request.provider) != .orderedSame, request.dimensions.keyID == nil {
            if let keyLease { _ = try? await keys.store.release(keyLease.lease) }
            keyLease = nil
            dimensions.keyID = nil
            if let pool = keys.pool(provider, dimensions) {
                let selection: KeySelection
                do {
                    selection = try await keys.acquire(request.estimate, cost: estimate.total, from: pool)
                } catch {
                    await releaseHold()
                    throw error
                }
                guard let lease = selection.lease, let key = selection.key else {
                    await releaseHold()
                    return .noKey(selection)
                }
                keyLease = (lease, key)
                dimensions.keyID = key.id
            }
        }
        var meteredKey: MeteredKey?
        if let keys, let keyLease {
            do {
                meteredKey = try keys.open(keyLease.key)
            } catch {
                _ = try? await keys.store.release(keyLease.lease)
                await releaseHold()
                throw error
            }
        }
        let started = ContinuousClock.now
        let result: MeteredResult<Value>
        do {
            result = try await call(MeteredCall(provider: provider, model: model, decision: decision, key: meteredKey))
        } catch {
            await releaseHold()
            if let keys, let keyLease {
                _ = try? await keys.report(keyLease.lease, outcome: (error as? any KeyOutcomeError)?.keyOutcome ?? .failed)
            }
            throw error
        }
        let elapsed = ContinuousClock.now - started
        let breakdown = try engine.cost(
            result.usage, model: model, provider: provider, at: now(), tier: request.tier, unknownModel: .unpriced)
        let event = UsageEvent(
            id: request.eventID ?? UsageEvent.makeID(), timestamp: now(), provider: breakdown.model.provider.isEmpty ? provider : breakdown.model.provider,
            model: model, usage: result.usage, cost: EventCost(breakdown), dimensions: dimensions, status: result.status,
            latencyMilliseconds: result.latencyMilliseconds ?? Int(elapsed.wholeMilliseconds))
        var keyReport: KeyReport?
        if let keys, let keyLease {
            let used = MeterKeys.charge(result.usage, cost: breakdown.total)
            // the call happened: a key removed meanwhile must not fail it
            keyReport = try? await keys.report(keyLease.lease, outcome: result.keyOutcome ?? .success(used))
        }
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
                estimate: estimate.total, commit: commit, key: keyReport))
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
    /// The key to call with, when the meter chooses keys (``Meter/keys``) and the provider has a pool.
    public let key: MeteredKey?
}

/// What the caller's call returns: its value and what the provider reported it used.
public struct MeteredResult<Value: Sendable>: Sendable {
    public var value: Value
    public var usage: Usage
    public var status: EventStatus
    /// Measured by the caller; the meter measures the call when `nil`.
    public var latencyMilliseconds: Int?
    /// What to report for the key when the call returned but the key should not count it as a
    /// plain success; `nil`: success with ``usage``.
    public var keyOutcome: KeyOutcome?

    public init(
        _ value: Value, usage: Usage, status: EventStatus = .ok, latencyMilliseconds: Int? = nil, keyOutcome: KeyOutcome? = nil
    ) {
        self.value = value
        self.usage = usage
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.keyOutcome = keyOutcome
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
    /// The key's state after its outcome was reported, when the meter chose the key.
    public let key: KeyReport?
}

/// The end of a metered call.
public enum MeterOutcome<Value: Sendable>: Sendable {
    case completed(Value, MeterReceipt)
    /// The budgets said no for now (queue, throttle with a wait, reject): the decision says why and when to retry.
    case refused(BudgetDecision)
    /// No key of the provider's pool can take the call now: the selection gives each key's
    /// reason and ``KeySelection/earliestAvailability``.
    case noKey(KeySelection)
}
