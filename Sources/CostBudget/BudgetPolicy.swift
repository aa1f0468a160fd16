public import Foundation

/// Turns budget states and a request into a decision: the pure rules of the ladder.
///
/// For each budget: the level after the request is the highest level that is on whose threshold
/// spent + held + the estimate reaches; the level's rule gives the action (see
/// Documentation/Budgets.md). Across budgets the strictest action wins (``BudgetAction/severity``;
/// ties go to the higher level, then the higher utilization, then the earlier budget).
///
/// For example:
/// ```swift
/// let policy = BudgetPolicy(alternatives: try ModelAlternatives(catalog: .bundled()))
/// let decision = try policy.decide(request, states: states, at: Date())
/// print(decision.summary)
/// ```
public struct BudgetPolicy: Sendable {
    /// Where downgrade and switch look for models; `nil`: those levels always fall through.
    public var alternatives: ModelAlternatives?
    /// Set while a request another budget already moved is checked again (``confirm(_:rewritten:states:at:)``):
    /// downgrade and switch then fall through, so a request moves once.
    private var confirming = false

    public init(alternatives: ModelAlternatives? = nil) {
        self.alternatives = alternatives
    }

    /// `request` as it goes out after `decision` moved it to another model (a downgrade or a
    /// switch): that provider and model, and its estimate there; `nil` when it was not moved.
    public static func rewritten(_ request: BudgetRequest, by decision: BudgetDecision) -> BudgetRequest? {
        guard decision.provider != request.provider || decision.model != request.model else { return nil }
        var moved = request
        moved.provider = decision.provider
        moved.model = decision.model
        moved.estimate = decision.charge
        return moved
    }

    /// The decision for a request that `first` moved to another model, checked again against the
    /// budgets that count it there (`states`: those of `rewritten`, as the stores select them).
    ///
    /// A budget filtered on the new provider or model is consulted; one filtered on the old one no
    /// longer counts the request, so the hold, and later the spend, go where the call goes (where
    /// the ledger will count its event). Budgets that judged the request before keep their verdict;
    /// only those met on the new model judge it again, with the new estimate. The request moves
    /// once: at a downgrade or switch level on the new model the next rule applies. `first`'s
    /// deciding verdict (the move) still decides, unless a verdict is stricter: a throttle's wait,
    /// a queue, a refusal by a budget of the new model.
    ///
    /// - throws: ``BudgetError`` `.overflow`.
    public func confirm(_ first: BudgetDecision, rewritten: BudgetRequest, states: [BudgetState], at now: Date) throws -> BudgetDecision {
        var policy = self
        policy.confirming = true
        var decision = try policy.decide(rewritten, states: states, at: now)
        // a budget that already judged the request keeps its verdict (the move, or what it said
        // beside it); the others, met only on the new model, judge the moved request
        var judged: [String: BudgetVerdict] = [:]
        for verdict in first.verdicts where judged[verdict.budget] == nil { judged[verdict.budget] = verdict }
        decision.verdicts = decision.verdicts.map { judged[$0.budget] ?? $0 }
        let strictest = Self.strictest(decision.verdicts)
        if let moved = first.deciding, (strictest?.action.severity ?? 0) <= moved.action.severity {
            decision.deciding = moved
        } else {
            decision.deciding = strictest
        }
        decision.provider = rewritten.provider
        decision.model = rewritten.model
        decision.charge = rewritten.estimate
        return decision
    }

    /// The decision for `request` with a moved request checked again: ``decide(_:states:at:)``,
    /// then, if it moved the request, ``confirm(_:rewritten:states:at:)`` with the states
    /// `statesAfterMove` gives for the moved request: what the stores call (`BudgetCheck`, which
    /// reads states asynchronously, makes the same two calls itself).
    ///
    /// - throws: ``BudgetError`` `.invalidRequest` for a negative estimate, `.overflow`; whatever
    ///   `statesAfterMove` throws.
    public func decide(
        _ request: BudgetRequest, states: [BudgetState], at now: Date, statesAfterMove: (BudgetRequest) throws -> [BudgetState]
    ) throws -> BudgetDecision {
        let decision = try decide(request, states: states, at: now)
        guard let moved = Self.rewritten(request, by: decision) else { return decision }
        return try confirm(decision, rewritten: moved, states: try statesAfterMove(moved), at: now)
    }

    /// The decision for `request` against `states` (budgets that do not count the request, or
    /// whose custom range does not contain `now`, are skipped).
    ///
    /// - throws: ``BudgetError`` `.invalidRequest` for a negative estimate, `.overflow`.
    public func decide(_ request: BudgetRequest, states: [BudgetState], at now: Date) throws -> BudgetDecision {
        try Self.validate(request)
        var verdicts: [BudgetVerdict] = []
        for state in states where state.window != nil && request.isCounted(by: state.budget) {
            verdicts.append(try self.verdict(request, state: state, at: now))
        }
        var decision = BudgetDecision(
            verdicts: verdicts, deciding: Self.strictest(verdicts), provider: request.provider, model: request.model,
            charge: request.estimate)
        switch decision.deciding?.action {
        case .downgrade(let choice)?, .switchProvider(let choice)?:
            decision.provider = choice.provider
            decision.model = choice.model
            decision.charge.cost = choice.estimate
        default:
            break
        }
        return decision
    }

    /// - throws: ``BudgetError`` `.invalidRequest` for a negative estimate.
    static func validate(_ request: BudgetRequest) throws {
        guard request.estimate.isValid else {
            throw BudgetError(code: .invalidRequest, message: "a request's estimate must not be negative")
        }
    }

    /// The verdict that decides: the strictest, the first of equals.
    static func strictest(_ verdicts: [BudgetVerdict]) -> BudgetVerdict? {
        guard !verdicts.isEmpty else { return nil }
        var best = 0
        for index in 1..<verdicts.count where isStricter(verdicts[index], than: verdicts[best]) {
            best = index
        }
        return verdicts[best]
    }

    /// The reason of a verdict below every level (a constant, so a quiet decision builds no text).
    static var quietReason: String { "below every level of the ladder" }

    private static func isStricter(_ a: BudgetVerdict, than b: BudgetVerdict) -> Bool {
        if a.action.severity != b.action.severity { return a.action.severity > b.action.severity }
        let la = a.level?.rawValue ?? 0
        let lb = b.level?.rawValue ?? 0
        if la != lb { return la > lb }
        return isMoreUsed(a.usedAfter, of: a.limit.units, than: b.usedAfter, of: b.limit.units)
    }

    /// Whether `used / limit > otherUsed / otherLimit`, exactly: the cross products in 256 bits
    /// (limits are positive).
    @inline(__always)
    static func isMoreUsed(_ used: Int128, of limit: Int128, than otherUsed: Int128, of otherLimit: Int128) -> Bool {
        if limit == otherLimit { return used > otherUsed }
        let left = used.multipliedFullWidth(by: otherLimit)
        let right = otherUsed.multipliedFullWidth(by: limit)
        return left.high != right.high ? left.high > right.high : left.low > right.low
    }

    /// One budget's verdict.
    func verdict(_ request: BudgetRequest, state: BudgetState, at now: Date) throws -> BudgetVerdict {
        let budget = state.budget
        let (after, overflow) = state.usedUnits.addingReportingOverflow(budget.limit.measure(request.estimate))
        let used = overflow ? Int128.max : after
        let level = budget.profile.level(used: used, limit: budget.limit.units)
        let (action, reason) = rule(for: level, request: request, state: state, at: now)
        return BudgetVerdict(budget: budget.name, level: level, usedAfter: used, limit: budget.limit, action: action, reason: reason)
    }

    /// The action of `level`, falling through to the next rule where a level cannot act.
    private func rule(
        for level: LadderLevel?, request: BudgetRequest, state: BudgetState, at now: Date
    ) -> (BudgetAction, String) {
        guard let level else { return (.allow, Self.quietReason) }
        let budget = state.budget
        var notes: [String] = []
        func because(_ text: String) -> String { (notes + [text]).joined(separator: "; ") }
        var rule = level
        while true {
            switch rule {
            case .warning:
                return (.allowAndLog, because("warning level: allowed and logged"))
            case .notification:
                return (.allowAndAlert, because("notification level: allowed, alert sent"))
            case .throttling:
                let wait = state.throttleWait
                return wait == .zero
                    ? (.throttle(wait: .zero), because("throttling level: within the reduced rate"))
                    : (.throttle(wait: wait), because("throttling level: over the reduced rate, wait \(wait.seconds)s"))
            case .modelDowngrade:
                switch search(request, now: now, switching: false) {
                case .found(let choice):
                    return (.downgrade(to: choice), because("model-downgrade level: \(choice) costs \(choice.estimate) instead of \(request.estimate.cost)"))
                case .unavailable(let why):
                    notes.append("model-downgrade level: \(why), so the next rule applies")
                    rule = .providerSwitch
                }
            case .providerSwitch:
                switch search(request, now: now, switching: true) {
                case .found(let choice):
                    return (.switchProvider(to: choice), because("provider-switch level: \(choice) costs \(choice.estimate) instead of \(request.estimate.cost)"))
                case .unavailable(let why):
                    notes.append("provider-switch level: \(why), so the next rule applies")
                    rule = .requestQueue
                }
            case .requestQueue:
                if request.priority == .background {
                    return (.queue(retryAfter: budget.queueRetryAfter), because("request-queue level: background requests are deferred"))
                }
                return (.allowAndAlert, because("request-queue level: a \(request.priority.rawValue) request passes"))
            case .emergency:
                if request.priority == .critical {
                    return (.allowAndAlert, because("emergency level: a critical request passes"))
                }
                return (.reject(retryAt: retryAt(state)), because("emergency level: only critical requests pass"))
            case .hardStop:
                return (.reject(retryAt: retryAt(state)), because("hard-stop level: nothing passes"))
            }
        }
    }

    private func retryAt(_ state: BudgetState) -> Date? {
        state.budget.period.isRolling ? nil : state.window?.end
    }

    private func search(_ request: BudgetRequest, now: Date, switching: Bool) -> ModelAlternatives.Search {
        if confirming { return .unavailable("the request was already moved to \(request.provider)/\(request.model) by another budget") }
        guard let alternatives else { return .unavailable("no price catalog was given") }
        guard let usage = request.usage else { return .unavailable("the request gives no token counts to price elsewhere") }
        if switching {
            return alternatives.switchProvider(
                provider: request.provider, model: request.model, usage: usage, permitted: request.permittedProviders, at: now)
        }
        return alternatives.downgrade(provider: request.provider, model: request.model, usage: usage, at: now)
    }
}
