internal import CCostSQLite
public import CostRotation
public import Foundation

/// A ``KeyStore`` in one SQLite file, shared by every process that opens it: the same file as the
/// usage ledger and the budgets (`ControlPaths().database`).
///
/// Every operation is one write transaction (`BEGIN IMMEDIATE`). ``acquire(_:from:)`` takes the
/// write lock, drops expired leases, reads the pool's keys, the log rows their quota windows can
/// count and their open leases, chooses with the same rules as ``MemoryKeyStore`` (CostRotation's
/// `KeyPool.choose`, `PoolPressure.transition`) and writes the lease and the round-robin cursor
/// before it lets go, so two processes can never both take the last of a key's quota.
/// ``report(_:outcome:)`` ends the lease, logs the use and updates the key (`APIKey.apply`) in one
/// transaction. A process killed while holding a lease gives the quota back when the lease expires
/// (`KeyPool.leaseTTL`). A process that waits for the lock sleeps in 50 µs steps first, then 1 ms
/// steps, for up to about 10 s; only then is ``SQLiteError`` `.busy` thrown.
///
/// The only secret material stored is each key's sealed secret (the bytes the `SecretSealer`
/// returned) and the vault's wrapped data key (``wrappedDataKey()``); ids, labels, fingerprints,
/// logs and the audit log hold none.
///
/// For example:
/// ```swift
/// let store = try SQLiteKeyStore(path: ControlPaths().database.path)
/// try await store.addKey(key, actor: "alice")
/// let selection = try await store.acquire(KeyRequest(tokens: 1_200), from: KeyPool(provider: "anthropic"))
/// if let lease = selection.lease {
///     _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 1_150)))
/// }
/// ```
public actor SQLiteKeyStore: KeyStore {
    /// How commits are made durable (the ledger's choice, per connection).
    public typealias Durability = SQLiteUsageLedger.Durability

    public nonisolated let path: String
    let db: Connection
    private let rows: KeyRows
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double

    /// Opens (creating it, its directory and the schema if needed) the database at `path`.
    ///
    /// - Parameters:
    ///   - durability: `.full` (the default) fsyncs every lease and report; `.processCrash` survives
    ///     a killed process but may lose the last transactions on power loss.
    ///   - now: the clock (UTC instants).
    ///   - random: numbers in [0, 1) for backoff jitter and the weighted strategy.
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`).
    public init(
        path: String, durability: Durability = .full, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) throws {
        let db = try Connection.sharedStore(path: path, durability: durability)
        self.path = path
        self.db = db
        rows = KeyRows(db: db, path: path)
        self.now = now
        self.random = random
    }

    // MARK: - Keys

    public func addKey(_ key: APIKey, actor: String, operation: KeyAuditEntry.Operation) throws {
        try db.writeTransaction {
            let at = now()
            guard try rows.key(id: key.id) == nil else { throw RotationError.duplicateKey(key.id) }
            try rows.insert(key)
            try rows.audit(KeyAuditEntry(at: at, actor: actor, operation: operation, keyID: key.id))
        }
    }

    public func key(id: String) throws -> APIKey? {
        try db.readTransaction { try rows.key(id: id) }
    }

    public func keys(provider: String?) throws -> [APIKey] {
        let keys = try db.readTransaction { try rows.allKeys() }
        guard let provider else { return keys }
        return keys.filter { $0.provider.caseInsensitiveCompare(provider) == .orderedSame }
    }

    public func setEnabled(_ enabled: Bool, id: String, reason: String?, actor: String) throws -> APIKey {
        return try db.writeTransaction {
            let at = now()
            var key = try rows.requireKey(id)
            key.status = enabled ? .active : .disabled(reason: reason ?? "disabled by \(actor)")
            key.consecutiveRateLimits = 0
            try rows.update(key)
            try rows.audit(KeyAuditEntry(at: at, actor: actor, operation: enabled ? .enable : .disable, keyID: id, detail: reason))
            return key
        }
    }

    public func replaceSecret(id: String, sealedSecret: Data, fingerprint: String, actor: String) throws -> APIKey {
        return try db.writeTransaction {
            let at = now()
            var key = try rows.requireKey(id)
            key.sealedSecret = sealedSecret
            key.fingerprint = fingerprint
            try rows.update(key)
            try rows.audit(KeyAuditEntry(at: at, actor: actor, operation: .rotate, keyID: id))
            return key
        }
    }

    public func removeKey(id: String, actor: String) throws -> Bool {
        return try db.writeTransaction {
            let at = now()
            // its usage log and leases go with it (ON DELETE CASCADE); the audit log stays
            let delete = try db.cached("DELETE FROM api_keys WHERE id = ?")
            delete.bind(id, at: 1)
            try delete.step()
            guard db.changes == 1 else { return false }
            try rows.audit(KeyAuditEntry(at: at, actor: actor, operation: .remove, keyID: id))
            return true
        }
    }

    public func recordReveal(id: String, actor: String) throws {
        try db.writeTransaction {
            let at = now()
            _ = try rows.requireKey(id)
            try rows.audit(KeyAuditEntry(at: at, actor: actor, operation: .reveal, keyID: id))
        }
    }

    // MARK: - Leases

    public func acquire(_ request: KeyRequest, from pool: KeyPool) throws -> KeySelection {
        try request.validate()
        let draw = random()
        return try db.writeTransaction {
            let at = now()  // in the lock, so a use another caller logged just before counts
            try rows.purgeLeases(expiredAt: at)
            let views = try rows.views(of: pool, at: at)
            let choice = pool.choose(request, among: views, at: at, cursor: try rows.cursor(of: pool), random: draw)
            if let lease = choice.lease {
                try rows.insert(lease)
                try rows.setCursor(of: pool, to: lease.keyID)
            }
            let events = try rows.pressureEvents(pool, views: choice.views, at: at)
            return KeySelection(key: choice.key, lease: choice.lease, candidates: choice.candidates, events: events)
        }
    }

    public func report(_ lease: KeyLease, outcome: KeyOutcome) throws -> KeyReport {
        try outcome.validate()
        let draw = random()
        return try db.writeTransaction {
            let at = now()  // in the lock, so a use another caller logged just before counts
            let open = try rows.deleteLease(lease.id)
            try lease.checkReportable(wasOpen: open, at: at)
            var key = try rows.requireKey(lease.keyID)
            let quota = try rows.view(key, at: at).quota
            let (entry, events) = key.apply(outcome, lease: lease, quota: quota, at: at, random: draw)
            try rows.update(key)
            try rows.log(entry)
            if let audit = outcome.auditEntry(keyID: key.id, at: at) { try rows.audit(audit) }
            // a cooldown, an exhaustion or a revocation may leave the pool short
            let pressure = try rows.pressureEvents(lease.pool, views: try rows.views(of: lease.pool, at: at), at: at)
            return KeyReport(key: key, entry: entry, leaseWasExpired: !open, events: events + pressure)
        }
    }

    public func release(_ lease: KeyLease) throws -> Bool {
        try db.writeTransaction {
            let at = now()
            return try rows.deleteLease(lease.id) && lease.expiresAt > at
        }
    }

    public func recordAudit(_ entry: KeyAuditEntry) throws {
        try db.writeTransaction { try rows.audit(entry) }
    }

    // MARK: - Reading

    public func quotaState(of id: String) throws -> QuotaState? {
        let at = now()
        return try db.readTransaction { try rows.key(id: id).map { try rows.view($0, at: at).quota } }
    }

    public func usageLog(of id: String, since: Date?) throws -> [KeyUsageEntry] {
        try db.readTransaction { try rows.usage(of: id, since: since) }
    }

    public func auditLog(keyID: String?) throws -> [KeyAuditEntry] {
        try db.readTransaction { try rows.auditLog(keyID: keyID) }
    }

    // MARK: - The vault's data key

    /// The vault's wrapped data key as stored (the JSON of CostCrypto's `WrappedDataKey`); `nil`
    /// before the first one is saved.
    public func wrappedDataKey() throws -> Data? {
        try db.readTransaction { try DataKeyRow.read(db) }
    }

    /// Saves the vault's wrapped data key; see ``SQLiteDataKeyStore/saveWrappedDataKey(_:replacing:)``.
    ///
    /// - throws: ``SQLiteError`` `.invalidInput`, `.conflict`.
    @discardableResult
    public func saveWrappedDataKey(_ json: Data, replacing expectedID: String?) throws -> Data {
        let at = now()
        return try db.writeTransaction { try DataKeyRow.save(db, json, replacing: expectedID, at: at) }
    }

    // MARK: - Schema

    /// Migration `0007-keys`. Instants are seconds since 2001-01-01 (REAL); money is two 64-bit halves.
    static let schemaSQL = """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            provider TEXT NOT NULL, project TEXT, label TEXT NOT NULL,
            sealed_secret BLOB NOT NULL,
            fingerprint TEXT NOT NULL,
            status TEXT NOT NULL, status_until REAL, status_reason TEXT,
            consecutive_rate_limits INTEGER NOT NULL, priority INTEGER NOT NULL,
            created REAL NOT NULL, last_used REAL,
            quota TEXT NOT NULL
        ) STRICT;
        CREATE TABLE key_usage (
            key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
            at REAL NOT NULL,
            tokens INTEGER NOT NULL, requests INTEGER NOT NULL, cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL,
            outcome TEXT NOT NULL
        ) STRICT;
        CREATE INDEX key_usage_at ON key_usage(key_id, at);
        CREATE TABLE key_leases (
            id TEXT PRIMARY KEY,
            key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
            pool TEXT NOT NULL,
            tokens INTEGER NOT NULL, requests INTEGER NOT NULL, cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL,
            created REAL NOT NULL, expires REAL NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX key_leases_key ON key_leases(key_id, expires);
        CREATE INDEX key_leases_expires ON key_leases(expires);
        CREATE TABLE key_pool_cursors (pool TEXT PRIMARY KEY, key_id TEXT NOT NULL) STRICT, WITHOUT ROWID;
        CREATE TABLE key_pool_pressure (pool TEXT PRIMARY KEY, since REAL NOT NULL) STRICT, WITHOUT ROWID;
        CREATE TABLE key_audit (
            seq INTEGER PRIMARY KEY,
            at REAL NOT NULL, actor TEXT NOT NULL, operation TEXT NOT NULL, key_id TEXT NOT NULL, detail TEXT
        ) STRICT;
        CREATE INDEX key_audit_key ON key_audit(key_id, seq);
        CREATE TABLE vault_data_key (
            slot INTEGER PRIMARY KEY CHECK (slot = 1),
            id TEXT NOT NULL, master_key_id TEXT NOT NULL,
            wrapped BLOB NOT NULL,
            updated REAL NOT NULL
        ) STRICT;
        """
}
