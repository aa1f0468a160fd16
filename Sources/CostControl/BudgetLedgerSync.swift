public import CostBudget
public import CostPricing
public import Foundation

/// Budget spend worked out from the usage ledger, so that a budget store can be checked against
/// the ledger and repaired from it (after a crash that lost the last commits of a store opened
/// with `.processCrash` durability, a wiped store, or budgets added after the usage happened).
///
/// A budget's spend in a window is the sum over the ledger's events in that window that its scope
/// counts, as ``BudgetLedgerTally`` adds them up (input includes cache reads and writes, output
/// includes reasoning): the charge the ``Meter`` commits for the same call.
///
/// For example:
/// ```swift
/// let sync = BudgetLedgerSync(ledger: ledger)
/// let spend = try await sync.spend(of: budget, at: Date())          // what the ledger says
/// let repaired = try await sync.rebuild(store, at: Date())          // replace each budget's spend with it
/// ```
public struct BudgetLedgerSync: Sendable {
    public let ledger: any UsageLedger
    /// Events read per page.
    public var pageSize: Int

    public init(ledger: any UsageLedger, pageSize: Int = 5_000) {
        self.ledger = ledger
        self.pageSize = pageSize
    }

    /// The budget's spend in its window at `instant`, from the ledger; `nil` when the budget does
    /// not apply then (a custom range that does not contain the instant).
    ///
    /// - throws: the ledger's errors; ``BudgetError`` `.overflow`.
    public func spend(of budget: Budget, at instant: Date) async throws -> BudgetSpend? {
        guard var tally = BudgetLedgerTally(budget: budget, at: instant) else { return nil }
        var cursor: EventCursor?
        repeat {
            let page = try await ledger.events(matching: tally.filter, after: cursor, limit: pageSize, detail: tally.detail)
            for event in page.events { try tally.add(event) }
            cursor = page.next
        } while cursor != nil
        return try tally.spend()
    }

    /// Replaces the spend of every budget in `store` (or of those named) with the ledger's figure at
    /// `instant`, one budget at a time; holds are untouched.
    ///
    /// `instant` should be the store's clock: a calendar budget whose period has changed between the
    /// two refuses the figure (``BudgetError`` `.staleSpend`).
    /// - returns: per budget, what the store counted before and what it counts now.
    public func rebuild(_ store: any BudgetStore, at instant: Date = Date(), only names: Set<String>? = nil) async throws
        -> [BudgetRebuild]
    {
        var results: [BudgetRebuild] = []
        for budget in try await store.budgets() where names?.contains(budget.name) ?? true {
            guard let spend = try await spend(of: budget, at: instant) else { continue }
            let before = try await store.state(of: budget.name)?.spent
            guard try await store.replaceSpend(of: budget.name, with: spend) else { continue }
            results.append(BudgetRebuild(budget: budget.name, window: spend.window, before: before ?? .zero, after: spend.total))
        }
        return results
    }
}

/// One budget's spend before and after a rebuild from the ledger.
public struct BudgetRebuild: Sendable, Hashable {
    public var budget: String
    public var window: PeriodWindow
    /// What the store counted.
    public var before: BudgetCharge
    /// What the ledger says, now in the store.
    public var after: BudgetCharge

    /// Whether the store already agreed with the ledger.
    public var wasConsistent: Bool { before == after }
}
