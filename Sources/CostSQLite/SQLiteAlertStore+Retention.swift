internal import CCostSQLite
public import Foundation

extension SQLiteAlertStore {
    /// What ``removeAlerts(before:)`` deleted.
    public struct Retention: Sendable, Hashable, Codable {
        public var alerts = 0
        public var attempts = 0
    }

    /// Deletes alerts raised before `date` that have no delivery still pending (their outbox rows
    /// go with them), and delivery attempts made before `date`, in one transaction. The daemon's
    /// `snapshot` job calls it with its retention (90 days by default).
    public func removeAlerts(before date: Date) throws -> Retention {
        try db.writeTransaction {
            var removed = Retention()
            let alerts = try db.cached("""
                DELETE FROM alerts WHERE at < ?
                AND NOT EXISTS (SELECT 1 FROM alert_outbox o WHERE o.alert_key = alerts.key AND o.state = 'pending')
                """)
            alerts.bind(date, at: 1)
            try alerts.step()
            removed.alerts = db.changes
            let attempts = try db.cached("DELETE FROM alert_attempts WHERE at < ?")
            attempts.bind(date, at: 1)
            try attempts.step()
            removed.attempts = db.changes
            return removed
        }
    }
}
