internal import CCostSQLite
public import CostBudget
public import Foundation

/// A notification channel as stored: its kind, its sealed target (URL, routing key, SMTP URL or
/// command path, with any signing secret), the masked form shown to people, the minimum severity
/// it takes, options that hold no secret (JSON), and its rate limit.
public struct StoredAlertChannel: Sendable, Hashable {
    public var name: String
    public var kind: String
    /// What the vault sealed, with the channel's name as associated data. Never plain text.
    public var sealed: Data
    public var masked: String
    public var minimumSeverity: AlertSeverity
    /// JSON; no secret.
    public var options: Data
    /// Deliveries per minute at most (0: no limit).
    public var ratePerMinute: Int
    public var createdAt: Date

    public init(
        name: String, kind: String, sealed: Data, masked: String, minimumSeverity: AlertSeverity, options: Data,
        ratePerMinute: Int, createdAt: Date
    ) {
        self.name = name
        self.kind = kind
        self.sealed = sealed
        self.masked = masked
        self.minimumSeverity = minimumSeverity
        self.options = options
        self.ratePerMinute = ratePerMinute
        self.createdAt = createdAt
    }
}

/// One row of the outbox: an alert that has to reach a channel.
public struct AlertDelivery: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case pending, delivered, failed
    }

    public var id: Int64
    public var alertKey: String
    public var channel: String
    /// The rule that routed it (`severity` without rules, `escalation:<rule>`, `test`).
    public var reason: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
}

/// One attempt to deliver, kept for `costctl alerts history`.
public struct AlertAttempt: Sendable, Hashable, Codable {
    public var at: Date
    public var alertKey: String
    public var channel: String
    public var attempt: Int
    public var succeeded: Bool
    /// What went wrong (an HTTP status, a refused SMTP command, an exit status); never a secret.
    public var detail: String?
}

/// A stored alert, with who acknowledged it and its deliveries.
public struct StoredAlert: Sendable, Hashable {
    public var alert: Alert
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var deliveries: [AlertDelivery]
}

/// What ``SQLiteAlertStore/enqueue(_:routes:at:)`` did.
public struct AlertEnqueueResult: Sendable, Hashable {
    /// False when an alert with the same key was stored already (nothing changed but new routes).
    public var isNew: Bool
    /// Channels that got an outbox row.
    public var queued: [String]
    /// Channels skipped by a rule's cool-down.
    public var coolingDown: [String]
}

/// Alerts, their outbox and delivery attempts, notification channels and rules, in the ledger's
/// database file (migration `0010-alerts`), shared by every process that opens it.
///
/// Enqueueing an alert is one write transaction (the alert and one outbox row per route, `INSERT
/// OR IGNORE` on the alert's idempotency key and on (alert, channel), so the same alert raised
/// twice is stored and queued once). A deliverer ``claim(at:limit:lease:)``s due rows — a lease in
/// the row, so two deliverers never send the same row at once — and ``finish(_:attempt:at:succeeded:detail:retryAt:)``s
/// each; a delivered row is never claimed again.
///
/// For example:
/// ```swift
/// let store = try SQLiteAlertStore(path: ControlPaths().database.path)
/// _ = try await store.enqueue(alert, routes: routes, at: Date())
/// for row in try await store.claim(at: Date(), limit: 50, lease: .seconds(120)) { … }
/// ```
public actor SQLiteAlertStore {
    public nonisolated let path: String
    let db: Connection

    /// Migration `0010-alerts`.
    static let schemaSQL = """
        CREATE TABLE alert_channels (
            name TEXT PRIMARY KEY, kind TEXT NOT NULL, sealed BLOB NOT NULL, masked TEXT NOT NULL,
            min_severity TEXT NOT NULL, options TEXT NOT NULL, rate_per_minute INTEGER NOT NULL, created_at REAL NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE alert_rules (name TEXT PRIMARY KEY, rule TEXT NOT NULL, updated_at REAL NOT NULL) STRICT, WITHOUT ROWID;
        CREATE TABLE alerts (
            key TEXT PRIMARY KEY, kind TEXT NOT NULL, severity TEXT NOT NULL, scope TEXT NOT NULL, title TEXT NOT NULL,
            message TEXT NOT NULL, data TEXT NOT NULL, at REAL NOT NULL, acked_at REAL, acked_by TEXT
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX alerts_at ON alerts(at);
        CREATE INDEX alerts_kind_scope ON alerts(kind, scope, at);
        CREATE TABLE alert_outbox (
            id INTEGER PRIMARY KEY, alert_key TEXT NOT NULL REFERENCES alerts(key) ON DELETE CASCADE,
            channel TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
            next_attempt_at REAL NOT NULL, lease_until REAL, last_error TEXT, delivered_at REAL, created_at REAL NOT NULL,
            UNIQUE (alert_key, channel)
        ) STRICT;
        CREATE INDEX alert_outbox_due ON alert_outbox(state, next_attempt_at);
        CREATE TABLE alert_attempts (
            id INTEGER PRIMARY KEY, alert_key TEXT NOT NULL, channel TEXT NOT NULL, attempt INTEGER NOT NULL,
            at REAL NOT NULL, ok INTEGER NOT NULL, detail TEXT
        ) STRICT;
        CREATE INDEX alert_attempts_channel ON alert_attempts(channel, at);
        """

    /// Opens (creating it, its directory and the schema if needed) the database at `path`.
    ///
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`).
    public init(path: String) throws {
        db = try Connection.sharedStore(path: path, durability: .full)
        self.path = path
    }

    // MARK: - Channels

    /// Adds a channel, or replaces the one of the same name.
    public func saveChannel(_ channel: StoredAlertChannel) throws {
        try db.writeTransaction {
            let statement = try db.cached("""
                INSERT INTO alert_channels (name, kind, sealed, masked, min_severity, options, rate_per_minute, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, sealed = excluded.sealed, masked = excluded.masked,
                    min_severity = excluded.min_severity, options = excluded.options, rate_per_minute = excluded.rate_per_minute
                """)
            statement.bind(channel.name, at: 1)
            statement.bind(channel.kind, at: 2)
            statement.bind(channel.sealed, at: 3)
            statement.bind(channel.masked, at: 4)
            statement.bind(channel.minimumSeverity.rawValue, at: 5)
            statement.bind(String(decoding: channel.options, as: UTF8.self), at: 6)
            statement.bind(channel.ratePerMinute, at: 7)
            statement.bind(channel.createdAt, at: 8)
            try statement.step()
        }
    }

    /// Every channel, by name.
    public func channels() throws -> [StoredAlertChannel] {
        try db.readTransaction {
            let statement = try db.cached("""
                SELECT name, kind, sealed, masked, min_severity, options, rate_per_minute, created_at FROM alert_channels ORDER BY name
                """)
            var channels: [StoredAlertChannel] = []
            while try statement.step() {
                channels.append(StoredAlertChannel(
                    name: statement.text(0) ?? "", kind: statement.text(1) ?? "", sealed: statement.blob(2), masked: statement.text(3) ?? "",
                    minimumSeverity: AlertSeverity(rawValue: statement.text(4) ?? "") ?? .info, options: Data((statement.text(5) ?? "{}").utf8),
                    ratePerMinute: statement.int(6), createdAt: statement.date(7)))
            }
            return channels
        }
    }

    /// Removes a channel; false when there is none of that name. Its pending deliveries fail.
    public func removeChannel(name: String, at instant: Date) throws -> Bool {
        try db.writeTransaction {
            let delete = try db.cached("DELETE FROM alert_channels WHERE name = ?")
            delete.bind(name, at: 1)
            try delete.step()
            guard db.changes == 1 else { return false }
            let fail = try db.cached("""
                UPDATE alert_outbox SET state = 'failed', last_error = 'the channel was removed', lease_until = NULL
                WHERE channel = ? AND state = 'pending'
                """)
            fail.bind(name, at: 1)
            try fail.step()
            return true
        }
    }

    // MARK: - Rules

    /// Adds rules, or replaces those of the same names, in one transaction.
    public func saveRules(_ rules: [AlertRule], at instant: Date) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try rules.map { ($0.name, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        try db.writeTransaction {
            for (name, json) in encoded {
                let statement = try db.cached("""
                    INSERT INTO alert_rules (name, rule, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at
                    """)
                statement.bind(name, at: 1)
                statement.bind(json, at: 2)
                statement.bind(instant, at: 3)
                try statement.step()
            }
        }
    }

    /// Every rule, by name.
    public func rules() throws -> [AlertRule] {
        let rows: [String] = try db.readTransaction {
            let statement = try db.cached("SELECT rule FROM alert_rules ORDER BY name")
            var rows: [String] = []
            while try statement.step() { rows.append(statement.text(0) ?? "") }
            return rows
        }
        return try rows.map { try JSONDecoder().decode(AlertRule.self, from: Data($0.utf8)) }
    }

    /// Removes a rule; false when there is none of that name.
    public func removeRule(name: String) throws -> Bool {
        try db.writeTransaction {
            let delete = try db.cached("DELETE FROM alert_rules WHERE name = ?")
            delete.bind(name, at: 1)
            try delete.step()
            return db.changes == 1
        }
    }

    // MARK: - Alerts and the outbox

    /// Stores `alert` (once per key) and queues it for each route's channel (once per channel), in
    /// one transaction. A route with a cool-down is skipped when the same channel got an alert of
    /// the same kind and scope (another key) within it.
    public func enqueue(_ alert: Alert, routes: [AlertRoute], at instant: Date) throws -> AlertEnqueueResult {
        let data = String(decoding: try JSONEncoder.sorted.encode(alert.data), as: UTF8.self)
        return try db.writeTransaction {
            let insert = try db.cached("""
                INSERT OR IGNORE INTO alerts (key, kind, severity, scope, title, message, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            insert.bind(alert.key, at: 1)
            insert.bind(alert.kind.rawValue, at: 2)
            insert.bind(alert.severity.rawValue, at: 3)
            insert.bind(alert.scope, at: 4)
            insert.bind(alert.title, at: 5)
            insert.bind(alert.message, at: 6)
            insert.bind(data, at: 7)
            insert.bind(alert.at, at: 8)
            try insert.step()
            var result = AlertEnqueueResult(isNew: db.changes == 1, queued: [], coolingDown: [])
            for route in routes {
                if route.coolDownSeconds > 0 {
                    let recent = try db.cached("""
                        SELECT 1 FROM alert_outbox o JOIN alerts a ON a.key = o.alert_key
                        WHERE o.channel = ? AND a.kind = ? AND a.scope = ? AND a.key <> ? AND o.created_at > ? LIMIT 1
                        """)
                    recent.bind(route.channel, at: 1)
                    recent.bind(alert.kind.rawValue, at: 2)
                    recent.bind(alert.scope, at: 3)
                    recent.bind(alert.key, at: 4)
                    recent.bind(instant.addingTimeInterval(-Double(route.coolDownSeconds)), at: 5)
                    if try recent.step() {
                        result.coolingDown.append(route.channel)
                        continue
                    }
                }
                let queue = try db.cached("""
                    INSERT OR IGNORE INTO alert_outbox (alert_key, channel, reason, state, attempts, next_attempt_at, created_at)
                    VALUES (?, ?, ?, 'pending', 0, ?, ?)
                    """)
                queue.bind(alert.key, at: 1)
                queue.bind(route.channel, at: 2)
                queue.bind(route.reason, at: 3)
                queue.bind(route.notBefore, at: 4)
                queue.bind(instant, at: 5)
                try queue.step()
                if db.changes == 1 { result.queued.append(route.channel) }
            }
            return result
        }
    }

    /// Takes up to `limit` due rows (pending, due, not leased by another deliverer), leases them
    /// until `instant + lease`, and returns them with their alerts, oldest first.
    public func claim(at instant: Date, limit: Int, lease: Duration) throws -> [(delivery: AlertDelivery, alert: Alert)] {
        try db.writeTransaction {
            let select = try db.cached("""
                SELECT \(Self.deliveryColumns) FROM alert_outbox
                WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                ORDER BY next_attempt_at, id LIMIT ?
                """)
            select.bind(instant, at: 1)
            select.bind(instant, at: 2)
            select.bind(limit, at: 3)
            var rows: [AlertDelivery] = []
            while try select.step() { rows.append(Self.delivery(select)) }
            var claimed: [(AlertDelivery, Alert)] = []
            for row in rows {
                let update = try db.cached("UPDATE alert_outbox SET lease_until = ? WHERE id = ?")
                update.bind(instant.addingTimeInterval(lease.seconds), at: 1)
                update.bind(row.id, at: 2)
                try update.step()
                if let alert = try readAlert(key: row.alertKey)?.alert { claimed.append((row, alert)) }
            }
            return claimed
        }
    }

    /// Records an attempt on a claimed row: delivered, or failed and retried at `retryAt`, or
    /// failed for good when `retryAt` is `nil`.
    public func finish(
        _ id: Int64, attempt: Int, at instant: Date, succeeded: Bool, detail: String?, retryAt: Date?
    ) throws {
        try db.writeTransaction {
            let row = try db.cached("SELECT alert_key, channel FROM alert_outbox WHERE id = ?")
            row.bind(id, at: 1)
            guard try row.step() else { return }
            let key = row.text(0) ?? ""
            let channel = row.text(1) ?? ""
            let log = try db.cached("INSERT INTO alert_attempts (alert_key, channel, attempt, at, ok, detail) VALUES (?, ?, ?, ?, ?, ?)")
            log.bind(key, at: 1)
            log.bind(channel, at: 2)
            log.bind(attempt, at: 3)
            log.bind(instant, at: 4)
            log.bind(succeeded ? 1 : 0, at: 5)
            log.bind(detail, at: 6)
            try log.step()
            let update = try db.cached("""
                UPDATE alert_outbox SET attempts = ?, state = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, lease_until = NULL
                WHERE id = ?
                """)
            update.bind(attempt, at: 1)
            update.bind(succeeded ? "delivered" : (retryAt == nil ? "failed" : "pending"), at: 2)
            update.bind(retryAt ?? instant, at: 3)
            update.bind(succeeded ? nil : detail, at: 4)
            update.bind(succeeded ? instant : nil, at: 5)
            update.bind(id, at: 6)
            try update.step()
        }
    }

    /// Puts a claimed row back without an attempt (a channel's rate limit): due again at `retryAt`.
    public func postpone(_ id: Int64, until retryAt: Date) throws {
        try db.writeTransaction {
            let update = try db.cached("UPDATE alert_outbox SET next_attempt_at = ?, lease_until = NULL WHERE id = ?")
            update.bind(retryAt, at: 1)
            update.bind(id, at: 2)
            try update.step()
        }
    }

    /// Successful deliveries to `channel` at or after `since` (the rate limit's count).
    public func deliveredCount(channel: String, since: Date) throws -> Int {
        try db.readTransaction {
            let statement = try db.cached("SELECT COUNT(*) FROM alert_attempts WHERE channel = ? AND ok = 1 AND at >= ?")
            statement.bind(channel, at: 1)
            statement.bind(since, at: 2)
            return try statement.step() ? statement.int(0) : 0
        }
    }

    /// Acknowledges an alert; false when there is no alert with that key or it was acknowledged already.
    public func acknowledge(key: String, by actor: String, at instant: Date) throws -> Bool {
        try db.writeTransaction {
            let update = try db.cached("UPDATE alerts SET acked_at = ?, acked_by = ? WHERE key = ? AND acked_at IS NULL")
            update.bind(instant, at: 1)
            update.bind(actor, at: 2)
            update.bind(key, at: 3)
            try update.step()
            return db.changes == 1
        }
    }

    /// Stored alerts, newest first: all, or only unacknowledged ones, or only at least `minimumSeverity`.
    public func alerts(unacknowledgedOnly: Bool = false, minimumSeverity: AlertSeverity? = nil, limit: Int = 100) throws -> [StoredAlert] {
        try db.readTransaction {
            let severities = AlertSeverity.allCases.filter { $0 >= (minimumSeverity ?? .info) }.map { "'\($0.rawValue)'" }
            let statement = try db.cached("""
                SELECT key FROM alerts WHERE (? = 0 OR acked_at IS NULL) AND severity IN (\(severities.joined(separator: ", ")))
                ORDER BY at DESC, key LIMIT ?
                """)
            statement.bind(unacknowledgedOnly ? 1 : 0, at: 1)
            statement.bind(limit, at: 2)
            var keys: [String] = []
            while try statement.step() { keys.append(statement.text(0) ?? "") }
            return try keys.compactMap { try readAlert(key: $0) }
        }
    }

    /// One stored alert.
    public func alert(key: String) throws -> StoredAlert? {
        try db.readTransaction { try readAlert(key: key) }
    }

    /// Delivery attempts, newest first.
    public func attempts(limit: Int = 100) throws -> [AlertAttempt] {
        try db.readTransaction {
            let statement = try db.cached("""
                SELECT at, alert_key, channel, attempt, ok, detail FROM alert_attempts ORDER BY at DESC, id DESC LIMIT ?
                """)
            statement.bind(limit, at: 1)
            var attempts: [AlertAttempt] = []
            while try statement.step() {
                attempts.append(AlertAttempt(
                    at: statement.date(0), alertKey: statement.text(1) ?? "", channel: statement.text(2) ?? "",
                    attempt: statement.int(3), succeeded: statement.int(4) == 1, detail: statement.text(5)))
            }
            return attempts
        }
    }

    // MARK: - Rows

    private static let deliveryColumns =
        "id, alert_key, channel, reason, state, attempts, next_attempt_at, last_error, delivered_at"

    private static func delivery(_ s: Statement) -> AlertDelivery {
        AlertDelivery(
            id: s.int64(0), alertKey: s.text(1) ?? "", channel: s.text(2) ?? "", reason: s.text(3) ?? "",
            state: AlertDelivery.State(rawValue: s.text(4) ?? "") ?? .failed, attempts: s.int(5), nextAttemptAt: s.date(6),
            lastError: s.text(7), deliveredAt: s.optionalDate(8))
    }

    private func readAlert(key: String) throws -> StoredAlert? {
        let statement = try db.cached("""
            SELECT key, kind, severity, scope, title, message, data, at, acked_at, acked_by FROM alerts WHERE key = ?
            """)
        statement.bind(key, at: 1)
        guard try statement.step() else { return nil }
        let data = (try? JSONDecoder().decode([String: String].self, from: Data((statement.text(6) ?? "{}").utf8))) ?? [:]
        let alert = Alert(
            key: statement.text(0) ?? "", kind: AlertKind(rawValue: statement.text(1) ?? "") ?? .manual,
            severity: AlertSeverity(rawValue: statement.text(2) ?? "") ?? .info, at: statement.date(7), scope: statement.text(3) ?? "",
            title: statement.text(4) ?? "", message: statement.text(5) ?? "", data: data)
        let ackedAt = statement.optionalDate(8)
        let ackedBy = statement.text(9)
        let deliveries = try db.cached("SELECT \(Self.deliveryColumns) FROM alert_outbox WHERE alert_key = ? ORDER BY id")
        deliveries.bind(key, at: 1)
        var rows: [AlertDelivery] = []
        while try deliveries.step() { rows.append(Self.delivery(deliveries)) }
        return StoredAlert(alert: alert, acknowledgedAt: ackedAt, acknowledgedBy: ackedBy, deliveries: rows)
    }
}

extension JSONEncoder {
    fileprivate static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
