public import Foundation

/// What an ``Alert`` is about.
public enum AlertKind: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A budget crossed a level of its ladder (``BudgetAlert``).
    case budgetLevel = "budget-level"
    /// A budget's projection says it will be exceeded before its period ends.
    case budgetForecast = "budget-forecast"
    /// Spend far outside its usual range.
    case costAnomaly = "cost-anomaly"
    /// Requests or tokens far above their usual rate.
    case usageSpike = "usage-spike"
    /// Errors rose well above their usual share of requests.
    case errorRateSurge = "error-rate-surge"
    /// Rate-limit answers (429) rose well above their usual share of requests.
    case rateLimitSurge = "rate-limit-surge"
    /// A key is close to the end of its quota.
    case keyQuotaNearLimit = "key-quota"
    /// A key pool is short of keys.
    case poolPressure = "pool-pressure"
    /// A provider refused a key (401/403).
    case keyInvalid = "key-invalid"
    /// The cache hit rate fell below its usual level.
    case cacheHitRateDegraded = "cache-hit-rate"
    /// Provisioning a key failed (an attempt, or for good).
    case provisioningFailed = "provisioning-failed"
    /// A provisioner gave a key and it joined its pool.
    case keyProvisioned = "key-provisioned"
    /// A scheduled job of the daemon failed.
    case daemonJobFailed = "daemon-job-failed"
    /// Raised by hand (`costctl alerts raise`, `costctl alerts channel test`).
    case manual
    /// A scheduled report (the daemon's `report` and `weekly-summary` jobs): its text, Markdown and
    /// JSON travel in ``Alert/data`` (``Alert/reportTextKey`` and the two beside it).
    case report
    /// An action the user opted into (`costctl recommend auto --enable …`) was carried out, or failed.
    case autoAction = "auto-action"

    public var description: String { rawValue }
}

/// Something a person should hear about, as data: kind, severity, scope, a message and details,
/// under an idempotency key that names it across retries and processes.
///
/// The ``key`` is what receivers deduplicate by (the generic webhook's `X-Costctl-Idempotency-Key`,
/// PagerDuty's `dedup_key`): the same event seen twice makes the same key, so it is stored and
/// sent once.
///
/// For example:
/// ```swift
/// let alert = Alert(budget: budgetAlert)          // from the budget monitor
/// let other = Alert(key: "job/report/2026-11-22", kind: .daemonJobFailed, severity: .warning,
///                   at: Date(), scope: "job=report", title: "report failed", message: "…")
/// ```
public struct Alert: Sendable, Hashable, Codable, Identifiable {
    /// The idempotency key (at most 255 characters, no control characters).
    public var key: String
    public var kind: AlertKind
    public var severity: AlertSeverity
    /// When it happened (UTC).
    public var at: Date
    /// What it is about, as text (`team=search`, `pool=anthropic`, `key=k3`).
    public var scope: String
    /// One short line.
    public var title: String
    /// One or a few lines for people.
    public var message: String
    /// Details for machines (numbers as decimal strings).
    public var data: [String: String]

    public var id: String { key }

    public init(
        key: String, kind: AlertKind, severity: AlertSeverity, at: Date, scope: String, title: String, message: String,
        data: [String: String] = [:]
    ) {
        self.key = key
        self.kind = kind
        self.severity = severity
        self.at = at
        self.scope = scope
        self.title = title
        self.message = message
        self.data = data
    }

    /// Whether the key is usable: 1 to 255 characters, none of them control characters.
    public var hasValidKey: Bool {
        !key.isEmpty && key.count <= 255 && !key.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The ``data`` entries of a ``AlertKind/report`` alert: the report as plain text (email), as
    /// Markdown (Slack, Discord, Teams) and as JSON (the generic webhook, the command hook).
    public static let reportTextKey = "report_text"
    public static let reportMarkdownKey = "report_markdown"
    public static let reportJSONKey = "report_json"

    /// Milliseconds since 1970, the form instants take in keys.
    package static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}

extension Alert {
    /// The alert for a budget's crossing: kind ``AlertKind/budgetLevel``, the budget alert's
    /// severity, key `budget-level/<budget>/<level>/<period start ms | rolling>` (and
    /// `/repeat-<ms>` for a repeat after the cool-down), so one crossing is one alert.
    public init(budget alert: BudgetAlert) {
        let period = alert.periodStart.map { String(Self.milliseconds($0)) } ?? "rolling"
        var key = "budget-level/\(alert.budget)/\(alert.level)/\(period)"
        if alert.isRepeat { key += "/repeat-\(Self.milliseconds(alert.at))" }
        var data = [
            "budget": alert.budget, "level": alert.level.description, "threshold": alert.threshold.description,
            "used": alert.limit.format(alert.used), "limit": alert.limit.description,
            "utilization": String(format: "%.4f", alert.utilization),
        ]
        if let period = alert.period {
            data["period_start"] = ISO8601DateFormatter().string(from: period.start)
        }
        self.init(
            key: key, kind: .budgetLevel, severity: alert.severity, at: alert.at, scope: "budget=\(alert.budget) \(alert.scope)",
            title: "budget '\(alert.budget)' reached \(alert.level)", message: alert.message, data: data)
    }
}
