public import CostBudget
public import CostOptimizer
public import CostPricing
public import Foundation

extension OperationsReport {
    /// Builds the report of one period from the ledger, the budgets and the recommendations in
    /// the same database: the entry point of `costctl report` and of the daemon's report job.
    ///
    /// - `kind` and `date` choose the period (see ``periods(kind:date:since:timeZone:at:)``):
    ///   `.daily` without a date is yesterday, `.weekly` the last complete ISO week, `.monthly`
    ///   the last complete month, `.range` the days from `since` (default: the last 30, today
    ///   included) to `now`.
    /// - Budgets are shown as they stand at `now` with their projection; recommendations are the
    ///   open ones at `now`; the month projection is the month containing `now`.
    /// - Anomalies are those of all usage, each team and each model (``CostAnomalyReports``).
    ///
    /// For example:
    /// ```swift
    /// let ledger = try LedgerStore.open(paths: paths)
    /// let report = try await OperationsReport.build(
    ///     ledger: ledger, budgets: try BudgetStoreFile.open(paths: paths),
    ///     recommendations: try RecommendationStoreFile.open(paths: paths),
    ///     kind: .weekly, timeZone: utc, userHasher: ledger.configuration.userHasher)
    /// print(try report.render(.markdown))
    /// ```
    /// - throws: ``ControlError`` `.invalidInput` for a period that has not begun; the ledger's and
    ///   the stores' errors.
    public static func build(
        ledger: some UsageLedger, budgets: (any BudgetStore)?, recommendations: (any RecommendationStore)?,
        kind: Kind, date: Date? = nil, since: Date? = nil, timeZone: TimeZone, at now: Date = Date(),
        options: Options = Options(), userHasher: (any IdentifierHasher)? = nil
    ) async throws -> OperationsReport {
        let (period, previous) = try periods(kind: kind, date: date, since: since, timeZone: timeZone, at: now)
        let local = LocalTime(timeZone)
        var notes: [String] = []

        let current = try await totals(ledger, period, timeZone)
        let before = try await totals(ledger, previous, timeZone)
        var lists: [[Line]] = []
        for dimension in [UsageDimension.model, .team, .operation] {
            lists.append(try await top(ledger, dimension, period, timeZone, top: options.top))
        }

        // budgets as they stand now
        var statuses: [BudgetStatusReport] = []
        if let budgets {
            for budget in try await budgets.budgets() {
                guard let state = try await budgets.state(of: budget.name) else { continue }
                let projection = try await ledger.projection(of: state, at: now, userHasher: userHasher)
                statuses.append(BudgetStatusReport(state, projection: projection))
            }
        }

        // recommendations open now
        var open: [RecommendationRecord] = []
        if let recommendations {
            open = try await recommendations.recommendations(
                matching: RecommendationFilter(statuses: [.pending, .accepted], includeStale: false))
        }
        let saving = open.reduce(Money.zero) { $0 + $1.recommendation.monthlySaving }

        // the timeline: at least the period, and `timelineDays` days up to its end (never past today)
        let timelineEnd = min(local.nextBucketStart(.day, after: period.end.addingTimeInterval(-1)), local.nextBucketStart(.day, after: now))
        let timelineStart = min(
            local.startOfDay(period.start), local.startOfDay(timelineEnd.addingTimeInterval(-1), minusDays: max(1, options.timelineDays) - 1))
        let timelineWindow = PeriodWindow(start: timelineStart, end: timelineEnd)
        var found: [CostAnomaly] = []
        for dimension in [nil, UsageDimension.team, .model] {
            let scan = try await CostAnomalyReports.scan(
                ledger: ledger, by: dimension, since: timelineStart, granularity: .day, timeZone: timeZone, at: now)
            found += scan.anomalies.filter { $0.start < timelineEnd }
        }
        found.sort { ($0.start, $0.scope, $0.kind.rawValue) < ($1.start, $1.scope, $1.kind.rawValue) }
        let timeline = try await providerTimeline(
            ledger, timelineWindow, timeZone, providers: options.timelineProviders, anomalies: found)
        let inPeriod = found.filter { period.start <= $0.start && $0.start < period.end }

        // the month containing now: forecast of all usage and of each team, against their budgets
        let allBudgets = try await budgets?.budgets() ?? []
        let month = try await CostForecasts.monthly(
            ledger: ledger, budgets: budgets, by: nil, timeZone: timeZone, at: now, userHasher: userHasher)
        let monthForecast = month.forecasts.first
        var outlooks: [MonthOutlook] = []
        if let f = monthForecast {
            outlooks += f.budgets.map { MonthOutlook(scope: "all", projected: f.projected, lower: f.lower, upper: f.upper, outlook: $0) }
        }
        if allBudgets.contains(where: { if case .team = $0.scope.subject { true } else { false } }) {
            let byTeam = try await CostForecasts.monthly(
                ledger: ledger, budgets: budgets, by: .team, timeZone: timeZone, at: now, userHasher: userHasher)
            for f in byTeam.forecasts {
                outlooks += f.budgets.map {
                    MonthOutlook(scope: f.scope.description, projected: f.projected, lower: f.lower, upper: f.upper, outlook: $0)
                }
            }
        }
        let path = try await forecastPath(ledger, month: month.month, timeZone: timeZone, at: now)

        if period.end > now { notes.append("the period is not over: figures up to \(LocalTime.iso8601(now, in: timeZone))") }
        if current.unpriced > 0 { notes.append("\(current.unpriced) event(s) without a price are not in the cost (costctl pricing missing)") }
        if !inPeriod.isEmpty || !found.isEmpty {
            notes.append("anomalies: days compared with the 12 weeks before them; the current day is not scored until it is over")
        }
        let totals = Totals(current)
        let previousTotals = Totals(before)
        return OperationsReport(
            kind: kind, period: period, previousPeriod: previous, timeZone: timeZone, generatedAt: now, isComplete: period.end <= now,
            totals: totals, previousTotals: previousTotals, change: change(totals, previousTotals), budgets: statuses,
            topModels: lists[0], topTeams: lists[1], topOperations: lists[2], anomalies: inPeriod,
            recommendations: Array(open.prefix(options.top)), openRecommendations: open.count, openMonthlySaving: saving,
            monthForecast: monthForecast, monthOutlooks: outlooks, forecastPath: path, timeline: timeline, notes: notes)
    }

    // MARK: - Parts

    static func totals(_ ledger: some UsageLedger, _ window: PeriodWindow, _ zone: TimeZone) async throws -> UsageTotals {
        try await ledger.query(UsageQuery(filter: UsageFilter(since: window.start, until: window.end), timeZone: zone)).totals
    }

    static func top(_ ledger: some UsageLedger, _ dimension: UsageDimension, _ window: PeriodWindow, _ zone: TimeZone, top: Int)
        async throws -> [Line]
    {
        let report = try await ledger.query(
            UsageQuery(
                filter: UsageFilter(since: window.start, until: window.end), groupBy: [dimension], timeZone: zone, order: .cost,
                top: max(1, top)))
        let total = report.totals.cost
        var rows = report.rows.map { line($0.values.first.map { $0.isEmpty ? "(none)" : $0 } ?? "(none)", $0.totals, of: total) }
        if let others = report.others { rows.append(line("(others)", others.totals, of: total)) }
        return rows
    }

    static func line(_ name: String, _ t: UsageTotals, of total: Money) -> Line {
        Line(
            name: name, requests: t.usage.requests, tokens: t.tokens, cost: t.cost, averageCost: average(t.cost, over: t.usage.requests),
            share: ratio(t.cost, total) ?? 0)
    }

    /// `part / whole` as a ratio for display (`nil` when the whole is zero).
    static func ratio(_ part: Money, _ whole: Money) -> Double? {
        whole.isZero ? nil : part.approximateDollars / whole.approximateDollars
    }

    static func change(_ now: Totals, _ before: Totals) -> Change {
        func relative(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a - b) / Double(b) : nil }
        var delta: Double?
        if let a = now.cacheHitRate, let b = before.cacheHitRate { delta = a - b }
        return Change(
            cost: now.cost - before.cost, costRatio: ratio(now.cost - before.cost, before.cost),
            requestsRatio: relative(now.requests, before.requests), tokensRatio: relative(now.tokens, before.tokens),
            cacheHitRateDelta: delta)
    }

    /// Daily cost per provider over `window`: the costliest `providers`, the rest as `other`.
    static func providerTimeline(
        _ ledger: some UsageLedger, _ window: PeriodWindow, _ zone: TimeZone, providers count: Int, anomalies: [CostAnomaly]
    ) async throws -> Timeline {
        let report = try await ledger.query(
            UsageQuery(
                filter: UsageFilter(since: window.start, until: window.end), groupBy: [.provider], bucket: .day, timeZone: zone,
                order: .time))
        var byProvider: [String: Money] = [:]
        for row in report.rows { byProvider[row.values.first ?? "", default: .zero] += row.totals.cost }
        let ranked = byProvider.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        var names = Array(ranked.prefix(max(1, count))).map { $0.isEmpty ? "(none)" : $0 }
        let hasOther = ranked.count > names.count
        if hasOther { names.append("other") }
        var index: [String: Int] = [:]
        for (i, name) in ranked.enumerated() { index[name] = min(i, names.count - 1) }
        let local = LocalTime(zone)
        var days: [Date: [Money]] = [:]
        for row in report.rows {
            guard let start = row.bucketStart, let i = index[row.values.first ?? ""] else { continue }
            days[start, default: Array(repeating: .zero, count: names.count)][i] += row.totals.cost
        }
        var out: [TimelineDay] = []
        var cursor = window.start
        while cursor < window.end {
            out.append(TimelineDay(day: cursor, costs: days[cursor] ?? Array(repeating: .zero, count: names.count)))
            let next = local.nextBucketStart(.day, after: cursor)
            guard next > cursor else { break }
            cursor = next
        }
        return Timeline(window: window, providers: names, days: out, anomalies: anomalies)
    }

    /// The month's cumulative cost per day: actuals for the days that have begun, and for every day
    /// not yet over the forecast of the sum to its end with the 95% interval (``MonthlyCostForecast``
    /// over the month cut at that day).
    static func forecastPath(_ ledger: some UsageLedger, month: PeriodWindow, timeZone: TimeZone, at now: Date) async throws
        -> [ForecastPoint]
    {
        let local = LocalTime(timeZone)
        let today = local.startOfDay(now)
        let since = min(month.start, local.startOfDay(now, minusDays: 56))
        let until = local.nextBucketStart(.day, after: now)
        guard let series = try await ledger.costSeries(by: nil, granularity: .day, since: since, until: until, timeZone: timeZone).first
        else { return [] }
        var points: [ForecastPoint] = []
        var spent = Money.zero
        var day = month.start
        while day < month.end {
            let next = local.nextBucketStart(.day, after: day)
            guard next > day else { break }
            var point = ForecastPoint(day: day)
            if day <= today {
                spent += series.points.first(where: { $0.start == day })?.cost ?? .zero
                point.actual = spent
            }
            if next > now {
                let f = MonthlyCostForecast(series: series, month: PeriodWindow(start: month.start, end: next), at: now)
                if !f.insufficientData {
                    point.expected = f.projected
                    point.lower = f.lower
                    point.upper = f.upper
                }
            }
            points.append(point)
            day = next
        }
        return points
    }
}
