import CostBudget
import CostOptimizer
import CostPricing
import Foundation
import Logging

// MARK: - optimize

extension DaemonServices {
    /// Recommendations over the last 30 days (stored, lifecycle kept), then alerts: `budget-forecast`
    /// for a monthly budget the month is forecast to exceed, `cost-anomaly`, `usage-spike` and
    /// `error-rate-surge` for yesterday's anomalies, `cache-hit-rate` when yesterday's cache hit
    /// rate fell below its baseline. Every alert's key names its subject and period, so a rerun
    /// raises nothing twice.
    func optimize(_ context: DaemonJobContext) async throws -> [String: String] {
        var details: [String: String] = [:]
        let budgetList = try await budgets.budgets()
        var notes: [String] = []
        do {
            let engine = RecommendationEngine(
                ledger: ledger, store: recommendations, catalog: catalog, plans: plans, currentPlanID: configuration.currentPlan,
                budgets: budgetList, timeZone: configuration.timeZone)
            let run = try await engine.run(since: context.now.addingTimeInterval(-30 * 86_400), until: context.now, scope: nil, actor: "daemon")
            details["recommendations"] = String(run.recommendations.count)
            notes += run.notes.filter { !$0.hasPrefix("plan fit skipped") }
        }
        details["auto_actions"] = String(try await autoActions(context))
        details["forecast_alerts"] = String(try await forecastAlerts(context, budgets: budgetList))
        details["anomaly_alerts"] = String(try await anomalyAlerts(context))
        details["cache_alerts"] = String(try await cacheHitRateAlerts(context))
        if !notes.isEmpty {
            context.logger.notice("some recommenders did not run", metadata: ["notes": .string(notes.joined(separator: "; "))])
        }
        return details
    }

    /// Carries out the recommendations whose action kinds the user opted into (at confidence ≥
    /// 0.95, ``RecommendationAutopilot``: audited in the recommendation's history) and raises an
    /// `auto-action` alert for each step (key `auto-action/<recommendation>/<ms>/<n>`).
    func autoActions(_ context: DaemonJobContext) async throws -> Int {
        let clock = self.clock
        let notices = try await RecommendationAutopilot(store: recommendations, now: { clock.now }).run()
        for (index, notice) in notices.enumerated() {
            try await alerts.raise(Alert(
                key: "auto-action/\(notice.recommendationID)/\(Alert.milliseconds(notice.at))/\(index)", kind: .autoAction,
                severity: notice.succeeded ? .info : .warning, at: notice.at, scope: "recommendation=\(notice.recommendationID)",
                title: notice.succeeded ? "costctl acted on recommendation \(notice.recommendationID)" : "an automatic action failed",
                message: notice.message, data: ["recommendation": notice.recommendationID, "succeeded": String(notice.succeeded)]))
        }
        return notices.count
    }

    /// `budget-forecast` (key `budget-forecast/<budget>/<month start ms>`) for each monthly money
    /// budget whose month is projected over its limit.
    func forecastAlerts(_ context: DaemonJobContext, budgets budgetList: [Budget]) async throws -> Int {
        guard !budgetList.isEmpty else { return 0 }
        var dimensions: [UsageDimension?] = [nil]
        for budget in budgetList {
            let dimension: UsageDimension? = switch budget.scope.subject {
            case .global: budget.scope.provider != nil ? .provider : budget.scope.model != nil ? .model : nil
            case .org: .org
            case .team: .team
            case .user: .user
            case .project: .project
            case .key: .keyID
            case .tag: nil
            }
            if !dimensions.contains(dimension) { dimensions.append(dimension) }
        }
        var raised = 0
        for dimension in dimensions {
            let report = try await CostForecasts.monthly(
                ledger: ledger, budgets: budgets, by: dimension, timeZone: configuration.timeZone, at: context.now)
            for forecast in report.forecasts where !forecast.insufficientData {
                for outlook in forecast.budgets where outlook.status != .onTrack && outlook.projectedOverLimit > .zero {
                    let alert = Alert(
                        key: "budget-forecast/\(outlook.budget)/\(Alert.milliseconds(forecast.month.start))", kind: .budgetForecast,
                        severity: outlook.status == .over ? .critical : .warning, at: context.now, scope: "budget=\(outlook.budget) \(forecast.scope)",
                        title: "budget '\(outlook.budget)' is forecast to end the month over its limit",
                        message: "\(forecast.scope) is projected to spend \(forecast.projected.formatted(places: 2, currencySymbol: true)) this month "
                            + "(95% interval \(forecast.lower.formatted(places: 2, currencySymbol: true))–\(forecast.upper.formatted(places: 2, currencySymbol: true))) "
                            + "against a limit of \(outlook.limit.formatted(places: 2, currencySymbol: true)); "
                            + String(format: "probability over the limit %.0f%%", outlook.overLimitProbability * 100),
                        data: [
                            "budget": outlook.budget, "projected": forecast.projected.description, "limit": outlook.limit.description,
                            "value": String(format: "%.4f", outlook.projectedUtilization), "status": outlook.status.rawValue,
                        ])
                    if try await alerts.raise(alert).isNew { raised += 1 }
                }
            }
        }
        return raised
    }

    /// Yesterday's anomalies over all usage and per model: cost → `cost-anomaly`, tokens per
    /// request → `usage-spike`, failure share → `error-rate-surge` (key `<kind>/<scope>/<day start ms>`).
    func anomalyAlerts(_ context: DaemonJobContext) async throws -> Int {
        let yesterday = DaemonReportRequest.previous(.daily, before: context.now, in: configuration.timeZone)
        var raised = 0
        for dimension in [nil, UsageDimension.model] {
            let report = try await CostAnomalyReports.scan(
                ledger: ledger, by: dimension, since: yesterday.start, granularity: .day, timeZone: configuration.timeZone, at: context.now)
            for anomaly in report.anomalies where anomaly.start >= yesterday.start {
                let (kind, severity, what): (AlertKind, AlertSeverity, String) = switch anomaly.kind {
                case .cost: (.costAnomaly, anomaly.direction == "spike" ? .warning : .info, "cost")
                case .tokensPerRequest: (.usageSpike, .warning, "tokens per request")
                case .errorRate: (.errorRateSurge, .warning, "failure share")
                }
                let scope = anomaly.scope.description.isEmpty ? "all" : anomaly.scope.description
                let alert = Alert(
                    key: "\(kind.rawValue)/\(scope)/\(Alert.milliseconds(anomaly.start))", kind: kind, severity: severity, at: context.now,
                    scope: scope, title: "\(what) \(anomaly.direction) on \(yesterday.date) (\(scope))",
                    message: String(format: "%@ was %.4g against an expected %.4g on %@ (%@); the day cost %@", what, anomaly.actual, anomaly.expected,
                                    yesterday.date, anomaly.methods.joined(separator: ", "), anomaly.cost.formatted(places: 2, currencySymbol: true)),
                    data: [
                        "value": String(format: "%.6g", anomaly.actual), "expected": String(format: "%.6g", anomaly.expected),
                        "date": yesterday.date, "direction": anomaly.direction,
                    ])
                if try await alerts.raise(alert).isNew { raised += 1 }
            }
        }
        return raised
    }

    /// `cache-hit-rate` (key `cache-hit-rate/all/<date>`) when yesterday's share of input tokens
    /// read from the cache is below ``DaemonConfiguration/cacheHitRateDropRatio`` of the 14 days
    /// before it (baseline at least 10%, yesterday at least 100,000 input tokens).
    func cacheHitRateAlerts(_ context: DaemonJobContext) async throws -> Int {
        let yesterday = DaemonReportRequest.previous(.daily, before: context.now, in: configuration.timeZone)
        let since = yesterday.start.addingTimeInterval(-14 * 86_400)
        let report = try await UsageReports(ledger: ledger, timeZone: configuration.timeZone)
            .periods(.daily, matching: UsageFilter(since: since, until: yesterday.end))
        var baseline = ReportTokens()
        var day = ReportTokens()
        for row in report.rows {
            if row.start >= yesterday.start { day = row.amounts.tokens } else { baseline = baseline.adding(row.amounts.tokens) }
        }
        guard let rate = day.cacheHitRate, let usual = baseline.cacheHitRate, day.allInput >= 100_000, usual >= 0.1,
            rate < usual * configuration.cacheHitRateDropRatio
        else { return 0 }
        let alert = Alert(
            key: "cache-hit-rate/all/\(yesterday.date)", kind: .cacheHitRateDegraded, severity: .warning, at: context.now, scope: "all",
            title: String(format: "cache hit rate fell to %.0f%% on %@", rate * 100, yesterday.date),
            message: String(format: "%.1f%% of input tokens were read from the prompt cache on %@, against %.1f%% over the 14 days before", rate * 100,
                            yesterday.date, usual * 100),
            data: ["value": String(format: "%.4f", rate), "baseline": String(format: "%.4f", usual), "date": yesterday.date])
        return try await alerts.raise(alert).isNew ? 1 : 0
    }
}

extension ReportTokens {
    /// Every input token: uncached, written to and read from the cache.
    var allInput: Int { input + cacheCreation + cacheRead }

    /// The share of input tokens read from the cache (`nil` without input).
    var cacheHitRate: Double? { allInput > 0 ? Double(cacheRead) / Double(allInput) : nil }

    func adding(_ other: ReportTokens) -> ReportTokens {
        ReportTokens(
            input: input + other.input, output: output + other.output, cacheCreation: cacheCreation + other.cacheCreation,
            cacheRead: cacheRead + other.cacheRead)
    }
}
