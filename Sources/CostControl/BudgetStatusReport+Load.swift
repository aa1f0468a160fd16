public import CostSQLite
public import Foundation

extension BudgetStatusReport {
    /// The status of the named budgets (every budget when `names` is `nil`), each with its
    /// projection from the ledger's daily spend: what `costctl budget status` prints and the MCP
    /// tool `budget-status` returns.
    ///
    /// For example:
    ///
    /// ```swift
    /// let reports = try await BudgetStatusReport.load(store: budgets, ledger: ledger, names: ["growth"])
    /// print(reports[0].utilization, reports[0].projection?.projectedSpend as Any)
    /// ```
    ///
    /// - throws: ``ControlError`` `.notFound` for a name no budget has (the message lists the
    ///   budgets and suggests the nearest), or the store's and the ledger's errors.
    public static func load(
        store: any BudgetStore, ledger: SQLiteUsageLedger, names: [String]? = nil, at now: Date = Date()
    ) async throws -> [BudgetStatusReport] {
        let list: [String]
        if let names {
            list = names
        } else {
            list = try await store.budgets().map(\.name)
        }
        var reports: [BudgetStatusReport] = []
        for budgetName in list {
            guard let state = try await store.state(of: budgetName) else {
                let known = try await store.budgets().map(\.name)
                throw ControlError(
                    code: .notFound,
                    message: "no budget named '\(budgetName)'"
                        + (known.isEmpty
                            ? "; add one with `costctl budget set`"
                            : Suggest.didYouMean(budgetName, in: Set(known)) + "; budgets: " + known.joined(separator: ", ")))
            }
            let projection = try await ledger.projection(of: state, at: now, userHasher: ledger.configuration.userHasher)
            reports.append(BudgetStatusReport(state, projection: projection))
        }
        return reports
    }
}
