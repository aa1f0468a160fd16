public import Foundation

/// How urgent an alert is, from the level a budget crossed.
///
/// | Severity | Levels | Why |
/// | --- | --- | --- |
/// | `info` | warning, notification | nothing changes for callers yet |
/// | `warning` | throttling, model downgrade, provider switch | callers are slowed down or moved to other models |
/// | `critical` | request queue, emergency, hard stop | requests are deferred or refused |
public enum AlertSeverity: String, Sendable, Hashable, CaseIterable, Comparable, Codable, CustomStringConvertible {
    case info
    case warning
    case critical

    /// The severity of an alert for `level` (see the table on the type).
    public init(level: LadderLevel) {
        switch level {
        case .warning, .notification: self = .info
        case .throttling, .modelDowngrade, .providerSwitch: self = .warning
        case .requestQueue, .emergency, .hardStop: self = .critical
        }
    }

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }
}

/// A budget crossed a level of its ladder: what an ``AlertSink`` receives and an
/// ``AlertHistoryStore`` keeps.
///
/// For example:
/// ```swift
/// let alert = BudgetAlert(state: state, level: .throttling, at: Date())
/// print(alert.message)   // budget 'team-search' (team=search) reached throttling (90%): $0.90 of $1.00 (90.0%)
/// ```
public struct BudgetAlert: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var budget: String
    /// The budget's scope, as text (`team=search provider=openai`).
    public var scope: String
    /// The level crossed (the highest one reached when several were crossed at once).
    public var level: LadderLevel
    public var severity: AlertSeverity
    /// Where the level starts.
    public var threshold: Threshold
    /// Spent + held when the level was seen, in the budget's measure.
    public var used: Int128
    public var limit: BudgetLimit
    /// The period the alert belongs to (`nil` for a rolling window, which has no periods).
    public var period: PeriodWindow?
    /// When the crossing was seen.
    public var at: Date
    /// Whether this level already alerted in the same period (sent again after the cool-down).
    public var isRepeat: Bool

    public init(
        id: UUID = BudgetHold.makeID(), budget: String, scope: String, level: LadderLevel, severity: AlertSeverity? = nil,
        threshold: Threshold, used: Int128, limit: BudgetLimit, period: PeriodWindow?, at: Date, isRepeat: Bool = false
    ) {
        self.id = id
        self.budget = budget
        self.scope = scope
        self.level = level
        self.severity = severity ?? AlertSeverity(level: level)
        self.threshold = threshold
        self.used = used
        self.limit = limit
        self.period = period
        self.at = at
        self.isRepeat = isRepeat
    }

    /// The alert for `level` of a budget in `state` at `instant`.
    public init(state: BudgetState, level: LadderLevel, at instant: Date) {
        let budget = state.budget
        self.init(
            budget: budget.name, scope: budget.scope.description, level: level,
            threshold: budget.profile.threshold(of: level) ?? Threshold(basisPoints: 0), used: state.usedUnits,
            limit: budget.limit, period: budget.period.isRolling ? nil : state.window, at: instant)
    }

    /// The start of the alert's period, the key alerts are deduplicated by (`nil` for rolling windows).
    public var periodStart: Date? { period?.start }

    /// `used / limit` (display only).
    public var utilization: Double { used.approximateDouble / limit.units.approximateDouble }

    /// One line for people: which budget, which level, how much of the limit.
    public var message: String {
        let percent = (utilization * 1000).rounded() / 10
        let again = isRepeat ? " again" : ""
        return "budget '\(budget)' (\(scope)) reached \(level) (\(threshold))\(again): \(limit.format(used)) of \(limit) (\(percent)%)"
    }
}

/// Where alerts go: a webhook, a log, a chat channel, a test's list.
///
/// ``BudgetAlertMonitor`` calls ``deliver(_:)`` from its own task, one alert at a time, after the
/// alert was stored; an error is counted by the monitor and does not stop other sinks.
public protocol AlertSink: Sendable {
    /// Delivers one alert.
    ///
    /// - throws: whatever the destination reports; the monitor counts it and carries on.
    func deliver(_ alert: BudgetAlert) async throws
}

/// An ``AlertSink`` that keeps every alert in memory, in delivery order (tests, examples, a status page).
///
/// For example:
/// ```swift
/// let sink = MemoryAlertSink()
/// let monitor = BudgetAlertMonitor(budgets: store, history: MemoryAlertHistoryStore(), sinks: [sink])
/// // … after some metered calls:
/// await monitor.flush()
/// for alert in await sink.alerts { print(alert.severity, alert.message) }
/// ```
public actor MemoryAlertSink: AlertSink {
    public private(set) var alerts: [BudgetAlert] = []

    public init() {}

    public func deliver(_ alert: BudgetAlert) {
        alerts.append(alert)
    }
}
