public import CostBudget
public import CostPricing
public import Foundation

/// The budgets `costctl demo` sets on its ledger, sized from the demo's own usage so that the
/// status shows something worth seeing: a team budget whose projection runs over its limit, and a
/// rolling global budget at its notification level.
public enum DemoBudgets {
    /// Sets the two budgets in `store`, counts their spend from `ledger`, and returns their status.
    ///
    /// - throws: the store's and the ledger's errors.
    public static func install(
        store: any BudgetStore, ledger: any UsageLedger, timeZone: TimeZone, at instant: Date
    ) async throws -> [BudgetStatusReport] {
        let sync = BudgetLedgerSync(ledger: ledger)
        let hasher = (ledger as? SQLiteUsageLedger)?.configuration.userHasher
        // 1. platform, monthly: a limit its projection overshoots by about 10%
        var platform = try Budget(
            name: "demo-platform-monthly", scope: BudgetScope(.team("platform")), limit: .money(try Money(dollars: 1_000_000)),
            period: .monthly(in: timeZone), profile: .premium)
        try await store.setBudget(platform)
        _ = try await sync.rebuild(store, at: instant, only: [platform.name])
        if let state = try await store.state(of: platform.name) {
            let projection = try await ledger.projection(of: state, at: instant, userHasher: hasher)
            platform.limit = .money(try wholeCents(atLeast: Money(units: projection.projectedSpend * 10 / 11)))
            try await store.setBudget(platform)
        }
        // 2. everyone, the last 7 days: a limit at which the spend so far is about 85%
        var global = try Budget(
            name: "demo-all-7d", limit: .money(try Money(dollars: 1_000_000)), period: .rolling(days: 7))
        try await store.setBudget(global)
        if let spend = try await sync.spend(of: global, at: instant) {
            global.limit = .money(try wholeCents(atLeast: Money(units: spend.total.cost.units * 100 / 85)))
            try await store.setBudget(global)
        }
        _ = try await sync.rebuild(store, at: instant, only: [global.name])
        var reports: [BudgetStatusReport] = []
        for name in [platform.name, global.name] {
            guard let state = try await store.state(of: name) else { continue }
            reports.append(BudgetStatusReport(state, projection: try await ledger.projection(of: state, at: instant, userHasher: hasher)))
        }
        return reports
    }

    /// The amount rounded up to whole cents, at least $1.
    static func wholeCents(atLeast amount: Money) throws -> Money {
        let cent = try Money(dollars: 1).units / 100
        let cents = max(100, (amount.units + cent - 1) / cent)
        return Money(units: cents * cent)
    }
}
