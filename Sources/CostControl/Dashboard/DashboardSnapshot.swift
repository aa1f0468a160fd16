public import CostBudget
import CostOptimizer
public import CostPricing
public import CostRotation
public import CostSQLite
public import Foundation

/// What `costctl watch` shows at one instant: today's spend, the budgets, today's spend by model,
/// the API keys' quotas, the unacknowledged alerts and the month's projection. Gathered by
/// ``gather(from:team:timeZone:at:)`` and laid out by ``DashboardLayout``.
public struct DashboardSnapshot: Sendable, Hashable, Encodable {
    /// One model's spend today.
    public struct ModelSpend: Sendable, Hashable, Encodable {
        public var provider: String
        public var model: String
        public var cost: Money
        public var requests: Int
        /// Share of today's cost (0…1).
        public var share: Double

        public init(provider: String, model: String, cost: Money, requests: Int, share: Double) {
            self.provider = provider
            self.model = model
            self.cost = cost
            self.requests = requests
            self.share = share
        }
    }

    /// An alert nobody has acknowledged.
    public struct ActiveAlert: Sendable, Hashable, Encodable {
        public var key: String
        public var kind: String
        public var severity: String
        public var at: Date
        public var title: String

        public init(key: String, kind: String, severity: String, at: Date, title: String) {
            self.key = key
            self.kind = kind
            self.severity = severity
            self.at = at
            self.title = title
        }
    }

    /// The month so far and where it is heading.
    public struct MonthOutlook: Sendable, Hashable, Encodable {
        /// `2026-11`.
        public var month: String
        public var spent: Money
        public var projected: Money
        /// The 95% interval of the projection.
        public var lower: Money
        public var upper: Money
        public var trend: String
        /// The monthly money budget of the same scope, if any: its name, limit and `on_track`, `at_risk` or `over`.
        public var budget: String?
        public var limit: Money?
        public var status: String?
        public var insufficientData: Bool

        public init(
            month: String, spent: Money, projected: Money, lower: Money, upper: Money, trend: String, budget: String? = nil,
            limit: Money? = nil, status: String? = nil, insufficientData: Bool = false
        ) {
            self.month = month
            self.spent = spent
            self.projected = projected
            self.lower = lower
            self.upper = upper
            self.trend = trend
            self.budget = budget
            self.limit = limit
            self.status = status
            self.insufficientData = insufficientData
        }
    }

    public var at: Date
    public var timeZone: TimeZone
    /// The team the dashboard is limited to (`nil`: everyone).
    public var team: String?
    /// Today (in ``timeZone``) so far.
    public var todayCost: Money
    public var todayRequests: Int
    public var todayTokens: Int
    public var budgets: [BudgetStatusReport]
    /// Today's spend by model, largest first.
    public var models: [ModelSpend]
    public var keys: [KeyRow]
    /// Newest first (at most 50).
    public var alerts: [ActiveAlert]
    /// All unacknowledged alerts (``alerts`` may hold fewer).
    public var alertCount: Int
    public var month: MonthOutlook?

    public init(
        at: Date, timeZone: TimeZone, team: String? = nil, todayCost: Money = .zero, todayRequests: Int = 0, todayTokens: Int = 0,
        budgets: [BudgetStatusReport] = [], models: [ModelSpend] = [], keys: [KeyRow] = [], alerts: [ActiveAlert] = [],
        alertCount: Int = 0, month: MonthOutlook? = nil
    ) {
        self.at = at
        self.timeZone = timeZone
        self.team = team
        self.todayCost = todayCost
        self.todayRequests = todayRequests
        self.todayTokens = todayTokens
        self.budgets = budgets
        self.models = models
        self.keys = keys
        self.alerts = alerts
        self.alertCount = alertCount
        self.month = month
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(Timestamp.format(at), forKey: AnyKey("at"))
        try c.encode(timeZone.identifier, forKey: AnyKey("time_zone"))
        try c.encodeIfPresent(team, forKey: AnyKey("team"))
        try c.encode(todayCost, forKey: AnyKey("today_cost_usd"))
        try c.encode(todayRequests, forKey: AnyKey("today_requests"))
        try c.encode(todayTokens, forKey: AnyKey("today_tokens"))
        try c.encode(budgets, forKey: AnyKey("budgets"))
        try c.encode(models, forKey: AnyKey("models"))
        try c.encode(keys, forKey: AnyKey("keys"))
        try c.encode(alerts, forKey: AnyKey("alerts"))
        try c.encode(alertCount, forKey: AnyKey("alert_count"))
        try c.encodeIfPresent(month, forKey: AnyKey("month"))
    }
}

/// Where ``DashboardSnapshot/gather(from:team:timeZone:at:)`` reads: the ledger and the stores
/// of one database (any of the stores may be absent).
public struct DashboardSources: Sendable {
    public var ledger: any UsageLedger
    public var budgets: (any BudgetStore)?
    public var keys: (any KeyStore)?
    public var alerts: SQLiteAlertStore?

    public init(ledger: any UsageLedger, budgets: (any BudgetStore)? = nil, keys: (any KeyStore)? = nil, alerts: SQLiteAlertStore? = nil) {
        self.ledger = ledger
        self.budgets = budgets
        self.keys = keys
        self.alerts = alerts
    }

    /// The stores of the database at `paths` (no master key needed: keys are read, never opened).
    ///
    /// - throws: ``SQLiteError`` when the file cannot be opened or its schema is newer.
    public static func open(paths: ControlPaths, catalog: PriceCatalog) throws -> DashboardSources {
        DashboardSources(
            ledger: try LedgerStore.open(paths: paths, catalog: catalog), budgets: try BudgetStoreFile.open(paths: paths),
            keys: try SQLiteKeyStore(path: paths.database.path), alerts: try SQLiteAlertStore(path: paths.database.path))
    }
}

extension DashboardSnapshot {
    /// Reads everything the dashboard shows at `now`. With a `team`, the spend, the models and the
    /// projection are that team's, and budgets and alerts are the team's and the global ones; keys
    /// are always all keys.
    ///
    /// - throws: the ledger's and the stores' errors.
    public static func gather(
        from sources: DashboardSources, team: String? = nil, timeZone: TimeZone, at now: Date = Date()
    ) async throws -> DashboardSnapshot {
        var snapshot = DashboardSnapshot(at: now, timeZone: timeZone, team: team)
        let local = LocalTime(timeZone)
        var filter = UsageFilter(since: local.startOfDay(now), until: local.nextBucketStart(.day, after: now))
        if let team { filter.equals[.team] = [team] }
        let byModel = try await sources.ledger.query(UsageQuery(filter: filter, groupBy: [.provider, .model], timeZone: timeZone))
        snapshot.todayCost = byModel.totals.cost
        snapshot.todayRequests = byModel.totals.usage.requests
        snapshot.todayTokens = byModel.totals.tokens
        snapshot.models = byModel.rows.map { row in
            ModelSpend(
                provider: row.values[0], model: row.values[1], cost: row.totals.cost, requests: row.totals.usage.requests, share: row.costShare)
        }
        let teamScope = team.map { "team=\($0)" }
        if let store = sources.budgets {
            let hasher = (sources.ledger as? SQLiteUsageLedger)?.configuration.userHasher
            for budget in try await store.budgets().sorted(by: { $0.name < $1.name }) {
                let scope = BudgetSummary(budget).scope
                if let teamScope, scope != teamScope, scope != "global" { continue }
                guard let state = try await store.state(of: budget.name) else { continue }
                let projection = try await sources.ledger.projection(of: state, at: now, userHasher: hasher)
                snapshot.budgets.append(BudgetStatusReport(state, projection: projection))
            }
        }
        if let keys = sources.keys {
            for key in try await keys.keys(provider: nil) {
                snapshot.keys.append(KeyRow(key: key, quota: try await keys.quotaState(of: key.id), at: now))
            }
        }
        if let alerts = sources.alerts {
            let open = try await alerts.alerts(unacknowledgedOnly: true, limit: Int(Int32.max)).filter { stored in
                guard let teamScope else { return true }
                return stored.alert.scope == "global" || stored.alert.scope.contains(teamScope)
            }
            snapshot.alertCount = open.count
            snapshot.alerts = open.prefix(50).map {
                ActiveAlert(key: $0.alert.key, kind: $0.alert.kind.rawValue, severity: $0.alert.severity.rawValue, at: $0.alert.at, title: $0.alert.title)
            }
        }
        let report = try await CostForecasts.monthly(
            ledger: sources.ledger, budgets: sources.budgets, by: team == nil ? nil : .team, timeZone: timeZone, at: now)
        let forecast = report.forecasts.first { team == nil || $0.scope.value == team }
        if let forecast {
            let outlook = forecast.budgets.first
            snapshot.month = MonthOutlook(
                month: MonthOutlook.name(of: report.month.start, in: timeZone), spent: forecast.spent, projected: forecast.projected,
                lower: forecast.lower, upper: forecast.upper, trend: forecast.trend.label.rawValue, budget: outlook?.budget, limit: outlook?.limit,
                status: outlook?.status.rawValue, insufficientData: forecast.insufficientData)
        }
        return snapshot
    }
}

extension DashboardSnapshot.MonthOutlook {
    /// `2026-11` for an instant in `timeZone`.
    static func name(of date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
    }
}
