import CostPricing
public import Foundation
import Synchronization

/// A ``KeyStore`` in memory, for one process and for tests: every call is one step under a lock,
/// so a pick-and-lease is atomic. The clock and the random source (jitter, the weighted strategy)
/// are injected.
///
/// For example:
/// ```swift
/// let store = MemoryKeyStore()
/// try await store.addKey(key, actor: "alice")
/// let selection = try await store.acquire(KeyRequest(tokens: 1_200), from: KeyPool(provider: "anthropic"))
/// if let lease = selection.lease {
///     // … open selection.key!.sealedSecret with the vault, call the provider …
///     _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 1_150)))
/// }
/// ```
public final class MemoryKeyStore: KeyStore {
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let state = Mutex(Book())

    /// Everything the store holds.
    private struct Book {
        var keys: [String: APIKey] = [:]
        var logs: [String: [KeyUsageEntry]] = [:]
        var leases: [UUID: KeyLease] = [:]
        /// The id chosen last per pool name (round robin).
        var cursors: [String: String] = [:]
        /// Pools whose pressure has been reported and not cleared since.
        var pressured: Set<String> = []
        var audit: [KeyAuditEntry] = []

        func pending(of keyID: String, at instant: Date) -> KeyCharge {
            .pending(leases.values.lazy.filter { $0.keyID == keyID && $0.expiresAt > instant }.map(\.estimate))
        }

        func view(_ key: APIKey, at instant: Date) -> KeyView {
            let log = logs[key.id, default: []]
            // the log is in time order: only the entries from the earliest window start on can count
            let from = key.quota.earliestCounted(at: instant).map { start in log.partitioningIndex(where: { $0.at >= start }) }
            return KeyView(key: key, quota: QuotaState(
                log: log[(from ?? log.endIndex)...], quota: key.quota, at: instant, pending: pending(of: key.id, at: instant)))
        }

        /// A pool-pressure event when `pool` has just come under pressure (once until it leaves it).
        mutating func pressureEvents(_ pool: KeyPool, views: [KeyView], at instant: Date) -> [KeyEvent] {
            var leased: [String: Int] = [:]
            for open in leases.values where open.expiresAt > instant { leased[open.keyID, default: 0] += 1 }
            let (events, isPressured) = PoolPressure.transition(
                pool, views: views, leases: leased, at: instant, wasPressured: pressured.contains(pool.name))
            if isPressured { pressured.insert(pool.name) } else { pressured.remove(pool.name) }
            return events
        }

        /// Appends `entry` to its key's log, keeping the log in time order (a clock that stepped
        /// back inserts it at its place).
        mutating func log(_ entry: KeyUsageEntry) {
            var log = logs.removeValue(forKey: entry.keyID) ?? []
            if let last = log.last, last.at > entry.at {
                log.insert(entry, at: log.partitioningIndex(where: { $0.at > entry.at }))
            } else {
                log.append(entry)
            }
            logs[entry.keyID] = log
        }

        mutating func requireKey(_ id: String) throws -> APIKey {
            guard let key = keys[id] else { throw RotationError.unknownKey(id) }
            return key
        }
    }

    /// - Parameters:
    ///   - now: the clock (UTC instants).
    ///   - random: numbers in [0, 1) for backoff jitter and the weighted strategy.
    public init(
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.now = now
        self.random = random
    }

    // MARK: - Keys

    public func addKey(_ key: APIKey, actor: String, operation: KeyAuditEntry.Operation) async throws {
        try state.withLock { book in
            let at = now()
            guard book.keys[key.id] == nil else { throw RotationError.duplicateKey(key.id) }
            book.keys[key.id] = key
            book.audit.append(KeyAuditEntry(at: at, actor: actor, operation: operation, keyID: key.id))
        }
    }

    public func key(id: String) async throws -> APIKey? {
        state.withLock { $0.keys[id] }
    }

    public func keys(provider: String?) async throws -> [APIKey] {
        state.withLock { book in
            book.keys.values
                .filter { key in provider.map { key.provider.caseInsensitiveCompare($0) == .orderedSame } ?? true }
                .sorted { $0.id < $1.id }
        }
    }

    public func setEnabled(_ enabled: Bool, id: String, reason: String?, actor: String) async throws -> APIKey {
        return try state.withLock { book in
            let at = now()
            var key = try book.requireKey(id)
            key.status = enabled ? .active : .disabled(reason: reason ?? "disabled by \(actor)")
            key.consecutiveRateLimits = 0
            book.keys[id] = key
            book.audit.append(KeyAuditEntry(
                at: at, actor: actor, operation: enabled ? .enable : .disable, keyID: id, detail: reason))
            return key
        }
    }

    public func replaceSecret(id: String, sealedSecret: Data, fingerprint: String, actor: String) async throws -> APIKey {
        return try state.withLock { book in
            let at = now()
            var key = try book.requireKey(id)
            key.sealedSecret = sealedSecret
            key.fingerprint = fingerprint
            book.keys[id] = key
            book.audit.append(KeyAuditEntry(at: at, actor: actor, operation: .rotate, keyID: id))
            return key
        }
    }

    public func removeKey(id: String, actor: String) async throws -> Bool {
        return state.withLock { book in
            let at = now()
            guard book.keys.removeValue(forKey: id) != nil else { return false }
            book.logs[id] = nil
            book.leases = book.leases.filter { $0.value.keyID != id }
            book.audit.append(KeyAuditEntry(at: at, actor: actor, operation: .remove, keyID: id))
            return true
        }
    }

    public func recordReveal(id: String, actor: String) async throws {
        try state.withLock { book in
            let at = now()
            _ = try book.requireKey(id)
            book.audit.append(KeyAuditEntry(at: at, actor: actor, operation: .reveal, keyID: id))
        }
    }

    // MARK: - Leases

    public func acquire(_ request: KeyRequest, from pool: KeyPool) async throws -> KeySelection {
        try request.validate()
        let draw = random()
        return state.withLock { book in
            let at = now()  // in the lock, so a use another caller logged just before counts
            book.leases = book.leases.filter { $0.value.expiresAt > at }
            let views = book.keys.values.filter(pool.contains).map { book.view($0, at: at) }
            let choice = pool.choose(request, among: views, at: at, cursor: book.cursors[pool.name], random: draw)
            if let lease = choice.lease {
                book.leases[lease.id] = lease
                book.cursors[pool.name] = lease.keyID
            }
            let events = book.pressureEvents(pool, views: choice.views, at: at)
            return KeySelection(key: choice.key, lease: choice.lease, candidates: choice.candidates, events: events)
        }
    }

    public func report(_ lease: KeyLease, outcome: KeyOutcome) async throws -> KeyReport {
        try outcome.validate()
        let draw = random()
        return try state.withLock { book in
            let at = now()  // in the lock, so a use another caller logged just before counts
            let open = book.leases.removeValue(forKey: lease.id) != nil
            try lease.checkReportable(wasOpen: open, at: at)
            var key = try book.requireKey(lease.keyID)
            let quota = book.view(key, at: at).quota
            let (entry, events) = key.apply(outcome, lease: lease, quota: quota, at: at, random: draw)
            book.keys[key.id] = key
            book.log(entry)
            if let audit = outcome.auditEntry(keyID: key.id, at: at) { book.audit.append(audit) }
            // a cooldown, an exhaustion or a revocation may leave the pool short
            let views = book.keys.values.filter(lease.pool.contains).map { book.view($0, at: at) }
            let pressure = book.pressureEvents(lease.pool, views: views, at: at)
            return KeyReport(key: key, entry: entry, leaseWasExpired: !open, events: events + pressure)
        }
    }

    // MARK: - Reading

    public func quotaState(of id: String) async throws -> QuotaState? {
        let at = now()
        return state.withLock { book in book.keys[id].map { book.view($0, at: at).quota } }
    }

    public func usageLog(of id: String, since: Date?) async throws -> [KeyUsageEntry] {
        state.withLock { book in
            let log = book.logs[id, default: []]
            guard let since else { return log }
            return log.filter { $0.at >= since }
        }
    }

    public func auditLog(keyID: String?) async throws -> [KeyAuditEntry] {
        state.withLock { book in keyID.map { id in book.audit.filter { $0.keyID == id } } ?? book.audit }
    }

    public func recordAudit(_ entry: KeyAuditEntry) async throws {
        state.withLock { $0.audit.append(entry) }
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for an array in which every element
    /// that satisfies it comes after every one that does not (binary search).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension MemoryKeyStore {
    public func release(_ lease: KeyLease) async throws -> Bool {
        let at = now()
        return state.withLock { book in
            guard let open = book.leases.removeValue(forKey: lease.id) else { return false }
            return open.expiresAt > at
        }
    }
}
