public import Foundation

/// The storage key rotation needs: keys, their usage logs, leases, round-robin cursors and the
/// audit log.
///
/// `async` and free of storage types, so it can be implemented over SQLite or PostgreSQL. Every
/// operation that must be atomic across processes is one call: ``acquire(_:from:)`` reads the
/// pool's keys and logs, chooses and records the lease in one step; ``report(_:outcome:)`` logs
/// the use and updates the key's status in one step. Every key operation appends a
/// ``KeyAuditEntry``. Implementation here: ``MemoryKeyStore``.
public protocol KeyStore: Sendable {
    /// Adds a key (`operation` `.add` or `.provision` in the audit log).
    ///
    /// - throws: ``RotationError`` `.duplicateKey` when the id is taken.
    func addKey(_ key: APIKey, actor: String, operation: KeyAuditEntry.Operation) async throws
    func key(id: String) async throws -> APIKey?
    /// Every key, by id; only `provider`'s (case-insensitive) when given.
    func keys(provider: String?) async throws -> [APIKey]
    /// Disables a key with a reason, or enables it (active, backoff reset).
    ///
    /// - throws: ``RotationError`` `.unknownKey`.
    func setEnabled(_ enabled: Bool, id: String, reason: String?, actor: String) async throws -> APIKey
    /// Replaces a key's sealed secret and fingerprint (rotation); the usage log stays.
    ///
    /// - throws: ``RotationError`` `.unknownKey`.
    func replaceSecret(id: String, sealedSecret: Data, fingerprint: String, actor: String) async throws -> APIKey
    /// Removes a key with its log and leases; `false` when there was none.
    func removeKey(id: String, actor: String) async throws -> Bool
    /// Records that `actor` revealed a key's secret (the caller opens it with its sealer).
    ///
    /// - throws: ``RotationError`` `.unknownKey`.
    func recordReveal(id: String, actor: String) async throws
    /// Chooses a key of `pool` for `request` and leases it, in one step; or says why none fits.
    ///
    /// - throws: ``RotationError`` `.invalidRequest` for a negative estimate.
    func acquire(_ request: KeyRequest, from pool: KeyPool) async throws -> KeySelection
    /// Reports how the leased call ended: logs the use, ends the lease, updates the key's status.
    ///
    /// - throws: ``RotationError`` `.invalidRequest` when the lease was already reported,
    ///   `.unknownKey` when the key was removed.
    func report(_ lease: KeyLease, outcome: KeyOutcome) async throws -> KeyReport
    /// Gives a lease back unused (the call never ran, for example because a budget refused
    /// it): its estimate stops counting against the key at once. Nothing is logged.
    ///
    /// - returns: `false` when the lease was already reported, released or expired.
    func release(_ lease: KeyLease) async throws -> Bool
    /// A key's quota state now (open leases included); `nil` when there is no such key.
    func quotaState(of id: String) async throws -> QuotaState?
    /// A key's usage log from `since` on (all of it when `nil`), oldest first.
    func usageLog(of id: String, since: Date?) async throws -> [KeyUsageEntry]
    /// The audit log, oldest first; one key's only when `keyID` is given.
    func auditLog(keyID: String?) async throws -> [KeyAuditEntry]
    /// Appends an entry for an operation that changes no key, such as a failed provisioning
    /// attempt (``KeyAuditEntry/Operation/provisionFailed``).
    func recordAudit(_ entry: KeyAuditEntry) async throws
}

extension KeyStore {
    /// Adds a key by hand (`.add` in the audit log).
    public func addKey(_ key: APIKey, actor: String) async throws {
        try await addKey(key, actor: actor, operation: .add)
    }
}

/// The answer of ``KeyStore/report(_:outcome:)``: the key after the outcome, and any alert.
public struct KeyReport: Sendable, Hashable {
    public var key: APIKey
    public var entry: KeyUsageEntry
    /// `true` when the lease had expired before the report (the use is logged anyway).
    public var leaseWasExpired: Bool
    public var events: [KeyEvent]

    public init(key: APIKey, entry: KeyUsageEntry, leaseWasExpired: Bool, events: [KeyEvent]) {
        self.key = key
        self.entry = entry
        self.leaseWasExpired = leaseWasExpired
        self.events = events
    }
}
