public import CostPricing
public import Foundation

/// A budget's spend added up from usage events, one event at a time: the arithmetic of rebuilding
/// a budget from the usage ledger, without the reading.
///
/// `BudgetLedgerSync` (CostControl) feeds it pages from any ``UsageLedger``; `SQLiteBudgetStore`
/// (CostSQLite) feeds it the ledger's rows in its own file when it rebuilds the live state it keeps
/// in a memory-backed file. Both read the events ``filter`` selects, at ``detail``.
///
/// What counts: the events in the budget's window at the instant that its scope counts (subject,
/// and the optional provider and model, compared as ``BudgetScope/matches(_:provider:model:)``
/// does); cost is the event's stored total (unpriced events cost nothing), tokens are input +
/// output, and each event is one request, the charge the Meter commits for the same call. A
/// calendar or custom window is `[start, end)`; a rolling window is the events after its start up
/// to and including the instant.
///
/// For example:
/// ```swift
/// guard var tally = BudgetLedgerTally(budget: budget, at: Date()) else { return }  // no window now
/// for event in events { try tally.add(event) }      // events matching tally.filter
/// let spend = try tally.spend()
/// ```
public struct BudgetLedgerTally: Sendable {
    public let budget: Budget
    public let instant: Date
    /// The budget's window at ``instant``.
    public let window: PeriodWindow
    /// The ledger's events to read: the window (in the ledger's whole milliseconds, a little wider
    /// than the window; ``add(_:)`` applies the exact bounds) and the scope's subject.
    public let filter: UsageFilter
    /// How much of each event ``add(_:)`` needs: the tags for a tag scope, else the usage.
    public let detail: EventDetail
    private var total = BudgetCharge.zero
    private var entries: [BudgetSpend.Entry] = []

    /// `nil` when the budget does not apply at `instant` (a custom range that does not contain it).
    public init?(budget: Budget, at instant: Date) {
        guard let window = budget.period.window(containing: instant) else { return nil }
        self.budget = budget
        self.instant = instant
        self.window = window
        let end = budget.period.isRolling ? instant : window.end
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
        self.filter = filter
        self.detail = detail
    }

    /// Counts `event` if it falls inside the window and the scope counts it.
    ///
    /// - throws: ``BudgetError`` `.overflow`.
    public mutating func add(_ event: UsageEvent) throws {
        let inside = budget.period.isRolling
            ? event.timestamp > window.start && event.timestamp <= instant
            : window.contains(event.timestamp)
        guard inside, budget.scope.matches(event.dimensions, provider: event.provider, model: event.model) else { return }
        let cost = event.cost.map { $0.isPriced ? $0.total : .zero } ?? .zero
        let charge = BudgetCharge(cost: cost, usage: event.usage)
        total = try total.adding(charge)
        if budget.period.isRolling { entries.append(BudgetSpend.Entry(at: event.timestamp, charge: charge)) }
    }

    /// The spend of the events added so far.
    ///
    /// - throws: ``BudgetError`` `.overflow`.
    public func spend() throws -> BudgetSpend {
        budget.period.isRolling ? try BudgetSpend(window: window, entries: entries) : BudgetSpend(window: window, total: total)
    }
}
