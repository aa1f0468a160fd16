internal import CostPricing
internal import CostRotation
internal import Foundation

/// Reading and writing the rows of migration `0007-keys` on one connection, inside the caller's
/// transaction. Instants are seconds since 2001-01-01 (a `Date`'s own `Double`, exact); money is the
/// two 64-bit halves of its 128-bit count of 10⁻¹⁸ USD; a quota is JSON with the reset in
/// `QuotaReset`'s own text form.
struct KeyRows {
    let db: Connection
    let path: String

    // MARK: - Keys

    static let keyColumns = """
        id, provider, project, label, sealed_secret, fingerprint, status, status_until, status_reason,
        consecutive_rate_limits, priority, created, last_used, quota
        """

    /// Every key, by id.
    func allKeys() throws -> [APIKey] {
        let statement = try db.cached("SELECT \(Self.keyColumns) FROM api_keys ORDER BY id")
        var keys: [APIKey] = []
        while try statement.step() { keys.append(try key(from: statement)) }
        return keys
    }

    func key(id: String) throws -> APIKey? {
        let statement = try db.cached("SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?")
        statement.bind(id, at: 1)
        return try statement.step() ? try key(from: statement) : nil
    }

    func requireKey(_ id: String) throws -> APIKey {
        guard let key = try key(id: id) else { throw RotationError.unknownKey(id) }
        return key
    }

    func insert(_ key: APIKey) throws {
        let statement = try db.cached(
            "INSERT INTO api_keys (\(Self.keyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        try bindKey(key, to: statement)
        try statement.step()
    }

    /// Writes every column of `key` but its id (the row must exist).
    func update(_ key: APIKey) throws {
        let statement = try db.cached(
            """
            UPDATE api_keys SET provider = ?2, project = ?3, label = ?4, sealed_secret = ?5, fingerprint = ?6,
                status = ?7, status_until = ?8, status_reason = ?9, consecutive_rate_limits = ?10, priority = ?11,
                created = ?12, last_used = ?13, quota = ?14
            WHERE id = ?1
            """)
        try bindKey(key, to: statement)
        try statement.step()
    }

    private func bindKey(_ key: APIKey, to statement: Statement) throws {
        statement.bind(key.id, at: 1)
        statement.bind(key.provider, at: 2)
        statement.bind(key.project, at: 3)
        statement.bind(key.label, at: 4)
        statement.bind(key.sealedSecret, at: 5)
        statement.bind(key.fingerprint, at: 6)
        statement.bind(key.status.name, at: 7)
        switch key.status {
        case .coolingDown(let until), .exhausted(let until): statement.bind(until, at: 8)
        default: statement.bindNull(at: 8)
        }
        if case .disabled(let reason) = key.status { statement.bind(reason, at: 9) } else { statement.bindNull(at: 9) }
        statement.bind(key.consecutiveRateLimits, at: 10)
        statement.bind(key.priority, at: 11)
        statement.bind(key.createdAt, at: 12)
        statement.bind(key.lastUsedAt, at: 13)
        statement.bind(try StoredQuota.json(key.quota), at: 14)
    }

    private func key(from s: Statement) throws -> APIKey {
        let id = s.text(0) ?? ""
        let status: KeyStatus
        switch s.text(6) ?? "" {
        case "active": status = .active
        case "cooling-down": status = .coolingDown(until: s.date(7))
        case "exhausted": status = .exhausted(until: s.date(7))
        case "disabled": status = .disabled(reason: s.text(8) ?? "")
        case "revoked": status = .revoked
        case let other: throw corrupt("key '\(id)' has the status '\(other)'")
        }
        let quota: KeyQuota
        do {
            quota = try StoredQuota.quota(s.text(13) ?? "")
        } catch {
            throw corrupt("key '\(id)' has a quota this build cannot read (\(error))")
        }
        var key = try APIKey(
            id: id, provider: s.text(1) ?? "", project: s.text(2), label: s.text(3) ?? "", sealedSecret: s.blob(4),
            fingerprint: s.text(5) ?? "", status: status, createdAt: s.date(11), lastUsedAt: s.optionalDate(12),
            quota: quota, priority: s.int(10))
        key.consecutiveRateLimits = s.int(9)
        return key
    }

    private func corrupt(_ what: String) -> SQLiteError {
        SQLiteError(code: .corrupt, message: "database '\(path)': \(what); upgrade costctl or remove the key")
    }

    // MARK: - Usage log

    func log(_ entry: KeyUsageEntry) throws {
        let statement = try db.cached(
            "INSERT INTO key_usage (key_id, at, tokens, requests, cost_hi, cost_lo, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)")
        statement.bind(entry.keyID, at: 1)
        statement.bind(entry.at, at: 2)
        statement.bind(entry.tokens, at: 3)
        statement.bind(entry.requests, at: 4)
        let (hi, lo) = BudgetSession.halves(entry.cost)
        statement.bind(hi, at: 5)
        statement.bind(lo, at: 6)
        statement.bind(entry.outcome.rawValue, at: 7)
        try statement.step()
    }

    /// A key's log from `since` on (all of it when `nil`), in time order (ties in the order logged).
    func usage(of keyID: String, since: Date?) throws -> [KeyUsageEntry] {
        let statement = try db.cached(
            """
            SELECT at, tokens, requests, cost_hi, cost_lo, outcome FROM key_usage
            WHERE key_id = ? AND at >= ? ORDER BY at, rowid
            """)
        statement.bind(keyID, at: 1)
        statement.bind(since?.timeIntervalSinceReferenceDate ?? -Double.greatestFiniteMagnitude, at: 2)
        var entries: [KeyUsageEntry] = []
        while try statement.step() {
            guard let outcome = KeyUsageOutcome(rawValue: statement.text(5) ?? "") else {
                throw corrupt("a use of key '\(keyID)' has the outcome '\(statement.text(5) ?? "")'")
            }
            entries.append(KeyUsageEntry(
                keyID: keyID, at: statement.date(0), tokens: statement.int(1), requests: statement.int(2),
                cost: BudgetSession.money(hi: statement.int64(3), lo: statement.int64(4)), outcome: outcome))
        }
        return entries
    }

    // MARK: - Leases

    func insert(_ lease: KeyLease) throws {
        let statement = try db.cached(
            """
            INSERT INTO key_leases (id, key_id, pool, tokens, requests, cost_hi, cost_lo, created, expires)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statement.bind(lease.id.uuidString, at: 1)
        statement.bind(lease.keyID, at: 2)
        statement.bind(lease.pool.name, at: 3)
        statement.bind(lease.estimate.tokens, at: 4)
        statement.bind(lease.estimate.requests, at: 5)
        let (hi, lo) = BudgetSession.halves(lease.estimate.cost)
        statement.bind(hi, at: 6)
        statement.bind(lo, at: 7)
        statement.bind(lease.createdAt, at: 8)
        statement.bind(lease.expiresAt, at: 9)
        try statement.step()
    }

    /// Ends a lease; `true` when it was there.
    func deleteLease(_ id: UUID) throws -> Bool {
        let statement = try db.cached("DELETE FROM key_leases WHERE id = ?")
        statement.bind(id.uuidString, at: 1)
        try statement.step()
        return db.changes == 1
    }

    func purgeLeases(expiredAt instant: Date) throws {
        let statement = try db.cached("DELETE FROM key_leases WHERE expires <= ?")
        statement.bind(instant, at: 1)
        try statement.step()
    }

    /// What the open leases on `keyID` hold at `instant`.
    func pending(of keyID: String, at instant: Date) throws -> KeyCharge {
        let statement = try db.cached(
            "SELECT tokens, requests, cost_hi, cost_lo FROM key_leases WHERE key_id = ? AND expires > ?")
        statement.bind(keyID, at: 1)
        statement.bind(instant, at: 2)
        var estimates: [KeyCharge] = []
        while try statement.step() {
            estimates.append(KeyCharge(
                tokens: statement.int(0), requests: statement.int(1),
                cost: BudgetSession.money(hi: statement.int64(2), lo: statement.int64(3))))
        }
        return .pending(estimates)
    }

    /// Open leases per key at `instant`.
    func openLeases(at instant: Date) throws -> [String: Int] {
        let statement = try db.cached("SELECT key_id, COUNT(*) FROM key_leases WHERE expires > ? GROUP BY key_id")
        statement.bind(instant, at: 1)
        var counts: [String: Int] = [:]
        while try statement.step() { counts[statement.text(0) ?? ""] = statement.int(1) }
        return counts
    }

    // MARK: - Views

    /// `key` with its quota state at `instant`: only the log rows its windows can count
    /// (`KeyQuota.earliestCounted(at:)`), and its open leases.
    func view(_ key: APIKey, at instant: Date) throws -> KeyView {
        let log = try key.quota.earliestCounted(at: instant).map { try usage(of: key.id, since: $0) } ?? []
        return KeyView(key: key, quota: QuotaState(log: log, quota: key.quota, at: instant, pending: try pending(of: key.id, at: instant)))
    }

    /// The views of every key of `pool`, by id.
    func views(of pool: KeyPool, at instant: Date) throws -> [KeyView] {
        try allKeys().filter(pool.contains).map { try view($0, at: instant) }
    }

    // MARK: - Cursors, pressure, audit

    func cursor(of pool: KeyPool) throws -> String? {
        let statement = try db.cached("SELECT key_id FROM key_pool_cursors WHERE pool = ?")
        statement.bind(pool.name, at: 1)
        return try statement.step() ? statement.text(0) : nil
    }

    func setCursor(of pool: KeyPool, to keyID: String) throws {
        let statement = try db.cached(
            "INSERT INTO key_pool_cursors (pool, key_id) VALUES (?, ?) ON CONFLICT(pool) DO UPDATE SET key_id = excluded.key_id")
        statement.bind(pool.name, at: 1)
        statement.bind(keyID, at: 2)
        try statement.step()
    }

    /// Pool pressure after an acquire or a report: the event when the pool has just come under
    /// pressure; the flag per pool is kept in `key_pool_pressure`.
    func pressureEvents(_ pool: KeyPool, views: [KeyView], at instant: Date) throws -> [KeyEvent] {
        let select = try db.cached("SELECT 1 FROM key_pool_pressure WHERE pool = ?")
        select.bind(pool.name, at: 1)
        let was = try select.step()
        select.reset()
        let (events, now) = PoolPressure.transition(
            pool, views: views, leases: try openLeases(at: instant), at: instant, wasPressured: was)
        if now != was {
            let change = try db.cached(
                now ? "INSERT INTO key_pool_pressure (pool, since) VALUES (?, ?)" : "DELETE FROM key_pool_pressure WHERE pool = ?")
            change.bind(pool.name, at: 1)
            if now { change.bind(instant, at: 2) }
            try change.step()
        }
        return events
    }

    func audit(_ entry: KeyAuditEntry) throws {
        let statement = try db.cached(
            "INSERT INTO key_audit (at, actor, operation, key_id, detail) VALUES (?, ?, ?, ?, ?)")
        statement.bind(entry.at, at: 1)
        statement.bind(entry.actor, at: 2)
        statement.bind(entry.operation.rawValue, at: 3)
        statement.bind(entry.keyID, at: 4)
        statement.bind(entry.detail, at: 5)
        try statement.step()
    }

    func auditLog(keyID: String?) throws -> [KeyAuditEntry] {
        let statement = try db.cached(
            "SELECT at, actor, operation, key_id, detail FROM key_audit WHERE ?1 IS NULL OR key_id = ?1 ORDER BY seq")
        statement.bind(keyID, at: 1)
        var entries: [KeyAuditEntry] = []
        while try statement.step() {
            guard let operation = KeyAuditEntry.Operation(rawValue: statement.text(2) ?? "") else {
                throw corrupt("an audit entry has the operation '\(statement.text(2) ?? "")'")
            }
            entries.append(KeyAuditEntry(
                at: statement.date(0), actor: statement.text(1) ?? "", operation: operation, keyID: statement.text(3) ?? "",
                detail: statement.text(4)))
        }
        return entries
    }
}

/// A quota as stored: JSON with each limit and the reset in `QuotaReset`'s text form
/// (`rolling30`, `monthly:1@Europe/Berlin`, `daily@00:00America/Los_Angeles`).
struct StoredQuota: Codable {
    var tokens: Int?
    var requestsPerMinute: Int?
    var requestsPerDay: Int?
    var spend: Money?
    var reset: String

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func json(_ quota: KeyQuota) throws -> String {
        let stored = StoredQuota(
            tokens: quota.tokens, requestsPerMinute: quota.requestsPerMinute, requestsPerDay: quota.requestsPerDay,
            spend: quota.spend, reset: quota.reset.description)
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    static func quota(_ json: String) throws -> KeyQuota {
        let stored = try JSONDecoder().decode(StoredQuota.self, from: Data(json.utf8))
        let reset = try QuotaReset(parsing: stored.reset, defaultTimeZone: .gmt)
        return try KeyQuota(
            tokens: stored.tokens, requestsPerMinute: stored.requestsPerMinute, requestsPerDay: stored.requestsPerDay,
            spend: stored.spend, reset: reset)
    }
}
