public import CostBudget
public import CostOptimizer
public import CostPricing
public import CostRotation
public import Foundation
public import Logging

/// Everything the daemon's jobs work on: the stores of one database, the alert center, the
/// catalogs, the reporter, the configuration and the clock. ``jobs()`` makes the six standard
/// jobs from it.
///
/// For example:
/// ```swift
/// let services = DaemonServices(ledger: ledger, alertHistory: ledger, budgets: budgets, alerts: center,
///                               recommendations: recommendations, catalog: catalog, plans: try PlanCatalog.bundled(),
///                               reporter: .operations(ledger: ledger, budgets: budgets, recommendations: recommendations),
///                               configuration: configuration, clock: SystemDaemonClock())
/// let scheduler = DaemonScheduler(jobs: services.jobs(), store: jobStore, clock: services.clock, …)
/// ```
public struct DaemonServices: Sendable {
    public var ledger: any UsageLedger
    /// The budget alert history (the ledger's file keeps it: `SQLiteUsageLedger` is one).
    public var alertHistory: any AlertHistoryStore
    public var budgets: any BudgetStore
    /// Key pools to watch (`nil`: none).
    public var keys: (any KeyStore)?
    /// The pools' provisioners (`nil`: no provisioning).
    public var provisioners: (any ProvisionerSettingsStore)?
    /// Seals provisioned keys (`nil`: no master key, no provisioning).
    public var sealer: (any SecretSealer)?
    public var alerts: AlertCenter
    public var recommendations: any RecommendationStore
    public var catalog: PriceCatalog
    public var plans: PlanCatalog
    public var reporter: DaemonReporter
    public var configuration: DaemonConfiguration
    public var clock: any DaemonClock

    public init(
        ledger: any UsageLedger, alertHistory: any AlertHistoryStore, budgets: any BudgetStore, keys: (any KeyStore)? = nil,
        provisioners: (any ProvisionerSettingsStore)? = nil, sealer: (any SecretSealer)? = nil, alerts: AlertCenter,
        recommendations: any RecommendationStore, catalog: PriceCatalog, plans: PlanCatalog, reporter: DaemonReporter,
        configuration: DaemonConfiguration, clock: any DaemonClock
    ) {
        self.ledger = ledger
        self.alertHistory = alertHistory
        self.budgets = budgets
        self.keys = keys
        self.provisioners = provisioners
        self.sealer = sealer
        self.alerts = alerts
        self.recommendations = recommendations
        self.catalog = catalog
        self.plans = plans
        self.reporter = reporter
        self.configuration = configuration
        self.clock = clock
    }

    /// The enabled standard jobs with their configured schedules.
    public func jobs() -> [DaemonJob] {
        configuration.enabledJobs.compactMap { name in
            guard let schedule = configuration.schedules[name] else { return nil }
            return DaemonJob(name: name.rawValue, schedule: schedule) { context in try await run(name, context) }
        }
    }

    /// A scheduler over ``jobs()`` whose failures raise `daemon-job-failed`.
    public func scheduler(store: any DaemonJobStore, owner: String = DaemonScheduler.makeOwner(), logger: Logger) -> DaemonScheduler {
        DaemonScheduler(
            jobs: jobs(), store: store, clock: clock, timeZone: configuration.timeZone, owner: owner, lease: configuration.lease,
            logger: logger, onFailure: { result in await raiseFailure(result, logger: logger) })
    }

    /// The work of one job.
    func run(_ name: DaemonJobName, _ context: DaemonJobContext) async throws -> [String: String] {
        switch name {
        case .quotaCheck: try await quotaCheck(context)
        case .snapshot: try await snapshot(context)
        case .optimize: try await optimize(context)
        case .report: try await report(.daily, context)
        case .weeklySummary: try await report(.weekly, context)
        case .alertsDeliver: try await deliver(context)
        }
    }

    /// Raises `daemon-job-failed` for a failed run (key `daemon-job-failed/<job>/<slot ms>`).
    func raiseFailure(_ result: DaemonRunResult, logger: Logger) async {
        let alert = Alert(
            key: "daemon-job-failed/\(result.job)/\(Alert.milliseconds(result.slot))", kind: .daemonJobFailed, severity: .warning,
            at: result.finishedAt ?? clock.now, scope: "job=\(result.job)", title: "daemon job '\(result.job)' failed",
            message: "the \(result.job) run of \(DaemonScheduler.iso(result.slot)) failed: \(result.error ?? "unknown error"); it runs again at its next slot",
            data: ["job": result.job, "slot": DaemonScheduler.iso(result.slot), "error": result.error ?? ""])
        do {
            try await alerts.raise(alert)
        } catch {
            logger.error("cannot raise daemon-job-failed", metadata: ["job": .string(result.job), "error": .string(String(describing: error))])
        }
    }

    // MARK: - snapshot, report, alerts-deliver

    /// Ledger retention (`compact`) and alert retention.
    func snapshot(_ context: DaemonJobContext) async throws -> [String: String] {
        let compacted = try await ledger.compact(now: context.now)
        let cutoff = context.now.addingTimeInterval(-Double(configuration.alertRetentionDays) * 86_400)
        let removed = try await alerts.store.removeAlerts(before: cutoff)
        let budgetAlerts = try await alertHistory.removeAlerts(before: cutoff)
        return [
            "raw_events_deleted": String(compacted.rawEventsDeleted), "hourly_rows_deleted": String(compacted.hourlyRowsDeleted),
            "alerts_deleted": String(removed.alerts), "attempts_deleted": String(removed.attempts),
            "budget_alerts_deleted": String(budgetAlerts),
        ]
    }

    /// The previous day's (week's) report, queued for the report channels under `report:<period>:<date>`.
    func report(_ period: DaemonReportRequest.Period, _ context: DaemonJobContext) async throws -> [String: String] {
        let request = DaemonReportRequest.previous(period, before: context.slot, in: configuration.timeZone)
        let channels = try await reportChannels()
        guard !channels.isEmpty else {
            context.logger.warning("no channel takes reports: add one (costctl alerts channel add) or set report_channels")
            return ["key": request.key, "queued": "0"]
        }
        let report = try await reporter.make(request)
        let result = try await alerts.enqueueReport(report.alert(for: request, at: context.now), channels: channels, at: context.now)
        return ["key": request.key, "queued": String(result.queued.count), "channels": result.queued.joined(separator: ",")]
    }

    /// The configured report channels (checked to exist), or every channel that takes `info` alerts.
    func reportChannels() async throws -> [String] {
        let known = try await alerts.channels()
        guard let names = configuration.reportChannels else {
            return known.filter { $0.minimumSeverity == .info }.map(\.name)
        }
        let missing = names.filter { name in !known.contains { $0.name == name } }
        guard missing.isEmpty else {
            throw ControlError(
                code: .invalidInput,
                message: "report_channels names \(missing.joined(separator: ", ")), which is not an alert channel (see `costctl alerts channel list`)")
        }
        return names
    }

    func deliver(_ context: DaemonJobContext) async throws -> [String: String] {
        let report = try await alerts.deliver()
        return [
            "attempted": String(report.attempted), "delivered": String(report.delivered), "retrying": String(report.retrying),
            "failed": String(report.failed), "rate_limited": String(report.rateLimited), "escalated": String(report.escalated),
        ]
    }
}

extension AlertCenter {
    /// Queues a report alert for `channels` directly (reports are not routed by the alert rules),
    /// once per key and channel.
    ///
    /// - throws: ``SQLiteError``.
    @discardableResult
    public func enqueueReport(_ alert: Alert, channels: [String], at instant: Date) async throws -> AlertEnqueueResult {
        let routes = channels.map { AlertRoute(channel: $0, notBefore: instant, coolDownSeconds: 0, reason: "report") }
        return try await store.enqueue(alert, routes: routes, at: instant)
    }
}
