import CostPricing
public import Foundation
internal import Synchronization

/// A ``BudgetStore`` in memory, for one process: every operation is one step under a lock, so a
/// reservation is atomic across all the budgets it touches.
///
/// Besides the `async` requirements of ``BudgetStore`` it offers synchronous calls for a hot path
/// on any thread (``reserveNow(_:policy:ttl:)``, ``commitNow(_:actual:)``, ``releaseNow(_:)``):
/// they do not suspend, and the `async` ones forward to them. The lock is held only for the
/// arithmetic of a decision; the decision and the hold are built outside it. When every applicable
/// budget stays below every level of its ladder (the common case), the decision needs no rule text
/// and the ladder's policy is not consulted; otherwise ``BudgetPolicy/decide(_:states:at:)``
/// decides under the lock.
///
/// The clock is injected, so tests can move time (period boundaries, hold expiry, throttle refill).
///
/// For example:
/// ```swift
/// let store = MemoryBudgetStore()
/// try await store.setBudget(budget)
/// let reservation = try store.reserveNow(request, policy: BudgetPolicy())
/// if let hold = reservation.hold { _ = try store.commitNow(hold, actual: actual) }
/// ```
public final class MemoryBudgetStore: BudgetStore {
    private let now: @Sendable () -> Date
    private let accounts: Mutex<BudgetAccounts>

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
        self.accounts = Mutex(BudgetAccounts())
    }

    // MARK: - Budgets

    /// Adds a budget, or replaces the one with the same name (its spend is kept unless its period changes).
    public func setBudget(_ budget: Budget) async {
        accounts.withLock { $0.setBudget(budget) }
    }

    public func removeBudget(named name: String) async -> Bool {
        accounts.withLock { $0.removeBudget(named: name) }
    }

    public func budgets() async -> [Budget] {
        accounts.withLock { $0.budgets }
    }

    public func state(of name: String) async throws -> BudgetState? {
        let at = now()
        return try accounts.withLock { try $0.state(of: name, at: at) }
    }

    /// Open holds, oldest first (for status displays and tests).
    public var openHolds: [BudgetHold] {
        get async { accounts.withLock { $0.openHolds } }
    }

    // MARK: - Reservations

    public func reserve(_ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration) async throws -> BudgetReservation {
        try reserveNow(request, policy: policy, ttl: ttl)
    }

    public func commit(_ hold: BudgetHold, actual: BudgetCharge) async throws -> BudgetCommit {
        try commitNow(hold, actual: actual)
    }

    public func release(_ hold: BudgetHold) async throws -> Bool {
        try releaseNow(hold)
    }

    /// ``BudgetStore/reserve(_:policy:ttl:)`` without suspending: decides `request` against every
    /// budget that counts it and, when the decision passes, records a hold for its charge against
    /// all of them, atomically.
    ///
    /// - throws: ``BudgetError`` `.invalidRequest` for a negative estimate, `.overflow`.
    public func reserveNow(
        _ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration = .seconds(300)
    ) throws -> BudgetReservation {
        try BudgetPolicy.validate(request)
        let at = now()
        let expiresAt = at.addingTimeInterval(ttl.seconds)
        var verdicts: [BudgetVerdict] = []
        verdicts.reserveCapacity(4)  // allocated here, outside the lock
        let admission = try accounts.withLock {
            try $0.reserve(request, policy: policy, at: at, expiresAt: expiresAt, verdicts: &verdicts)
        }
        switch admission {
        case .quiet(let id):
            let decision = BudgetDecision(
                verdicts: verdicts, deciding: BudgetPolicy.strictest(verdicts), provider: request.provider,
                model: request.model, charge: request.estimate)
            let hold = BudgetHold(
                id: id, budgets: verdicts.map(\.budget), charge: request.estimate, provider: request.provider,
                model: request.model, createdAt: at, expiresAt: expiresAt)
            return BudgetReservation(decision: decision, hold: hold)
        case .decided(let decision, let id):
            guard let id else { return BudgetReservation(decision: decision, hold: nil) }
            let hold = BudgetHold(
                id: id, budgets: decision.verdicts.map(\.budget), charge: decision.charge, provider: decision.provider,
                model: decision.model, createdAt: at, expiresAt: expiresAt)
            return BudgetReservation(decision: decision, hold: hold)
        }
    }

    /// ``BudgetStore/commit(_:actual:)`` without suspending: records the actual charge against the
    /// hold's budgets and settles the hold. An actual above the estimate is recorded as it is; a
    /// hold that expired is still recorded as spend.
    ///
    /// - throws: ``BudgetError`` `.invalidRequest` for a negative actual, `.overflow`.
    public func commitNow(_ hold: BudgetHold, actual: BudgetCharge) throws -> BudgetCommit {
        guard actual.isValid else {
            throw BudgetError(code: .invalidRequest, message: "an actual charge must not be negative")
        }
        let (overrun, overflow) = actual.cost.units.subtractingReportingOverflow(hold.charge.cost.units)
        guard !overflow else { throw BudgetError(code: .overflow, message: "budget amount out of range: \(actual.cost)") }
        let at = now()
        let open = try accounts.withLock { try $0.commit(hold, actual: actual, at: at) }
        return BudgetCommit(hold: hold.id, actual: actual, overrun: Money(units: overrun), holdWasExpired: !open)
    }

    /// ``BudgetStore/release(_:)`` without suspending: drops a hold without spend; `false` when it
    /// was already settled or expired.
    public func releaseNow(_ hold: BudgetHold) throws -> Bool {
        let at = now()
        return try accounts.withLock { try $0.release(hold, at: at) }
    }
}
