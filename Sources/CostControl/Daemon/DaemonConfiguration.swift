public import Foundation
import CostBudget

/// The daemon's jobs.
public enum DaemonJobName: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Budgets (a `budget-level` alert per level crossed) and key pools (`key-quota`,
    /// `pool-pressure`, the provisioner at the pool's threshold).
    case quotaCheck = "quota-check"
    /// Ledger retention (rollups kept, raw events and hourly rows aged out) and alert history retention.
    case snapshot
    /// Recommendations stored; forecasts against budgets, anomalies and the cache hit rate raised as alerts.
    case optimize
    /// Yesterday's report to the report channels.
    case report
    /// Drains the alert outbox (retries, backoff, escalations).
    case alertsDeliver = "alerts-deliver"
    /// Last week's report to the report channels.
    case weeklySummary = "weekly-summary"

    public var description: String { rawValue }

    /// The default schedule.
    public var defaultSchedule: DaemonSchedule {
        switch self {
        case .quotaCheck: .every(.seconds(3600))
        case .snapshot: .daily(hour: 0, minute: 0)
        case .optimize: .daily(hour: 1, minute: 0)
        case .report: .daily(hour: 8, minute: 0)
        case .alertsDeliver: .every(.seconds(60))
        case .weeklySummary: .weekly(weekday: 2, hour: 8, minute: 0)
        }
    }
}

/// What the daemon runs and how: the zone, each job's schedule (or off), where reports go and the
/// thresholds of its checks. Read from a JSON file (`costctl daemon --config FILE`, snake_case keys
/// like the alert rules file); every field has a default, so no file is needed.
///
/// ```json
/// {
///   "time_zone": "Europe/Berlin",
///   "jobs": {
///     "quota-check": {"every": "1h"},
///     "snapshot": {"at": "00:00"},
///     "report": {"at": "07:30"},
///     "weekly-summary": {"at": "08:00", "weekday": "monday"},
///     "alerts-deliver": {"every": "1m"},
///     "optimize": {"enabled": false}
///   },
///   "report_channels": ["ops", "mail"],
///   "lease": "15m",
///   "alert_retention_days": 90,
///   "key_quota_threshold": 0.9,
///   "sync_budgets": true,
///   "current_plan": "claude-max-20x"
/// }
/// ```
public struct DaemonConfiguration: Sendable, Hashable {
    /// The zone of daily and weekly slots, report days and forecasts (UTC by default).
    public var timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current
    /// Each enabled job's schedule (all six, at their defaults, unless changed).
    public var schedules: [DaemonJobName: DaemonSchedule] = Dictionary(
        uniqueKeysWithValues: DaemonJobName.allCases.map { ($0, $0.defaultSchedule) })
    /// The channels reports go to; `nil`: every channel that takes `info` alerts.
    public var reportChannels: [String]?
    /// How long a claimed job stays with one daemon before another may take it over (15 minutes).
    public var lease: Duration = .seconds(900)
    /// Alerts, delivery attempts and budget alert history older than this are deleted by `snapshot`.
    public var alertRetentionDays = 90
    /// A key at this share of its quota raises `key-quota`.
    public var keyQuotaThreshold = 0.9
    /// Whether `quota-check` first sets each budget's spend from the ledger (usage imported or recorded
    /// outside the Meter counts).
    public var syncBudgets = true
    /// The subscription plan the user is on, for the optimizer's plan fit (`nil`: pay as you go).
    public var currentPlan: String?
    /// A cache hit rate below this share of its 14-day baseline raises `cache-hit-rate`.
    public var cacheHitRateDropRatio = 0.5

    public init() {}

    /// A copy changed by `change`.
    public func with(_ change: (inout DaemonConfiguration) -> Void) -> DaemonConfiguration {
        var copy = self
        change(&copy)
        return copy
    }

    /// The enabled jobs, in the order a pass runs them.
    public var enabledJobs: [DaemonJobName] { DaemonJobName.allCases.filter { schedules[$0] != nil } }

    // MARK: - The file

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    private static let topKeys: Set<String> = [
        "time_zone", "jobs", "report_channels", "lease", "alert_retention_days", "key_quota_threshold", "sync_budgets",
        "current_plan", "cache_hit_rate_drop_ratio",
    ]
    private static let jobKeys: Set<String> = ["every", "at", "weekday", "enabled"]

    /// Parses a configuration file (see the type's example); missing fields keep their defaults.
    ///
    /// - throws: ``ControlError`` `.invalidInput` naming every problem (an unknown key or job, a bad
    ///   zone, duration, time or weekday).
    public static func parse(_ data: Data) throws -> DaemonConfiguration {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw ControlError(code: .invalidInput, message: "the daemon configuration is not a JSON object (see Documentation/Daemon.md)")
        }
        var problems: [String] = []
        var configuration = DaemonConfiguration()
        for key in top.keys.sorted() where !topKeys.contains(key) {
            problems.append("unknown key '\(key)' (known: \(topKeys.sorted().joined(separator: ", ")))")
        }
        if let zone = top["time_zone"] {
            if let name = zone as? String, let timeZone = TimeZone(identifier: name) {
                configuration.timeZone = timeZone
            } else {
                problems.append("time_zone '\(zone)' is not a time zone name (examples: UTC, Europe/Paris)")
            }
        }
        if let jobs = top["jobs"] {
            if let jobs = jobs as? [String: Any] {
                for (name, value) in jobs.sorted(by: { $0.key < $1.key }) {
                    guard let job = DaemonJobName(rawValue: name) else {
                        problems.append("unknown job '\(name)' (jobs: \(DaemonJobName.allCases.map(\.rawValue).joined(separator: ", ")))")
                        continue
                    }
                    guard let fields = value as? [String: Any] else {
                        problems.append("jobs.\(name) must be an object such as {\"every\": \"1h\"} or {\"at\": \"08:00\"}")
                        continue
                    }
                    do {
                        configuration.schedules[job] = try schedule(fields, job: job)
                    } catch let error as ControlError {
                        problems.append(error.message)
                    }
                }
            } else {
                problems.append("jobs must be an object of job names")
            }
        }
        if let channels = top["report_channels"] {
            if let names = channels as? [String] {
                configuration.reportChannels = names
            } else {
                problems.append("report_channels must be an array of channel names")
            }
        }
        if let lease = top["lease"] {
            if let duration = duration(lease), duration >= .seconds(10) {
                configuration.lease = duration
            } else {
                problems.append("lease '\(lease)' is not a duration of at least 10s (examples: 90s, 15m, 1h)")
            }
        }
        if let days = top["alert_retention_days"] {
            if let days = days as? Int, days >= 1 {
                configuration.alertRetentionDays = days
            } else {
                problems.append("alert_retention_days must be a whole number of days, at least 1")
            }
        }
        if let ratio = top["key_quota_threshold"] {
            if let ratio = ratio as? Double, ratio > 0, ratio <= 1 {
                configuration.keyQuotaThreshold = ratio
            } else {
                problems.append("key_quota_threshold must be a share between 0 and 1 (example: 0.9)")
            }
        }
        if let ratio = top["cache_hit_rate_drop_ratio"] {
            if let ratio = ratio as? Double, ratio > 0, ratio < 1 {
                configuration.cacheHitRateDropRatio = ratio
            } else {
                problems.append("cache_hit_rate_drop_ratio must be a share between 0 and 1 (example: 0.5)")
            }
        }
        if let sync = top["sync_budgets"] {
            if let sync = sync as? Bool {
                configuration.syncBudgets = sync
            } else {
                problems.append("sync_budgets must be true or false")
            }
        }
        if let plan = top["current_plan"], !(plan is NSNull) {
            if let plan = plan as? String {
                configuration.currentPlan = plan
            } else {
                problems.append("current_plan must be a plan id (see `costctl plans`)")
            }
        }
        guard problems.isEmpty else {
            throw ControlError(code: .invalidInput, message: "daemon configuration: " + problems.joined(separator: "; "))
        }
        return configuration
    }

    /// Reads and parses a configuration file.
    ///
    /// - throws: ``ControlError`` `.io` when it cannot be read, and as ``parse(_:)``.
    public static func load(_ path: String) throws -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ControlError(code: .io, message: "cannot read the daemon configuration file '\(path)'")
        }
        return try parse(data)
    }

    /// One job's schedule from its object; `nil` when `"enabled": false`.
    static func schedule(_ fields: [String: Any], job: DaemonJobName) throws -> DaemonSchedule? {
        let unknown = fields.keys.filter { !jobKeys.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ControlError(code: .invalidInput, message: "jobs.\(job): unknown key \(unknown.joined(separator: ", ")) (known: every, at, weekday, enabled)")
        }
        if let enabled = fields["enabled"] as? Bool, !enabled { return nil }
        if let every = fields["every"] {
            guard fields["at"] == nil, fields["weekday"] == nil else {
                throw ControlError(code: .invalidInput, message: "jobs.\(job): give either \"every\" or \"at\", not both")
            }
            guard let interval = duration(every), interval >= .seconds(1) else {
                throw ControlError(code: .invalidInput, message: "jobs.\(job).every '\(every)' is not a duration (examples: 1m, 15m, 1h, 1d)")
            }
            return .every(interval)
        }
        var hour = 0
        var minute = 0
        if let at = fields["at"] {
            guard let text = at as? String, let parsed = clockTime(text) else {
                throw ControlError(code: .invalidInput, message: "jobs.\(job).at '\(at)' is not a time HH:MM (example: 08:00)")
            }
            (hour, minute) = parsed
        } else if fields["weekday"] == nil {
            return job.defaultSchedule
        } else if case .weekly(_, let h, let m) = job.defaultSchedule {
            (hour, minute) = (h, m)
        }
        if let weekday = fields["weekday"] {
            guard let name = weekday as? String, let index = weekdayNames.firstIndex(of: name.lowercased()) else {
                throw ControlError(code: .invalidInput, message: "jobs.\(job).weekday '\(weekday)' is not a day name (monday … sunday)")
            }
            return .weekly(weekday: index + 1, hour: hour, minute: minute)
        }
        return .daily(hour: hour, minute: minute)
    }

    /// `90s`, `15m`, `2h`, `1d`, or a number of seconds.
    static func duration(_ value: Any) -> Duration? {
        if let seconds = value as? Int { return seconds > 0 ? .seconds(seconds) : nil }
        guard let text = (value as? String)?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let unit = text.last.flatMap { units[$0] }
        guard let number = Int64(unit == nil ? text : String(text.dropLast())), number > 0, number <= 366 * 86_400 else { return nil }
        return .seconds(number * (unit ?? 1))
    }

    /// `HH:MM` (24-hour clock).
    static func clockTime(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return (hour, minute)
    }

    /// `1h`, `15m`, `90s`, `2d`.
    static func durationText(_ duration: Duration) -> String {
        let seconds = Int64(duration.seconds.rounded())
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
