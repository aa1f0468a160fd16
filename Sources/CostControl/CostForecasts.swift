public import CostBudget
public import CostOptimizer
public import CostPricing
public import Foundation

/// The monthly forecast of every scope, with the budgets that apply: what `costctl forecast` prints.
public struct ForecastReport: Sendable, Hashable {
    /// The scopes' dimension (`nil`: one forecast of all usage).
    public var dimension: UsageDimension?
    public var month: PeriodWindow
    public var timeZone: TimeZone
    public var at: Date
    /// One per scope, the largest projection first.
    public var forecasts: [MonthlyCostForecast]
    public var notes: [String]
}

/// Builds ``ForecastReport``s from the ledger and the budgets in the same database.
///
/// For example:
/// ```swift
/// let report = try await CostForecasts.monthly(ledger: ledger, budgets: store, by: .team, timeZone: berlin)
/// for f in report.forecasts { print(f.scope, f.projected, f.lower, f.upper, f.trend.label) }
/// ```
public enum CostForecasts {
    /// The forecast of `month` (`YYYY-MM`; the current month of `timeZone` when `nil`) per value of
    /// `dimension`, from the last `historyDays` complete local days, compared with every monthly money
    /// budget of exactly that scope in `budgets`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a month that is not `YYYY-MM` or a dimension the
    ///   aggregates do not keep; the ledger's and the budget store's errors.
    public static func monthly(
        ledger: some UsageLedger, budgets: (any BudgetStore)?, by dimension: UsageDimension?, month: String? = nil,
        timeZone: TimeZone, at now: Date = Date(), historyDays: Int = 56, userHasher: (any IdentifierHasher)? = nil
    ) async throws -> ForecastReport {
        let window = try month.map { try parseMonth($0, in: timeZone) } ?? MonthlyCostForecast.month(containing: now, in: timeZone)
        let local = LocalTime(timeZone)
        let today = local.startOfDay(now)
        let since = min(window.start, local.startOfDay(now, minusDays: max(1, historyDays)))
        // up to tomorrow's midnight: day-aligned, so the daily aggregates answer
        let until = local.nextBucketStart(.day, after: now)
        let series = try await ledger.costSeries(by: dimension, granularity: .day, since: since, until: until, timeZone: timeZone)
        var allBudgets = try await budgets?.budgets() ?? []
        if let userHasher {
            // the ledger stores pseudonyms: compare user budgets by theirs
            allBudgets = allBudgets.map { budget in
                guard case .user(let id) = budget.scope.subject else { return budget }
                var copy = budget
                copy.scope.subject = .user(userHasher.pseudonym(for: id))
                return copy
            }
        }
        var forecasts = series.map { s in
            var forecast = MonthlyCostForecast(series: s, month: window, at: now, historyDays: historyDays)
            forecast.compare(with: allBudgets)
            return forecast
        }
        forecasts.sort { ($0.projected, $1.scope) > ($1.projected, $0.scope) }
        var notes: [String] = []
        if window.start > today { notes.append("the month has not begun: every figure is forecast") }
        return ForecastReport(dimension: dimension, month: window, timeZone: timeZone, at: now, forecasts: forecasts, notes: notes)
    }

    /// `2026-11` → that month in `timeZone`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` with an example.
    public static func parseMonth(_ text: String, in timeZone: TimeZone) throws -> PeriodWindow {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (2000...9999).contains(year), (1...12).contains(month)
        else {
            throw ControlError(code: .invalidInput, message: "--month '\(text)' is not a month; use YYYY-MM (example: 2026-11)")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let end = calendar.date(byAdding: .month, value: 1, to: start)
        else {
            throw ControlError(code: .invalidInput, message: "--month '\(text)' is not a month in \(timeZone.identifier)")
        }
        return PeriodWindow(start: start, end: end)
    }
}

/// The anomalies of every scope over a time range: what `costctl anomalies` prints.
public struct AnomalyReport: Sendable, Hashable {
    public var dimension: UsageDimension?
    public var granularity: CostSeries.Granularity
    public var timeZone: TimeZone
    /// The scanned range: `since` to the start of the current (incomplete) bucket.
    public var since: Date
    public var until: Date
    /// How many scopes were scanned.
    public var scopes: Int
    /// Oldest first.
    public var anomalies: [CostAnomaly]
    public var notes: [String]
}

/// Builds ``AnomalyReport``s from the ledger.
///
/// For example:
/// ```swift
/// let report = try await CostAnomalyReports.scan(ledger: ledger, by: .team, since: twoWeeksAgo, granularity: .day, timeZone: utc)
/// ```
public enum CostAnomalyReports {
    /// Scans every complete bucket from `since` to the current one, per value of `dimension`, with
    /// ``CostAnomalyScan``; the baselines read 12 weeks (days) or 4 weeks (hours) before `since`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a dimension the aggregates do not keep; the ledger's errors.
    public static func scan(
        ledger: some UsageLedger, by dimension: UsageDimension?, since: Date, granularity: CostSeries.Granularity,
        timeZone: TimeZone, at now: Date = Date(), configuration: CostAnomalyScan = CostAnomalyScan()
    ) async throws -> AnomalyReport {
        let local = LocalTime(timeZone)
        let bucket: TimeBucket = granularity == .day ? .day : .hour
        let start = local.bucketStart(bucket, containing: since)
        let current = local.bucketStart(bucket, containing: now)
        let historyDays = granularity == .day ? 84 : 28
        let historyStart = local.startOfDay(start, minusDays: historyDays)
        var notes = ["the current \(granularity.rawValue) is not scored until it is complete"]
        guard start < current else {
            notes.append("nothing to scan: --since is in the current \(granularity.rawValue)")
            return AnomalyReport(
                dimension: dimension, granularity: granularity, timeZone: timeZone, since: start, until: current, scopes: 0,
                anomalies: [], notes: notes)
        }
        let series = try await ledger.costSeries(
            by: dimension, granularity: granularity, since: historyStart, until: current, timeZone: timeZone)
        let anomalies = series.flatMap { configuration.scan($0, from: start) }
            .sorted { ($0.start, $0.scope, $0.kind.rawValue) < ($1.start, $1.scope, $1.kind.rawValue) }
        return AnomalyReport(
            dimension: dimension, granularity: granularity, timeZone: timeZone, since: start, until: current,
            scopes: series.count, anomalies: anomalies, notes: notes)
    }
}
