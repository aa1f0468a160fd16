public import CostBudget
public import CostPricing
public import Foundation

extension BudgetScope {
    /// The ledger filter of this scope: its subject as a dimension filter, and the provider and
    /// model when set (the ledger compares exactly, so the value is matched as given and in lower case).
    ///
    /// - parameter userHasher: the ledger's hasher when it stores user ids as pseudonyms (a `user` scope is then matched by its pseudonym).
    public func ledgerFilter(since: Date?, until: Date?, userHasher: (any IdentifierHasher)? = nil) -> UsageFilter {
        var equals: [UsageDimension: Set<String>] = [:]
        switch subject {
        case .global: break
        case .org(let v): equals[.org] = [v]
        case .team(let v): equals[.team] = [v]
        case .user(let v):
            var values: Set<String> = [v]
            if let userHasher { values.insert(userHasher.pseudonym(for: v)) }
            equals[.user] = values
        case .project(let v): equals[.project] = [v]
        case .key(let v): equals[.keyID] = [v]
        case .tag(let k, let v): equals[.tag(k)] = [v]
        }
        if let provider { equals[.provider] = [provider, provider.lowercased()] }
        if let model { equals[.model] = [model, model.lowercased()] }
        return UsageFilter(since: since, until: until, equals: equals)
    }
}

extension UsageLedger {
    /// What a budget's scope spent per local day in `[since, until)`, read from the ledger's daily
    /// buckets in `timeZone` (days without events are absent).
    ///
    /// For example:
    /// ```swift
    /// let days = try await ledger.dailySpend(scope: budget.scope, since: start, until: Date(), timeZone: berlin)
    /// ```
    /// - throws: ``PricingError`` or the ledger's own error.
    public func dailySpend(
        scope: BudgetScope, since: Date, until: Date, timeZone: TimeZone, userHasher: (any IdentifierHasher)? = nil
    ) async throws -> [DailySpend] {
        let query = UsageQuery(
            filter: scope.ledgerFilter(since: since, until: until, userHasher: userHasher), bucket: .day, timeZone: timeZone,
            order: .time)
        let report = try await self.query(query)
        return report.rows.compactMap { row in
            guard let day = row.bucketStart else { return nil }
            let totals = row.totals
            return DailySpend(day: day, charge: BudgetCharge(cost: totals.cost, tokens: totals.tokens, requests: totals.usage.requests))
        }
    }

    /// The projection of a budget from its state and the daily spend of its scope in this ledger:
    /// the burn rate over the last `rateWindowDays` local days (in the budget's time zone; UTC
    /// for rolling and custom periods), then ``BudgetProjection``'s rules.
    ///
    /// For example:
    /// ```swift
    /// guard let state = try await store.state(of: "team-search") else { return }
    /// let projection = try await ledger.projection(of: state, at: Date())
    /// print(projection.summary)
    /// ```
    /// - throws: ``PricingError`` or the ledger's own error.
    public func projection(
        of state: BudgetState, at instant: Date, rateWindowDays: Int = 7, userHasher: (any IdentifierHasher)? = nil
    ) async throws -> BudgetProjection {
        let zone = state.budget.period.timeZone ?? TimeZone(identifier: "UTC") ?? .gmt
        let since = BudgetProjection.earliestRateStart(at: instant, rateWindowDays: rateWindowDays, timeZone: zone)
        // events recorded at the instant itself count (the ledger's end is exclusive, in milliseconds)
        let days = try await dailySpend(
            scope: state.budget.scope, since: since, until: instant.addingTimeInterval(0.001), timeZone: zone,
            userHasher: userHasher)
        return BudgetProjection(state: state, dailySpend: days, at: instant, rateWindowDays: rateWindowDays, timeZone: zone)
    }
}
