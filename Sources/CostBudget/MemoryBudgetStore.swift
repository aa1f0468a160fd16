import CostPricing
public import Foundation
import Synchronization

/// A ``BudgetStore`` in memory, for one process: every operation is one step under a lock, so a
/// reservation is atomic across all the budgets it touches.
///
/// Besides the `async` requirements of ``BudgetStore`` it offers synchronous calls for a hot path
/// on any thread (``reserveNow(_:policy:ttl:)``, ``commitNow(_:actual:)``, ``releaseNow(_:)``):
/// they do not suspend, and the `async` ones forward to them. The lock covers matching, the
/// arithmetic and the bookkeeping; the answer's arrays are allocated before it and the decision and
/// the hold are assembled after it. When every applicable
/// budget stays below every level of its ladder (the common case), the decision needs no rule text
/// and the ladder's policy is not consulted; otherwise ``BudgetPolicy/decide(_:states:at:)``
/// decides under the lock.
///
/// Once callers contend for the lock, the store *stripes*: each thread reserves against an
/// allotment of the budgets' quiet headroom held by one of ``stripeCount`` stripes, under that
/// stripe's lock only, and comes to the shared lock when the allotment does not cover the request
/// (``StripeState`` explains why every decision stays what it would be without stripes).
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
// @unchecked Sendable: `accounts`, `grantedStripes`, `foldedExpiry` and `contentions` are only read
// or written between `lock.lock()` and `lock.unlock()`; each stripe's state only under its own
// lock (taken after `lock` when both are needed); `now` is a `@Sendable` closure.
public final class MemoryBudgetStore: BudgetStore, @unchecked Sendable {
    /// When the store splits quiet headroom into stripes.
    enum Striping: Sendable {
        /// Once callers contend for the lock (``MemoryBudgetStore/contentionsBeforeStriping`` times).
        case adaptive
        case always
        case never
    }

    private let now: @Sendable () -> Date
    /// A spin-then-yield lock rather than `Mutex`: on Linux `Mutex` is a priority-inheritance futex
    /// that hands the lock over through the kernel, and with more threads than cores (8 on 2) the
    /// callers convoy behind it: 26,000 pairs/s instead of 700,000 (Documentation/Performance.md).
    private let lock = SpinLock()
    // Guarded by `lock`: the runtime's dynamic exclusivity checks would only repeat that guarantee.
    @exclusivity(unchecked) private var accounts: BudgetAccounts
    /// The stripes that hold an allotment (bit `n`: stripe `n`).
    @exclusivity(unchecked) private var grantedStripes: UInt64 = 0
    /// The earliest expiry among the stripes' folded holds (a lower bound).
    @exclusivity(unchecked) private var foldedExpiry = Date.distantFuture
    @exclusivity(unchecked) private var contentions = 0
    /// Set once: reservations try the caller's stripe first.
    private let isStriped: Atomic<Bool>
    private let striping: Striping
    private let stripes: [BudgetStripe]
    /// The store's prefix of hold ids (a copy of the accounts', read without the lock).
    private let idPrefix: UInt64

    /// How often callers must find the lock taken before the store stripes (see ``Striping``).
    static let contentionsBeforeStriping = 256
    /// Threads are spread over this many stripes (a power of two, at most `HoldID.maxTable`).
    static let stripeCount = 8

    public convenience init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(now: now, striping: .adaptive)
    }

    init(now: @escaping @Sendable () -> Date, striping: Striping) {
        self.now = now
        self.striping = striping
        isStriped = Atomic(striping == .always)
        idPrefix = BudgetAccounts.HoldID.makePrefix()
        accounts = BudgetAccounts(idPrefix: idPrefix)
        stripes = (0..<Self.stripeCount).map { BudgetStripe(table: $0 + 1) }
    }

    /// Runs `body` on the accounts, holding the lock; counts how often the lock was taken, and
    /// turns striping on when callers contend.
    @inline(__always)
    private func withLock<T>(_ body: (inout BudgetAccounts) throws -> T) rethrows -> T {
        try locked { try body(&accounts) }
    }

    /// Runs `body` holding the lock (it reads and writes ``accounts`` itself).
    @inline(__always)
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        if !lock.tryLock() { contended() }
        defer { lock.unlock() }
        return try body()
    }

    @inline(never)
    private func contended() {
        lock.lock()
        guard striping == .adaptive else { return }
        contentions += 1
        if contentions == Self.contentionsBeforeStriping { isStriped.store(true, ordering: .releasing) }
    }

    /// The stripe of the calling thread (threads keep theirs).
    @inline(__always)
    private func callerStripe() -> BudgetStripe {
        #if canImport(Darwin)
        let thread = UInt(bitPattern: pthread_self())
        #else
        let thread = UInt(pthread_self())
        #endif
        let index = Int(truncatingIfNeeded: (UInt64(thread) &* 0x9E37_79B9_7F4A_7C15) >> 61)
        return stripes[index & (Self.stripeCount - 1)]
    }

    /// Folds every stripe with an allotment, under the lock: the shared counters are then exact.
    private func foldAll(at instant: Date) throws {
        var mask = grantedStripes
        while mask != 0 {
            let index = mask.trailingZeroBitCount
            mask &= mask - 1
            try fold(stripes[index], at: instant)
        }
    }

    /// Folds one stripe, under the lock.
    private func fold(_ stripe: BudgetStripe, at instant: Date) throws {
        stripe.lock.lock()
        defer { stripe.lock.unlock() }
        try foldLocked(stripe, at: instant)
    }

    /// Folds one stripe, under the lock and the stripe's lock.
    private func foldLocked(_ stripe: BudgetStripe, at instant: Date) throws {
        let expiry = try accounts.fold(&stripe.state, at: instant)
        grantedStripes &= ~(1 << UInt64(stripe.state.table - 1))
        foldedExpiry = min(foldedExpiry, expiry)
    }

    /// The stripe a hold of this store was taken on, with its decoded id; `nil` for a hold of the
    /// shared table (or before the store stripes, when no hold is on a stripe).
    @inline(__always)
    private func stripe(of hold: BudgetHold) -> (BudgetStripe, BudgetAccounts.HoldID)? {
        guard isStriped.load(ordering: .relaxed), let id = BudgetAccounts.HoldID(hold.id, prefix: idPrefix), id.table > 0,
            id.table <= stripes.count
        else { return nil }
        return (stripes[id.table - 1], id)
    }

    /// Drops the folded holds whose TTL has passed, under the lock.
    private func expireFolded(at instant: Date) throws {
        guard foldedExpiry <= instant else { return }
        var earliest = Date.distantFuture
        for stripe in stripes {
            stripe.lock.lock()
            defer { stripe.lock.unlock() }
            earliest = min(earliest, try accounts.expireFolded(in: &stripe.state, at: instant))
        }
        foldedExpiry = earliest
    }

    /// Makes the shared counters exact (every stripe folded, expired holds dropped), under the lock.
    private func settleStripes(at instant: Date) throws {
        try foldAll(at: instant)
        try expireFolded(at: instant)
    }

    // MARK: - Budgets

    /// Adds a budget, or replaces the one with the same name (its spend is kept unless its period changes).
    public func setBudget(_ budget: Budget) async {
        let at = now()
        locked {
            // folding only fails on an overflow of the shared sums; the stripes then keep their allotment
            try? settleStripes(at: at)
            accounts.setBudget(budget)
        }
    }

    public func removeBudget(named name: String) async -> Bool {
        let at = now()
        return locked {
            try? settleStripes(at: at)
            return accounts.removeBudget(named: name)
        }
    }

    public func budgets() async -> [Budget] {
        withLock { $0.budgets }
    }

    public func state(of name: String) async throws -> BudgetState? {
        let at = now()
        return try locked {
            try settleStripes(at: at)
            return try accounts.state(of: name, at: at)
        }
    }

    public func replaceSpend(of name: String, with spend: BudgetSpend) async throws -> Bool {
        let at = now()
        return try locked {
            try settleStripes(at: at)
            return try accounts.replaceSpend(of: name, with: spend, at: at)
        }
    }

    /// Open holds, oldest first (for status displays and tests).
    public var openHolds: [BudgetHold] {
        get async {
            locked {
                var all = accounts.openHolds
                for stripe in stripes {
                    stripe.lock.lock()
                    all += accounts.openHolds(of: stripe.state)
                    stripe.lock.unlock()
                }
                return all.sorted { $0.createdAt < $1.createdAt }
            }
        }
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
        try reserveNow(request, policy: policy, ttl: ttl, stripe: nil)
    }

    /// ``reserveNow(_:policy:ttl:)`` on stripe `stripe` rather than the caller's (tests).
    @inline(__always)
    func reserveNow(
        _ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration, stripe index: Int?
    ) throws -> BudgetReservation {
        try BudgetPolicy.validate(request)
        let at = now()
        // the arrays of the answer are allocated here, outside the lock
        var verdicts: [BudgetVerdict] = []
        verdicts.reserveCapacity(4)
        var names: [String] = []
        names.reserveCapacity(4)
        let admission: BudgetAccounts.Admission
        var expiresAt = at
        if isStriped.load(ordering: .relaxed) {
            expiresAt = at.addingTimeInterval(ttl.seconds)
            let stripe = index.map { stripes[$0] } ?? callerStripe()
            stripe.lock.lock()
            let quiet = stripe.state.reserve(request, at: at, expiresAt: expiresAt, verdicts: &verdicts, names: &names)
            stripe.lock.unlock()
            if let quiet {
                admission = .quiet(quiet.id, deciding: quiet.deciding)
            } else {
                admission = try reserveShared(request, policy: policy, ttl: ttl, at: at, stripe: stripe,
                    expiresAt: &expiresAt, verdicts: &verdicts, names: &names)
            }
        } else {
            admission = try locked {
                // stripes hold allotments only once the store stripes: then a caller that had not
                // seen it yet makes the shared counters exact first
                if grantedStripes != 0 || foldedExpiry <= at { try settleStripes(at: at) }
                return try accounts.reserve(
                    request, policy: policy, at: at, ttl: ttl, expiresAt: &expiresAt, verdicts: &verdicts, names: &names)
            }
        }
        switch admission {
        case .quiet(let id, let deciding):
            let decision = BudgetDecision(
                verdicts: verdicts, deciding: deciding.map { verdicts[$0] }, provider: request.provider,
                model: request.model, charge: request.estimate)
            let hold = BudgetHold(
                id: id.uuid(prefix: idPrefix), budgets: names, charge: request.estimate, provider: request.provider,
                model: request.model, createdAt: at, expiresAt: expiresAt)
            return BudgetReservation(decision: decision, hold: hold)
        case .decided(let decision, let id):
            guard let id else { return BudgetReservation(decision: decision, hold: nil) }
            for verdict in decision.verdicts { names.append(verdict.budget) }
            let hold = BudgetHold(
                id: id.uuid(prefix: idPrefix), budgets: names, charge: decision.charge, provider: decision.provider,
                model: decision.model, createdAt: at, expiresAt: expiresAt)
            return BudgetReservation(decision: decision, hold: hold)
        }
    }

    /// A reservation the caller's stripe could not take alone: under the lock, the stripe is
    /// folded and, when the request is quiet, granted a new allotment that holds it; otherwise
    /// every stripe is folded and the shared accounts decide, exactly as without stripes.
    private func reserveShared(
        _ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration, at: Date, stripe: BudgetStripe,
        expiresAt: inout Date, verdicts: inout [BudgetVerdict], names: inout [String]
    ) throws -> BudgetAccounts.Admission {
        try locked {
            try expireFolded(at: at)
            stripe.lock.lock()
            let granted: (id: BudgetAccounts.HoldID, deciding: Int?)?
            do {
                defer { stripe.lock.unlock() }
                try foldLocked(stripe, at: at)
                if try accounts.grant(request, to: &stripe.state, at: at) {
                    grantedStripes |= 1 << UInt64(stripe.state.table - 1)
                    granted = stripe.state.reserve(
                        request, at: at, expiresAt: expiresAt, verdicts: &verdicts, names: &names)
                } else {
                    granted = nil
                }
            }
            if let granted { return .quiet(granted.id, deciding: granted.deciding) }
            try foldAll(at: at)
            return try accounts.reserve(
                request, policy: policy, at: at, ttl: ttl, expiresAt: &expiresAt, verdicts: &verdicts, names: &names)
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
        let open: Bool
        // a hold is on a stripe only once the store stripes
        if let (stripe, id) = stripe(of: hold) {
            stripe.lock.lock()
            let settled = stripe.state.commit(id, hold: hold, actual: actual, at: at)
            stripe.lock.unlock()
            open = try settled || commitShared(hold, id: id, stripe: stripe, actual: actual, at: at)
        } else {
            open = try locked {
                try expireFolded(at: at)
                let open = try accounts.commit(hold, actual: actual, at: at)
                if grantedStripes != 0 && accounts.isGrantedPastQuiet { try foldAll(at: at) }
                return open
            }
        }
        return BudgetCommit(hold: hold.id, actual: actual, overrun: Money(units: overrun), holdWasExpired: !open)
    }

    /// Commits a stripe's hold under the lock, after folding the stripe.
    private func commitShared(
        _ hold: BudgetHold, id: BudgetAccounts.HoldID, stripe: BudgetStripe, actual: BudgetCharge, at: Date
    ) throws -> Bool {
        try locked {
            try accounts.expireHolds(at: at)
            try expireFolded(at: at)
            try fold(stripe, at: at)
            let open = try settleFolded(hold, id: id, stripe: stripe, actual: actual, at: at)
            if grantedStripes != 0 && accounts.isGrantedPastQuiet { try foldAll(at: at) }
            return open
        }
    }

    /// Settles a folded hold of `stripe` (or records the spend of one no longer open), under the lock.
    private func settleFolded(
        _ hold: BudgetHold, id: BudgetAccounts.HoldID, stripe: BudgetStripe, actual: BudgetCharge, at: Date
    ) throws -> Bool {
        stripe.lock.lock()
        defer { stripe.lock.unlock() }
        let slot = stripe.state.find(id)
        try accounts.settle(hold, actual: actual, at: at, open: slot.map { stripe.state.holds[$0].keys })
        if let slot { stripe.state.free(slot) }
        return slot != nil
    }

    /// ``BudgetStore/release(_:)`` without suspending: drops a hold without spend; `false` when it
    /// was already settled or expired.
    public func releaseNow(_ hold: BudgetHold) throws -> Bool {
        let at = now()
        if let (stripe, id) = stripe(of: hold) {
            stripe.lock.lock()
            let released = stripe.state.release(id, at: at)
            stripe.lock.unlock()
            if let released { return released }
            return try locked {
                try expireFolded(at: at)
                stripe.lock.lock()
                defer { stripe.lock.unlock() }
                guard let slot = stripe.state.find(id) else { return false }
                try accounts.unhold(stripe.state.holds[slot])
                stripe.state.free(slot)
                return true
            }
        }
        return try withLock { try $0.release(hold, at: at) }
    }
}

/// A ``StripeState`` behind its own lock, in an object of its own. The lock pads itself off other
/// cache lines; the state is padded off the object's header and the next object (the stripes are
/// allocated one after the other, and another thread's retain writes its stripe's header).
// @unchecked Sendable: `state` is only read or written between `lock.lock()` and `lock.unlock()`.
final class BudgetStripe: @unchecked Sendable {
    let lock = SpinLock()
    private let padBefore: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    @exclusivity(unchecked) var state: StripeState
    private let padAfter: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    init(table: Int) {
        state = StripeState(table: table)
    }
}
