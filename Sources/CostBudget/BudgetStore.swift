public import CostPricing
public import Foundation

/// A reservation: what a request is expected to cost, counted against every budget that applied
/// until it is committed, released or expires.
public struct BudgetHold: Sendable, Hashable, Identifiable {
    public var id: UUID
    /// The budgets the hold counts against.
    public var budgets: [String]
    /// What the hold reserves.
    public var charge: BudgetCharge
    public var provider: String
    public var model: String
    public var createdAt: Date
    /// After this instant the hold no longer counts (a crashed caller does not leak budget).
    public var expiresAt: Date

    public init(
        id: UUID = BudgetHold.makeID(), budgets: [String], charge: BudgetCharge, provider: String, model: String,
        createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.budgets = budgets
        self.charge = charge
        self.provider = provider
        self.model = model
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

extension BudgetHold {
    /// A random (version 4) UUID from the system's generator (`UUID()` opens and reads
    /// `/dev/urandom` on every call on Linux). ``MemoryBudgetStore`` numbers its holds instead.
    public static func makeID() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000  // version 4
        let low = generator.next() & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000  // RFC 4122 variant
        return UUID(high: high, low: low)
    }
}

extension UUID {
    /// The UUID whose 16 bytes are `high` then `low`, big-endian.
    init(high: UInt64, low: UInt64) {
        func byte(_ word: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: word &>> shift) }
        self.init(uuid: (
            byte(high, 56), byte(high, 48), byte(high, 40), byte(high, 32),
            byte(high, 24), byte(high, 16), byte(high, 8), byte(high, 0),
            byte(low, 56), byte(low, 48), byte(low, 40), byte(low, 32),
            byte(low, 24), byte(low, 16), byte(low, 8), byte(low, 0)))
    }

    /// The first and the last 8 bytes, big-endian.
    var halves: (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: uuid) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}

/// The answer of ``BudgetStore/reserve(_:policy:ttl:)``: the decision, and a hold when it passed.
public struct BudgetReservation: Sendable, Hashable {
    public var decision: BudgetDecision
    /// Present exactly when the decision passes.
    public var hold: BudgetHold?

    public init(decision: BudgetDecision, hold: BudgetHold?) {
        self.decision = decision
        self.hold = hold
    }
}

/// What a commit recorded.
public struct BudgetCommit: Sendable, Hashable {
    public var hold: UUID
    /// The spend recorded: the actual charge, whatever the estimate was.
    public var actual: BudgetCharge
    /// `actual − estimate` in dollars (positive when the request cost more than reserved).
    public var overrun: Money
    /// Whether the hold had expired (or was released) before the commit; the spend is recorded anyway.
    public var holdWasExpired: Bool

    public init(hold: UUID, actual: BudgetCharge, overrun: Money, holdWasExpired: Bool) {
        self.hold = hold
        self.actual = actual
        self.overrun = overrun
        self.holdWasExpired = holdWasExpired
    }

    /// The commit of `hold` at `actual`, with the overrun worked out.
    ///
    /// - throws: ``BudgetError`` `.overflow`.
    public init(settling hold: BudgetHold, actual: BudgetCharge, holdWasExpired: Bool) throws {
        let (overrun, overflow) = actual.cost.units.subtractingReportingOverflow(hold.charge.cost.units)
        guard !overflow else { throw BudgetError(code: .overflow, message: "budget amount out of range: \(actual.cost)") }
        self.init(hold: hold.id, actual: actual, overrun: Money(units: overrun), holdWasExpired: holdWasExpired)
    }
}

/// The storage the budget layer needs: budget definitions, spend per period, holds.
///
/// Every operation that must be atomic is one call: ``reserve(_:policy:ttl:)`` reads the state of
/// every budget that counts the request, decides, and records the hold against all of them, or
/// nothing. Implementations: ``MemoryBudgetStore`` (one process) and `SQLiteBudgetStore` in CostSQLite
/// (several processes on one database file).
public protocol BudgetStore: Sendable {
    /// Adds a budget, or replaces the one with the same name (its spend in the period is kept).
    func setBudget(_ budget: Budget) async throws
    /// Removes a budget with its spend; `false` when there was none.
    func removeBudget(named name: String) async throws -> Bool
    /// Every budget, by name.
    func budgets() async throws -> [Budget]
    /// A budget with its spend and holds in the current period; `nil` when there is no such budget.
    func state(of name: String) async throws -> BudgetState?
    /// Decides `request` against every budget that counts it and, when the decision passes, records
    /// a hold for ``BudgetDecision/charge`` against all of them, atomically.
    func reserve(_ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration) async throws -> BudgetReservation
    /// Records the actual charge of a held request and settles the hold. An actual above the
    /// estimate is recorded as it is; a hold that expired is still recorded as spend.
    func commit(_ hold: BudgetHold, actual: BudgetCharge) async throws -> BudgetCommit
    /// Drops a hold without spend; `false` when it was already settled or expired.
    func release(_ hold: BudgetHold) async throws -> Bool
    /// Replaces a budget's spend in its current period with `spend` (computed from the usage
    /// ledger); holds are untouched. `false` when there is no such budget.
    ///
    /// - throws: ``BudgetError`` `.staleSpend` when the budget's period at the store's clock is not
    ///   the window `spend` was counted in.
    func replaceSpend(of name: String, with spend: BudgetSpend) async throws -> Bool
}

extension BudgetStore {
    /// ``reserve(_:policy:ttl:)`` with holds that expire after five minutes.
    public func reserve(_ request: BudgetRequest, policy: BudgetPolicy) async throws -> BudgetReservation {
        try await reserve(request, policy: policy, ttl: .seconds(300))
    }
}
