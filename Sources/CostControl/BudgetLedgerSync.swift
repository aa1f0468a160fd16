public import CostBudget
public import CostPricing
public import Foundation

/// Budget spend worked out from the usage ledger, so that a budget store can be checked against
/// the ledger and repaired from it (after a crash that lost the last commits of a store opened
/// with `.processCrash` durability, a wiped store, or budgets added after the usage happened).
///
/// A budget's spend in a window is the sum over the ledger's events in that window that its scope
/// counts (subject, and the optional provider and model, compared case-insensitively as
/// ``BudgetScope/matches(_:provider:model:)`` does): cost is the event's stored total (unpriced
/// events cost nothing), tokens are input + output (input includes cache reads and writes, output
/// includes reasoning), and each event is one request — the charge the ``Meter`` commits for the
/// same call. A calendar or custom window is `[start, end)`; a rolling window is the events after
/// its start up to and including the instant.
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
        guard let window = budget.period.window(containing: instant) else { return nil }
        let rolling = budget.period.isRolling
        let end = rolling ? instant : window.end
        var filter = UsageFilter(since: window.start, until: end.addingTimeInterval(0.001))
        var detail = EventDetail.usage
        switch budget.scope.subject {
        case .global: break
        case .org(let v): filter.equals[.org] = [v]
        case .team(let v): filter.equals[.team] = [v]
        case .user(let v): filter.equals[.user] = [v]
        case .project(let v): filter.equals[.project] = [v]
        case .key(let v): filter.equals[.keyID] = [v]
        case .tag(let k, let v):
            filter.equals[.tag(k)] = [v]
            detail = .full  // matching reads the tags
        }
        var entries: [BudgetSpend.Entry] = []
        var total = BudgetCharge.zero
        var cursor: EventCursor?
        repeat {
            let page = try await ledger.events(matching: filter, after: cursor, limit: pageSize, detail: detail)
            for event in page.events {
                // the ledger's range is in whole milliseconds; the window's own bounds decide
                let inside = rolling
                    ? event.timestamp > window.start && event.timestamp <= instant
                    : window.contains(event.timestamp)
                guard inside, budget.scope.matches(event.dimensions, provider: event.provider, model: event.model) else { continue }
                let cost = event.cost.map { $0.isPriced ? $0.total : .zero } ?? .zero
                let charge = BudgetCharge(cost: cost, usage: event.usage)
                total = try total.adding(charge)
                if rolling { entries.append(BudgetSpend.Entry(at: event.timestamp, charge: charge)) }
            }
            cursor = page.next
        } while cursor != nil
        return rolling ? try BudgetSpend(window: window, entries: entries) : BudgetSpend(window: window, total: total)
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
