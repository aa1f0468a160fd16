import CostBudget
public import Foundation

/// Connects pool pressure to provisioners: when a pool runs short it asks the pool's
/// ``KeyProvisioner`` for a new key, seals it and adds it to the store, where the next
/// ``KeyStore/acquire(_:from:)`` can hand it out.
///
/// - One attempt at a time per pool: pressure that arrives while an attempt runs waits for it and
///   gets its result (the provisioner is called once).
/// - At most ``Policy/attemptsPerWindow`` attempts per pool in ``Policy/window`` (3 per hour).
/// - A failed attempt is retried after ``Policy/firstRetryDelay``, then twice as long each time
///   (up to ``Policy/maximumDelay``), at most ``Policy/maximumAttempts`` attempts per episode.
/// - Every failure is audited (``KeyAuditEntry/Operation/provisionFailed``, with the scrubbed
///   error) and alerted (``KeyEvent/provisioningFailed(pool:attempt:error:nextAttemptAt:)``), the
///   last one followed by ``KeyEvent/provisioningGaveUp(pool:attempts:error:at:)``; a success is
///   audited by the store (`.provision`) and alerted (``KeyEvent/keyProvisioned(keyID:pool:fingerprint:at:)``).
///
/// The clock and the sleep are injected, so tests run the backoff without waiting. The rate
/// limit counts the attempts in the store's audit log, so other processes' attempts and those of
/// an earlier run count too.
///
/// For example:
/// ```swift
/// let provisioning = KeyProvisioning(store: store, sealer: vault, alert: { event in print(event) })
/// await provisioning.set(.init(pool: KeyPool(provider: "gemini"),
///                              provisioner: CommandProvisioner(executable: "/home/me/bin/new-gemini-key"),
///                              quota: try KeyQuota(requestsPerDay: 1_500, reset: .daily(hour: 0, timeZone: la))))
/// let selection = try await store.acquire(KeyRequest(tokens: 2_000), from: KeyPool(provider: "gemini"))
/// Task { await provisioning.handle(selection.events) }  // alerts, and provisions on pressure
/// ```
public actor KeyProvisioning {
    /// A pool with its provisioner and what its new keys get.
    public struct Target: Sendable {
        public var pool: KeyPool
        public var provisioner: any KeyProvisioner
        /// The quota of each new key.
        public var quota: KeyQuota
        /// The priority of each new key (for the fixed-priority strategy).
        public var priority: Int

        public init(pool: KeyPool, provisioner: any KeyProvisioner, quota: KeyQuota = .unlimited, priority: Int = 0) {
            self.pool = pool
            self.provisioner = provisioner
            self.quota = quota
            self.priority = priority
        }
    }

    /// How often and how persistently to provision.
    public struct Policy: Sendable, Hashable {
        /// At most this many attempts per pool in ``window``.
        public var attemptsPerWindow = 3
        public var window: Duration = .seconds(3_600)
        /// Attempts per episode of pressure, the first included.
        public var maximumAttempts = 3
        /// The wait after the first failure; each later one is ``multiplier`` times longer.
        public var firstRetryDelay: Duration = .seconds(60)
        public var multiplier: Double = 2
        public var maximumDelay: Duration = .seconds(900)
        /// Who the audit log names for provisioning.
        public var actor = "provisioner"

        public init() {}

        public func with(_ change: (inout Policy) -> Void) -> Policy {
            var copy = self
            change(&copy)
            return copy
        }

        /// The wait after the `failures`-th failure in a row (1, 2, …).
        public func delay(afterFailure failures: Int) -> Duration {
            let grown = firstRetryDelay.seconds * pow(multiplier, Double(min(max(0, failures - 1), 64)))
            return .seconds(min(grown, maximumDelay.seconds))
        }
    }

    /// How a request to provision for a pool ended.
    public enum Outcome: Sendable, Hashable {
        /// The new key, in the store and usable.
        case provisioned(APIKey)
        /// Every attempt of the episode failed; the last error (scrubbed).
        case failed(attempts: Int, error: String)
        /// The pool had ``Policy/attemptsPerWindow`` attempts in the window; none before `until`.
        case rateLimited(until: Date)
        /// No provisioner is set for the pool.
        case noProvisioner(pool: String)
        /// ``KeyProvisioning/checkNow(pool:)`` found the pool not under pressure.
        case notUnderPressure
    }

    private let store: any KeyStore
    private let sealer: any SecretSealer
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void
    private let makeKeyID: @Sendable (KeyPool, Date) -> String
    private let alert: @Sendable (KeyEvent) async -> Void
    public private(set) var policy: Policy
    private var targets: [String: Target] = [:]
    private var running: [String: Task<Outcome, Never>] = [:]
    /// The instants of the attempts per pool name, oldest first (those still in the window).
    private var attempts: [String: [Date]] = [:]

    /// - Parameters:
    ///   - store: where new keys go (and the audit log).
    ///   - sealer: seals each new secret with its key id as associated data.
    ///   - targets: the pools that have a provisioner.
    ///   - now: the clock (UTC instants).
    ///   - sleep: waits between attempts (tests advance their clock instead).
    ///   - makeKeyID: the id of a new key for a pool at an instant (``defaultKeyID(pool:at:)``).
    ///   - alert: receives every event handed to ``handle(_:)`` and each provisioning event.
    public init(
        store: any KeyStore, sealer: any SecretSealer, targets: [Target] = [], policy: Policy = Policy(),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        makeKeyID: @escaping @Sendable (KeyPool, Date) -> String = KeyProvisioning.defaultKeyID,
        alert: @escaping @Sendable (KeyEvent) async -> Void = { _ in }
    ) {
        self.store = store
        self.sealer = sealer
        self.policy = policy
        self.now = now
        self.sleep = sleep
        self.makeKeyID = makeKeyID
        self.alert = alert
        for target in targets { self.targets[target.pool.name] = target }
    }

    /// Sets (or replaces) the provisioner of `target.pool` (by its name).
    public func set(_ target: Target) { targets[target.pool.name] = target }

    /// Removes the provisioner of the pool named `name` (`provider` or `provider/project`).
    public func removeTarget(pool name: String) { targets[name] = nil }

    /// `provider[-project]-YYYYMMDDTHHMMSSZ-xxxx` (UTC, 4 random hex digits).
    public static func defaultKeyID(pool: KeyPool, at instant: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        let stamp = [parts.year ?? 0, parts.month ?? 0, parts.day ?? 0].map { digits($0, 2) }.joined()
            + "T" + [parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0].map { digits($0, 2) }.joined() + "Z"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(pool.name.replacingOccurrences(of: "/", with: "-"))-\(stamp)-\(digits(suffix, 4))"
    }

    private static func digits(_ value: Int, _ width: Int) -> String { digits(String(value), width) }

    private static func digits(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }

    // MARK: - Triggers

    /// Hands every event to the alert sink, then provisions for each pool under pressure
    /// (`.poolPressure`); returns when those attempts are over, with their outcomes in order.
    /// Give it the events of ``KeySelection`` and ``KeyReport``; run it in a task of its own when
    /// the caller must not wait.
    public func handle(_ events: [KeyEvent]) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for event in events {
            await alert(event)
        }
        for case .poolPressure(let pressure) in events {
            outcomes.append(await provisionNow(pool: pressure.pool))
        }
        return outcomes
    }

    /// Evaluates the pressure on the pool named `name` from the store (utilization, usable keys;
    /// open leases count in the utilization) and provisions when it is under pressure.
    ///
    /// - throws: what the store throws while reading.
    public func checkNow(pool name: String) async throws -> Outcome {
        guard let target = targets[name] else { return .noProvisioner(pool: name) }
        let at = now()
        var views: [KeyView] = []
        for key in try await store.keys(provider: target.pool.provider) where target.pool.contains(key) {
            if let quota = try await store.quotaState(of: key.id) { views.append(KeyView(key: key, quota: quota)) }
        }
        guard PoolPressure.evaluate(target.pool, views: views, leases: [:], at: at) != nil else {
            return .notUnderPressure
        }
        return await provisionNow(pool: name)
    }

    /// Provisions a key for the pool named `name` now, whatever its pressure (within the rate
    /// limit); joins the attempt already running for it, if any.
    public func provisionNow(pool name: String) async -> Outcome {
        if let task = running[name] { return await task.value }
        guard let target = targets[name] else { return .noProvisioner(pool: name) }
        let task = Task { await self.episode(target) }
        running[name] = task
        return await task.value
    }

    // MARK: - Attempts

    /// Attempts until one succeeds, the episode's attempts are spent or the rate limit stops it.
    private func episode(_ target: Target) async -> Outcome {
        let name = target.pool.name
        defer { running[name] = nil }
        await countRecordedAttempts(target.pool)
        if let until = rateLimitedUntil(name, at: now()) { return .rateLimited(until: until) }
        var attempt = 1
        while true {
            let at = now()
            attempts[name, default: []].append(at)
            let keyID = makeKeyID(target.pool, at)
            let message: String
            do {
                let key = try await provision(target, keyID: keyID, at: at)
                await alert(.keyProvisioned(keyID: key.id, pool: name, fingerprint: key.fingerprint, at: now()))
                return .provisioned(key)
            } catch let failure as RotationError {
                message = failure.message
            } catch {
                message = String(describing: error)
            }
            var next: Date?
            if attempt < policy.maximumAttempts {
                let backoff = now().addingTimeInterval(policy.delay(afterFailure: attempt).seconds)
                let free = rateLimitedUntil(name, at: backoff) ?? backoff
                next = max(backoff, free)
            }
            try? await store.recordAudit(KeyAuditEntry(
                at: now(), actor: policy.actor, operation: .provisionFailed, keyID: keyID,
                detail: "pool \(name), attempt \(attempt) of \(policy.maximumAttempts): \(message)"))
            await alert(.provisioningFailed(pool: name, attempt: attempt, error: message, nextAttemptAt: next))
            guard let next else {
                await alert(.provisioningGaveUp(pool: name, attempts: attempt, error: message, at: now()))
                return .failed(attempts: attempt, error: message)
            }
            do {
                try await sleep(.seconds(max(0, next.timeIntervalSince(now()))))
            } catch {
                return .failed(attempts: attempt, error: "provisioning was cancelled after: \(error)")
            }
            attempt += 1
        }
    }

    /// One attempt: the provisioner's key, checked, sealed under `keyID` and added to the store.
    private func provision(_ target: Target, keyID: String, at: Date) async throws -> APIKey {
        let provisioned = try await target.provisioner.provisionKey(for: target.pool)
        let secret = String(decoding: provisioned.secret, as: UTF8.self)
        try KeyShape(provider: target.pool.provider).validate(secret)
        let sealed = try sealer.seal(provisioned.secret, associatedData: Data(keyID.utf8))
        let key = try APIKey(
            id: keyID, provider: target.pool.provider, project: target.pool.project,
            label: provisioned.label ?? "provisioned \(at.formatted(.iso8601))", sealedSecret: sealed,
            fingerprint: SecretMask.fingerprint(secret), createdAt: at, quota: target.quota, priority: target.priority)
        try await store.addKey(key, actor: policy.actor, operation: .provision)
        return key
    }

    /// Counts the attempts the store's audit log holds for the pool within the window — those of
    /// other processes and of earlier runs too, so a CLI run from cron or a restarted daemon keeps
    /// the limit: a `.provisionFailed` entry of the pool (its detail starts `pool NAME,`) or a
    /// `.provision` of a key that belongs to the pool. Attempts of this coordinator are in the log
    /// as well, so the log's count replaces the one in memory (unless the log cannot be read).
    private func countRecordedAttempts(_ pool: KeyPool) async {
        let since = now().addingTimeInterval(-policy.window.seconds)
        guard let audit = try? await store.auditLog(keyID: nil),
            let keys = try? await store.keys(provider: pool.provider)
        else { return }
        let inPool = Set(keys.filter(pool.contains).map(\.id))
        let recorded = audit.filter { entry in
            guard entry.at > since else { return false }
            switch entry.operation {
            case .provisionFailed: return entry.detail?.hasPrefix("pool \(pool.name), ") == true
            case .provision: return inPool.contains(entry.keyID)
            default: return false
            }
        }
        attempts[pool.name] = recorded.map(\.at).sorted()
    }

    /// When the pool may next be attempted, if its window is full at `instant`; forgets attempts
    /// that left the window.
    private func rateLimitedUntil(_ name: String, at instant: Date) -> Date? {
        let window = policy.window.seconds
        var times = attempts[name, default: []]
        times.removeAll { $0 <= now().addingTimeInterval(-window) }
        attempts[name] = times
        let counted = times.filter { $0 > instant.addingTimeInterval(-window) }
        guard counted.count >= policy.attemptsPerWindow else { return nil }
        // free when enough of the oldest attempts have left the window
        return counted[counted.count - policy.attemptsPerWindow].addingTimeInterval(window)
    }
}
