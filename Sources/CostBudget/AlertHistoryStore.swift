public import Foundation

/// Which stored alerts to read.
public struct AlertQuery: Sendable, Hashable {
    /// Only this budget's alerts.
    public var budget: String?
    /// Alerts at or after this instant.
    public var since: Date?
    /// Alerts before this instant.
    public var until: Date?
    /// Only alerts at least this severe.
    public var minimumSeverity: AlertSeverity?
    /// At most this many, newest first.
    public var limit: Int?

    public init(
        budget: String? = nil, since: Date? = nil, until: Date? = nil, minimumSeverity: AlertSeverity? = nil,
        limit: Int? = nil
    ) {
        self.budget = budget
        self.since = since
        self.until = until
        self.minimumSeverity = minimumSeverity
        self.limit = limit
    }

    /// Whether `alert` passes.
    public func matches(_ alert: BudgetAlert) -> Bool {
        if let budget, alert.budget != budget { return false }
        if let since, alert.at < since { return false }
        if let until, alert.at >= until { return false }
        if let minimumSeverity, alert.severity < minimumSeverity { return false }
        return true
    }
}

/// The stored history of budget alerts, and the deduplication rule, applied atomically.
///
/// **The rule** (``record(_:coolDown:)``): an alert for a budget's level is stored when no alert of
/// the same budget, level and period (``BudgetAlert/periodStart``; rolling windows have one
/// period, `nil`) is stored yet; when one is, the new alert is stored as a repeat only if at least
/// `coolDown` has passed since the latest of them; otherwise it is suppressed. Checking and storing
/// is one call, so several processes sharing one store do not both send the same alert.
///
/// Implementations: ``MemoryAlertHistoryStore``; `SQLiteUsageLedger` in CostSQLite (table
/// `budget_alerts`, in the ledger's file).
public protocol AlertHistoryStore: Sendable {
    /// Stores `alert` when the rule lets it through and returns it as stored (``BudgetAlert/isRepeat``
    /// set when the level already alerted in the period); `nil` when it was suppressed.
    func record(_ alert: BudgetAlert, coolDown: Duration) async throws -> BudgetAlert?
    /// Stored alerts that match, newest first.
    func alerts(matching query: AlertQuery) async throws -> [BudgetAlert]
    /// Deletes alerts from before `date`; returns how many.
    func removeAlerts(before date: Date) async throws -> Int
}

extension AlertHistoryStore {
    /// Every stored alert, newest first.
    public func alerts() async throws -> [BudgetAlert] { try await alerts(matching: AlertQuery()) }
}

/// The deduplication rule, for implementations: what to store given the latest stored alert of the
/// same budget, level and period.
extension BudgetAlert {
    /// `self` as it should be stored after `latest` (the latest stored alert of the same budget,
    /// level and period), or `nil` when it is suppressed by the cool-down.
    public func deduplicated(after latest: Date?, coolDown: Duration) -> BudgetAlert? {
        guard let latest else {
            var first = self
            first.isRepeat = false
            return first
        }
        guard at.timeIntervalSince(latest) >= coolDown.seconds else { return nil }
        var repeated = self
        repeated.isRepeat = true
        return repeated
    }
}

/// An ``AlertHistoryStore`` in memory (tests, one process without a database).
public actor MemoryAlertHistoryStore: AlertHistoryStore {
    /// Oldest first.
    private var stored: [BudgetAlert] = []

    public init() {}

    public func record(_ alert: BudgetAlert, coolDown: Duration) -> BudgetAlert? {
        let latest = stored.last {
            $0.budget == alert.budget && $0.level == alert.level && $0.periodStart == alert.periodStart
        }
        guard let accepted = alert.deduplicated(after: latest?.at, coolDown: coolDown) else { return nil }
        let index = stored.lastIndex { $0.at <= accepted.at }.map { $0 + 1 } ?? 0
        stored.insert(accepted, at: index)
        return accepted
    }

    public func alerts(matching query: AlertQuery) -> [BudgetAlert] {
        let newest = stored.reversed().filter(query.matches)
        guard let limit = query.limit else { return newest }
        return Array(newest.prefix(max(0, limit)))
    }

    public func removeAlerts(before date: Date) -> Int {
        let before = stored.count
        stored.removeAll { $0.at < date }
        return before - stored.count
    }
}
