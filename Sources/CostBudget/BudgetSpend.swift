public import Foundation

/// A budget's spend in one window, computed outside the store (from the usage ledger by
/// `BudgetLedgerSync` in CostControl) to replace what the store counted:
/// ``BudgetStore/replaceSpend(of:with:)``.
///
/// A calendar or custom budget needs only the total of its window; a rolling budget needs every
/// charge with its instant, so that each ages out of the window on time.
///
/// For example:
/// ```swift
/// let spend = BudgetSpend(window: window, total: BudgetCharge(cost: try Money(dollars: 12), tokens: 40_000, requests: 9))
/// _ = try await store.replaceSpend(of: "growth-monthly", with: spend)
/// ```
public struct BudgetSpend: Sendable, Hashable {
    /// The window the spend was counted in (a rolling window ends at the instant it was computed).
    public var window: PeriodWindow
    /// Everything spent in the window.
    public var total: BudgetCharge
    /// The charges one by one with their instants, oldest first (rolling budgets; empty otherwise).
    public var entries: [Entry]

    /// One charge at one instant.
    public struct Entry: Sendable, Hashable {
        public var at: Date
        public var charge: BudgetCharge

        public init(at: Date, charge: BudgetCharge) {
            self.at = at
            self.charge = charge
        }
    }

    /// The spend of a calendar or custom window.
    public init(window: PeriodWindow, total: BudgetCharge) {
        self.window = window
        self.total = total
        self.entries = []
    }

    /// Spend charge by charge (what a rolling window needs); the total is their sum.
    ///
    /// - throws: ``BudgetError`` `.overflow`, `.invalidRequest` for a negative charge.
    public init(window: PeriodWindow, entries: [Entry]) throws {
        var total = BudgetCharge.zero
        for entry in entries {
            guard entry.charge.isValid else {
                throw BudgetError(code: .invalidRequest, message: "a spent charge must not be negative")
            }
            total = try total.adding(entry.charge)
        }
        self.window = window
        self.total = total
        self.entries = entries.sorted { $0.at < $1.at }
    }

    /// What a store writes for `budget` at `instant`: the window the budget is in now, its spend, and
    /// (rolling) the entries still inside the window.
    ///
    /// - throws: ``BudgetError`` `.staleSpend` when a calendar or custom budget's period at `instant`
    ///   is not the window this spend was counted in (compute it again), `.invalidRequest` for a
    ///   rolling budget given a total without its entries.
    package func resolved(for budget: Budget, at instant: Date) throws -> (window: PeriodWindow, spent: BudgetCharge, entries: [Entry]) {
        guard total.isValid else { throw BudgetError(code: .invalidRequest, message: "a spent charge must not be negative") }
        guard let current = budget.period.window(containing: instant) else {
            throw BudgetError(
                code: .staleSpend, message: "budget '\(budget.name)' does not apply at \(instant.formatted(.iso8601)): its custom range does not contain it")
        }
        guard budget.period.isRolling else {
            guard current == window else {
                throw BudgetError(
                    code: .staleSpend,
                    message: "budget '\(budget.name)': the spend was counted over \(window) but the period is now \(current); compute it again")
            }
            return (current, total, [])
        }
        guard !entries.isEmpty || total == .zero else {
            throw BudgetError(
                code: .invalidRequest, message: "budget '\(budget.name)' is rolling: its spend must list each charge with its instant")
        }
        let inside = entries.filter { $0.at > current.start }
        var spent = BudgetCharge.zero
        for entry in inside { spent = try spent.adding(entry.charge) }
        return (current, spent, inside)
    }
}
