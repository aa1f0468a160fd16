public import CostBudget
public import CostOptimizer
public import CostPricing
public import CostRotation
public import CostSQLite
public import Foundation

/// Reads the ledger and the stores in one database and builds a ``MetricsSnapshot``: cost, tokens
/// and requests by provider, model and team (counters over the whole ledger), budget utilization and
/// what is left (gauges per budget), key quota utilization (per key and limit; the key's id, never
/// its secret), the cache hit ratio, recommendations' potential monthly savings, alert counts and
/// the time of the snapshot.
///
/// Label cardinality stays bounded: the families whose labels come from usage keep the ``top``
/// combinations (by cost) and fold the rest into one series whose labels are all
/// ``otherLabel``, so sums over a family still equal the totals. Keys past the top are folded the
/// same way (the fold's utilization is the fullest of them). Budgets, recommendation kinds and
/// alert kinds are bounded by what users configure and by fixed vocabularies.
///
/// For example:
/// ```swift
/// let collector = try MetricsCollector.open(paths: ControlPaths(), catalog: catalog)
/// let text = try PrometheusText.render(try await collector.snapshot())
/// ```
public struct MetricsCollector: Sendable {
    /// The label value of the series that sums (or, for utilization, maximises) everything past the top.
    public static let otherLabel = "__other__"

    public var ledger: any UsageLedger
    public var budgets: (any BudgetStore)?
    public var keys: (any KeyStore)?
    public var recommendations: (any RecommendationStore)?
    public var alerts: SQLiteAlertStore?
    /// Label combinations kept per family before the rest is folded into one series.
    public var top: Int
    /// The cache hit ratio is measured over this many days up to now.
    public var cacheWindowDays: Int

    public init(
        ledger: any UsageLedger, budgets: (any BudgetStore)? = nil, keys: (any KeyStore)? = nil,
        recommendations: (any RecommendationStore)? = nil, alerts: SQLiteAlertStore? = nil, top: Int = 20, cacheWindowDays: Int = 30
    ) {
        self.ledger = ledger
        self.budgets = budgets
        self.keys = keys
        self.recommendations = recommendations
        self.alerts = alerts
        self.top = top
        self.cacheWindowDays = cacheWindowDays
    }

    /// Every store of the database at `paths` (created when missing, like every command's).
    ///
    /// - throws: ``SQLiteError`` when the file cannot be opened or its schema is newer.
    public static func open(paths: ControlPaths, catalog: PriceCatalog, top: Int = 20) throws -> MetricsCollector {
        let path = paths.database.path
        return MetricsCollector(
            ledger: try LedgerStore.open(paths: paths, catalog: catalog), budgets: try BudgetStoreFile.open(paths: paths),
            keys: try SQLiteKeyStore(path: path), recommendations: try RecommendationStoreFile.open(paths: paths),
            alerts: try SQLiteAlertStore(path: path), top: top)
    }

    /// The snapshot at `now`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a `top` below 1; the stores' errors.
    public func snapshot(at now: Date = Date()) async throws -> MetricsSnapshot {
        guard top >= 1 else { throw ControlError(code: .invalidInput, message: "top must be at least 1 (got \(top))") }
        var families = try await usageFamilies()
        families.append(try await cacheFamily(at: now))
        families += try await budgetFamilies()
        families += try await keyFamilies(at: now)
        families += try await recommendationFamilies()
        families += try await alertFamilies()
        var latest = MetricFamily(
            name: "costctl_ledger_latest_event_timestamp_seconds", help: "Time of the newest event in the usage ledger, in seconds since the Unix epoch.",
            kind: .gauge)
        if let at = try await ledger.info().latest { latest.samples = [MetricSample([], .number(at.timeIntervalSince1970.rounded(.down)))] }
        families.append(latest)
        families.append(
            MetricFamily(
                name: "costctl_metrics_generated_timestamp_seconds", help: "When costctl read these metrics, in seconds since the Unix epoch.",
                kind: .gauge, samples: [MetricSample([], .number(now.timeIntervalSince1970.rounded(.down)))]))
        return MetricsSnapshot(generatedAt: now, families: families)
    }

    // MARK: - Usage

    /// Tokens by kind as the `kind` label names them; input counts cache reads and writes, output counts reasoning.
    static let tokenKinds: [(label: String, kind: UsageKind)] = [
        ("input", .inputTokens), ("output", .outputTokens), ("cache_read", .cacheReadTokens), ("cache_write", .cacheWriteTokens),
        ("reasoning", .reasoningTokens),
    ]

    func usageFamilies() async throws -> [MetricFamily] {
        let report = try await ledger.query(UsageQuery(groupBy: [.provider, .model, .team], order: .cost, top: top))
        var rows = report.rows.map { (labels: Self.usageLabels($0.values), totals: $0.totals) }
        if let others = report.others {
            rows.append((labels: Self.usageLabels([Self.otherLabel, Self.otherLabel, Self.otherLabel]), totals: others.totals))
        }
        var cost = MetricFamily(
            name: "costctl_cost_usd_total", help: "Cost of recorded LLM usage in US dollars (exact decimals; unpriced events count 0 here).",
            kind: .counter)
        var tokens = MetricFamily(
            name: "costctl_tokens_total",
            help: "Tokens of recorded LLM usage by kind; input includes cache reads and writes, output includes reasoning.",
            kind: .counter)
        var requests = MetricFamily(name: "costctl_requests_total", help: "API requests recorded in the usage ledger.", kind: .counter)
        var unpriced = MetricFamily(
            name: "costctl_unpriced_events_total", help: "Recorded events without a price (their cost is not in costctl_cost_usd_total).",
            kind: .counter)
        for row in rows {
            cost.samples.append(MetricSample(row.labels, .money(row.totals.cost)))
            requests.samples.append(MetricSample(row.labels, .count(row.totals.usage.requests)))
            for (label, kind) in Self.tokenKinds {
                tokens.samples.append(MetricSample(row.labels + [MetricLabel("kind", label)], .count(row.totals.usage[kind])))
            }
            if row.totals.unpriced > 0 { unpriced.samples.append(MetricSample(row.labels, .count(row.totals.unpriced))) }
        }
        return [cost, tokens, requests, unpriced]
    }

    static func usageLabels(_ values: [String]) -> [MetricLabel] {
        zip(["provider", "model", "team"], values).map { MetricLabel($0, $1) }
    }

    func cacheFamily(at now: Date) async throws -> MetricFamily {
        var family = MetricFamily(
            name: "costctl_cache_hit_ratio",
            help: "Share of input tokens read from the prompt cache over the last \(cacheWindowDays) days, by provider and model.",
            kind: .gauge)
        let since = now.addingTimeInterval(-Double(cacheWindowDays) * 86_400)
        let report = try await ledger.query(
            UsageQuery(filter: UsageFilter(since: since, until: now), groupBy: [.provider, .model], order: .tokens, top: top))
        var rows = report.rows.map { ($0.values, $0.totals) }
        if let others = report.others { rows.append(([Self.otherLabel, Self.otherLabel], others.totals)) }
        for (values, totals) in rows where totals.usage.inputTokens > 0 {
            let ratio = Double(totals.usage.cacheReadTokens) / Double(totals.usage.inputTokens)
            family.samples.append(
                MetricSample(zip(["provider", "model"], values).map { MetricLabel($0, $1) }, .number((ratio * 1e6).rounded() / 1e6)))
        }
        return family
    }

    // MARK: - Budgets

    func budgetFamilies() async throws -> [MetricFamily] {
        var utilization = MetricFamily(
            name: "costctl_budget_utilization_ratio", help: "Spent plus held over the limit of each budget in its current period (1 = at the limit).",
            kind: .gauge)
        var remaining = MetricFamily(
            name: "costctl_budget_remaining_usd", help: "US dollars left in each money budget's current period (0 when over).", kind: .gauge)
        var spent = MetricFamily(
            name: "costctl_budget_spent_usd", help: "US dollars spent and held in each money budget's current period.", kind: .gauge)
        var limit = MetricFamily(name: "costctl_budget_limit_usd", help: "The limit of each money budget in US dollars.", kind: .gauge)
        guard let budgets else { return [utilization, remaining, spent, limit] }
        for budget in try await budgets.budgets().sorted(by: { $0.name < $1.name }) {
            guard let state = try await budgets.state(of: budget.name) else { continue }
            let summary = BudgetSummary(budget)
            let labels = [
                MetricLabel("budget", budget.name), MetricLabel("scope", summary.scope), MetricLabel("period", summary.period),
                MetricLabel("measure", summary.limitKind),
            ]
            utilization.samples.append(MetricSample(labels, .number((state.utilization * 1e6).rounded() / 1e6)))
            guard case .money(let cap) = budget.limit else { continue }
            let moneyLabels = Array(labels.prefix(3))
            let used = Money(units: state.usedUnits)
            remaining.samples.append(MetricSample(moneyLabels, .money(used < cap ? cap - used : .zero)))
            spent.samples.append(MetricSample(moneyLabels, .money(used)))
            limit.samples.append(MetricSample(moneyLabels, .money(cap)))
        }
        return [utilization, remaining, spent, limit]
    }

    // MARK: - Keys

    func keyFamilies(at now: Date) async throws -> [MetricFamily] {
        var utilization = MetricFamily(
            name: "costctl_key_quota_utilization_ratio",
            help: "Used plus leased over the limit of each API key's quota, per limit (tokens, requests, spend); keys by id, never the secret.",
            kind: .gauge)
        var counts = MetricFamily(name: "costctl_keys", help: "API keys by pool and status.", kind: .gauge)
        guard let keys else { return [utilization, counts] }
        var rows: [KeyRow] = []
        for key in try await keys.keys(provider: nil) {
            rows.append(KeyRow(key: key, quota: try await keys.quotaState(of: key.id), at: now))
        }
        var byStatus: [[String]: Int] = [:]
        for row in rows { byStatus[[Self.pool(row), row.status], default: 0] += 1 }
        counts.samples = byStatus.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
            MetricSample([MetricLabel("pool", $0.key[0]), MetricLabel("status", $0.key[1])], .count($0.value))
        }
        let metered = rows.filter { !$0.meters.isEmpty }.sorted { ($0.utilization, $1.id) > ($1.utilization, $0.id) }
        for row in metered.prefix(top) {
            for meter in row.meters {
                utilization.samples.append(
                    MetricSample(
                        [MetricLabel("pool", Self.pool(row)), MetricLabel("key", row.id), MetricLabel("measure", meter.measure)],
                        .number((meter.utilization * 1e6).rounded() / 1e6)))
            }
        }
        var fullestOfRest: [String: Double] = [:]
        for row in metered.dropFirst(top) {
            for meter in row.meters { fullestOfRest[meter.measure] = max(fullestOfRest[meter.measure] ?? 0, meter.utilization) }
        }
        for (measure, value) in fullestOfRest.sorted(by: { $0.key < $1.key }) {
            utilization.samples.append(
                MetricSample(
                    [MetricLabel("pool", Self.otherLabel), MetricLabel("key", Self.otherLabel), MetricLabel("measure", measure)],
                    .number((value * 1e6).rounded() / 1e6)))
        }
        return [utilization, counts]
    }

    /// `anthropic`, or `anthropic/project` for a project's pool.
    static func pool(_ row: KeyRow) -> String { row.provider + (row.project.map { "/\($0)" } ?? "") }

    // MARK: - Recommendations and alerts

    func recommendationFamilies() async throws -> [MetricFamily] {
        var savings = MetricFamily(
            name: "costctl_recommendation_potential_savings_usd",
            help: "Monthly US dollars the current (not stale) recommendations would save, by kind and status.", kind: .gauge)
        var counts = MetricFamily(
            name: "costctl_recommendations", help: "Current (not stale) recommendations by kind and status.", kind: .gauge)
        guard let recommendations else { return [savings, counts] }
        var sums: [[String]: (Money, Int)] = [:]
        for record in try await recommendations.recommendations(matching: RecommendationFilter(includeStale: false)) {
            let key = [record.recommendation.kind.rawValue, record.status.rawValue]
            let (sum, count) = sums[key] ?? (.zero, 0)
            sums[key] = (sum + record.recommendation.monthlySaving, count + 1)
        }
        for (key, value) in sums.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let labels = [MetricLabel("kind", key[0]), MetricLabel("status", key[1])]
            savings.samples.append(MetricSample(labels, .money(value.0)))
            counts.samples.append(MetricSample(labels, .count(value.1)))
        }
        return [savings, counts]
    }

    func alertFamilies() async throws -> [MetricFamily] {
        var family = MetricFamily(
            name: "costctl_alerts", help: "Stored alerts by kind, severity and state (acknowledged or unacknowledged).", kind: .gauge)
        guard let alerts else { return [family] }
        var counts: [[String]: Int] = [:]
        for stored in try await alerts.alerts(limit: Int(Int32.max)) {
            counts[[stored.alert.kind.rawValue, stored.alert.severity.rawValue, stored.acknowledgedAt == nil ? "unacknowledged" : "acknowledged"], default: 0] += 1
        }
        family.samples = counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
            MetricSample([MetricLabel("kind", $0.key[0]), MetricLabel("severity", $0.key[1]), MetricLabel("state", $0.key[2])], .count($0.value))
        }
        return [family]
    }
}
