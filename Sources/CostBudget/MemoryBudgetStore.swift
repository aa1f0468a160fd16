import CostPricing
public import Foundation

/// A ``BudgetStore`` in memory, for one process: an actor, so every reservation is atomic.
///
/// The clock is injected, so tests can move time (period boundaries, hold expiry, throttle refill).
///
/// For example:
/// ```swift
/// let store = MemoryBudgetStore()
/// try await store.setBudget(budget)
/// let reservation = try await store.reserve(request, policy: BudgetPolicy())
/// if let hold = reservation.hold { _ = try await store.commit(hold, actual: actual) }
/// ```
public actor MemoryBudgetStore: BudgetStore {
    private let now: @Sendable () -> Date
    private var definitions: [String: Budget] = [:]
    /// Budgets sorted by name, so decisions list them in a stable order.
    private var ordered: [Budget] = []
    private var accounts: [String: Account] = [:]
    private var holds: [UUID: BudgetHold] = [:]
    /// The earliest `expiresAt` among ``holds`` (a lower bound), so that most calls skip the sweep.
    private var nextExpiry: Date = .distantFuture

    /// One budget's counters.
    private struct Account {
        var window: PeriodWindow?
        var spent = BudgetCharge.zero
        var held = BudgetCharge.zero
        /// Committed charges of a rolling window, oldest first (from `head` on).
        var entries: [(at: Date, charge: BudgetCharge)] = []
        var head = 0
        var bucket: TokenBucket?
    }

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    // MARK: - Budgets

    public func setBudget(_ budget: Budget) {
        if let old = definitions[budget.name], old.period != budget.period {
            accounts[budget.name]?.window = nil
            accounts[budget.name]?.spent = .zero
            accounts[budget.name]?.entries = []
            accounts[budget.name]?.head = 0
        }
        definitions[budget.name] = budget
        if accounts[budget.name] == nil { accounts[budget.name] = Account() }
        ordered = definitions.values.sorted { $0.name < $1.name }
    }

    public func removeBudget(named name: String) -> Bool {
        guard definitions.removeValue(forKey: name) != nil else { return false }
        accounts[name] = nil
        // open holds stop counting against it, so a budget added later under the name starts clean
        for (id, hold) in holds where hold.budgets.contains(name) {
            holds[id]?.budgets.removeAll { $0 == name }
        }
        ordered = definitions.values.sorted { $0.name < $1.name }
        return true
    }

    public func budgets() -> [Budget] { ordered }

    public func state(of name: String) throws -> BudgetState? {
        let at = now()
        try expireHolds(at: at)
        guard let budget = definitions[name] else { return nil }
        return try currentState(budget, at: at)
    }

    // MARK: - Reservations

    public func reserve(_ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration) throws -> BudgetReservation {
        let at = now()
        try expireHolds(at: at)
        var states: [BudgetState] = []
        for budget in ordered where request.isCounted(by: budget) {
            states.append(try currentState(budget, at: at))
        }
        let decision = try policy.decide(request, states: states, at: at)
        guard decision.passes else { return BudgetReservation(decision: decision, hold: nil) }
        for name in decision.throttledBudgets {
            accounts[name]?.bucket?.take(at: at)
        }
        let names = decision.verdicts.map(\.budget)
        let expiresAt = at.addingTimeInterval(ttl.seconds)
        let hold = BudgetHold(
            budgets: names, charge: decision.charge, provider: decision.provider, model: decision.model,
            createdAt: at, expiresAt: expiresAt)
        // check every sum first, then write: all budgets or none
        var updated: [(String, BudgetCharge)] = []
        for name in names {
            guard let account = accounts[name] else { continue }
            updated.append((name, try account.held.adding(hold.charge)))
        }
        for (name, held) in updated { accounts[name]?.held = held }
        holds[hold.id] = hold
        nextExpiry = min(nextExpiry, expiresAt)
        return BudgetReservation(decision: decision, hold: hold)
    }

    public func commit(_ hold: BudgetHold, actual: BudgetCharge) throws -> BudgetCommit {
        guard actual.isValid else {
            throw BudgetError(code: .invalidRequest, message: "an actual charge must not be negative")
        }
        let at = now()
        try expireHolds(at: at)
        let record = holds[hold.id]
        let open = record != nil
        // the spend happened: record it against the hold's budgets whether or not the hold is open;
        // the held amount comes off only the budgets the open hold still counts against
        let holding = Set(record?.budgets ?? [])
        // compute every new total first, then write: all budgets or none (accounts are mutated in
        // place, so a rolling window's list of charges is never copied)
        var updated: [(name: String, spent: BudgetCharge, held: BudgetCharge, counts: Bool, rolling: Bool)] = []
        for name in hold.budgets {
            guard let budget = definitions[name], accounts[name] != nil else { continue }
            try roll(&accounts[name, default: Account()], budget: budget, at: at)
            guard let account = accounts[name] else { continue }
            let held = holding.contains(name) ? try account.held.subtracting(hold.charge) : account.held
            let counts = account.window != nil
            let spent = counts ? try account.spent.adding(actual) : account.spent
            updated.append((name, spent, held, counts, budget.period.isRolling))
        }
        for entry in updated {
            accounts[entry.name, default: Account()].spent = entry.spent
            accounts[entry.name, default: Account()].held = entry.held
            if entry.counts && entry.rolling { accounts[entry.name, default: Account()].entries.append((at, actual)) }
        }
        holds[hold.id] = nil
        return try BudgetCommit(settling: hold, actual: actual, holdWasExpired: !open)
    }

    public func release(_ hold: BudgetHold) throws -> Bool {
        try expireHolds(at: now())
        guard let open = holds.removeValue(forKey: hold.id) else { return false }
        try unhold(open)
        return true
    }

    public func replaceSpend(of name: String, with spend: BudgetSpend) throws -> Bool {
        guard let budget = definitions[name] else { return false }
        let resolved = try spend.resolved(for: budget, at: now())
        accounts[name, default: Account()].window = resolved.window
        accounts[name, default: Account()].spent = resolved.spent
        accounts[name, default: Account()].entries = resolved.entries.map { ($0.at, $0.charge) }
        accounts[name, default: Account()].head = 0
        return true
    }

    /// Open holds (for status displays and tests).
    public var openHolds: [BudgetHold] { holds.values.sorted { $0.createdAt < $1.createdAt } }

    // MARK: - Internals

    private func unhold(_ hold: BudgetHold) throws {
        for name in hold.budgets {
            guard let held = accounts[name]?.held else { continue }
            accounts[name]?.held = try held.subtracting(hold.charge)
        }
    }

    private func expireHolds(at instant: Date) throws {
        guard nextExpiry <= instant else { return }
        var earliest = Date.distantFuture
        for hold in holds.values {
            if hold.expiresAt <= instant {
                holds[hold.id] = nil
                try unhold(hold)
            } else {
                earliest = min(earliest, hold.expiresAt)
            }
        }
        nextExpiry = earliest
    }

    /// The budget's state at `instant`, after moving its account to the current period.
    private func currentState(_ budget: Budget, at instant: Date) throws -> BudgetState {
        try roll(&accounts[budget.name, default: Account()], budget: budget, at: instant)
        var wait = Duration.zero
        if budget.profile.threshold(of: .throttling) != nil {
            if accounts[budget.name]?.bucket?.rate != budget.throttle {
                accounts[budget.name]?.bucket = TokenBucket(rate: budget.throttle, at: instant)
            }
            wait = accounts[budget.name]?.bucket?.wait(at: instant) ?? .zero
        }
        let account = accounts[budget.name] ?? Account()
        return BudgetState(budget: budget, window: account.window, spent: account.spent, held: account.held, throttleWait: wait)
    }

    /// Resets a calendar or custom account when the period changed; ages out a rolling one.
    private func roll(_ account: inout Account, budget: Budget, at instant: Date) throws {
        // periods tile time: while the instant is inside the current calendar or custom period,
        // nothing changes (and the calendar arithmetic is skipped)
        if !budget.period.isRolling, let current = account.window, current.contains(instant) { return }
        let window = budget.period.window(containing: instant)
        if case .rolling = budget.period, let window {
            account.window = window
            while account.head < account.entries.count, account.entries[account.head].at <= window.start {
                account.spent = try account.spent.subtracting(account.entries[account.head].charge)
                account.head += 1
            }
            if account.head > 1024 && account.head * 2 > account.entries.count {
                account.entries.removeFirst(account.head)
                account.head = 0
            }
            return
        }
        if window != account.window {
            account.window = window
            account.spent = .zero
        }
    }
}
