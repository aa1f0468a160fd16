public import CostBudget
public import CostRotation
public import CostSQLite
public import Foundation

/// How the deliverer retries and paces.
public struct AlertDeliveryPolicy: Sendable, Hashable {
    /// Attempts per delivery before it fails for good.
    public var maxAttempts = 8
    /// The wait after the first failed attempt; doubled after each further one.
    public var baseDelay: Duration = .seconds(30)
    /// The longest wait between attempts.
    public var maxDelay: Duration = .seconds(3600)
    /// How long a claimed row stays with one deliverer before another may take it.
    public var lease: Duration = .seconds(300)
    /// Rows taken per round.
    public var batchSize = 100

    public init() {}

    /// A copy changed by `change`.
    public func with(_ change: (inout AlertDeliveryPolicy) -> Void) -> AlertDeliveryPolicy {
        var copy = self
        change(&copy)
        return copy
    }

    /// The wait after failed attempt number `attempt` (1-based): base × 2^(attempt−1), at most `maxDelay`.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(0, attempt - 1), 30)
        return min(maxDelay, baseDelay * factor)
    }
}

/// A channel as people see it: never its target, only the masked form.
public struct AlertChannelRow: Sendable, Hashable, Codable {
    public var name: String
    public var kind: AlertChannelKind
    public var target: String
    public var minimumSeverity: AlertSeverity
    public var ratePerMinute: Int
    public var to: [String]
    public var smtpInsecure: Bool
    public var createdAt: Date
}

/// An alert as people see it, with its deliveries.
public struct AlertRow: Sendable, Hashable, Codable {
    public var alert: Alert
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var deliveries: [AlertDelivery]
}

/// What one ``AlertCenter/deliver()`` round did.
public struct AlertDeliveryReport: Sendable, Hashable, Codable {
    public var escalated = 0
    public var attempted = 0
    public var delivered = 0
    /// Failed and due again later.
    public var retrying = 0
    /// Failed for good (out of attempts, or an answer that will not change).
    public var failed = 0
    /// Held back by a channel's rate limit.
    public var rateLimited = 0
}

/// Alerts as data and their delivery: channels (sealed in the vault), rules, the outbox, the
/// deliverer, acknowledgements and history, over ``SQLiteAlertStore``.
///
/// ``raise(_:)`` is one insert transaction (the alert and its routes): cheap enough for any path,
/// and it never talks to a network. ``deliver()`` drains the outbox once: escalations first, then
/// every due row, with retries and backoff (``AlertDeliveryPolicy``) and each channel's rate limit.
/// `costctl alerts deliver` and the daemon call it.
///
/// For example:
/// ```swift
/// let center = try AlertCenter.open(paths: ControlPaths(), environment: ProcessInfo.processInfo.environment)
/// try await center.addChannel(AlertChannelSpec(name: "ops", kind: .slack, secret: AlertChannelSecret(target: url)))
/// _ = try await center.raise(Alert(budget: budgetAlert))
/// let report = try await center.deliver()
/// ```
public struct AlertCenter: Sendable {
    public let store: SQLiteAlertStore
    /// Opens channel secrets; `nil` when no master key was available (then adding a channel and
    /// delivering throw, everything else works).
    public let sealer: (any SecretSealer)?
    public var policy: AlertDeliveryPolicy
    private let now: @Sendable () -> Date

    public init(
        store: SQLiteAlertStore, sealer: (any SecretSealer)?, policy: AlertDeliveryPolicy = AlertDeliveryPolicy(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.sealer = sealer
        self.policy = policy
        self.now = now
    }

    /// The alert store at `paths.database`, with the vault when `withVault` (which needs the master key).
    ///
    /// - throws: ``SQLiteError``; with `withVault`, the master key's ``CryptoError``s.
    public static func open(paths: ControlPaths, environment: [String: String], withVault: Bool) throws -> AlertCenter {
        let store = try SQLiteAlertStore(path: paths.database.path)
        guard withVault else { return AlertCenter(store: store, sealer: nil) }
        let master = try KeyVaultFile.masterKey(paths: paths, environment: environment)
        return AlertCenter(store: store, sealer: try KeyVaultFile.vault(database: paths.database.path, master: master))
    }

    private func requireSealer() throws -> any SecretSealer {
        guard let sealer else {
            throw ControlError(code: .invalidInput, message: "channel secrets need the master key: set COSTCTL_MASTER_KEY or COSTCTL_MASTER_KEY_FILE")
        }
        return sealer
    }

    // MARK: - Channels

    /// Validates `spec`, seals its target (associated data: the channel's name) and stores it,
    /// replacing a channel of the same name.
    ///
    /// - throws: ``ControlError`` `.invalidInput` (never quoting the secret).
    @discardableResult
    public func addChannel(_ spec: AlertChannelSpec) async throws -> AlertChannelRow {
        try spec.validate()
        let sealer = try requireSealer()
        var secret = spec.secret
        secret.target = secret.target.trimmingCharacters(in: .whitespacesAndNewlines)
        let sealed = try sealer.seal(try JSONEncoder().encode(secret), associatedData: Data(spec.name.utf8))
        let stored = StoredAlertChannel(
            name: spec.name, kind: spec.kind.rawValue, sealed: sealed, masked: AlertChannelMask.mask(secret, kind: spec.kind),
            minimumSeverity: spec.minimumSeverity, options: try JSONEncoder().encode(spec.options), ratePerMinute: spec.ratePerMinute,
            createdAt: now())
        try await store.saveChannel(stored)
        return Self.row(stored)
    }

    public func channels() async throws -> [AlertChannelRow] {
        try await store.channels().map(Self.row)
    }

    /// Removes a channel (its pending deliveries fail).
    ///
    /// - throws: ``ControlError`` `.notFound`.
    public func removeChannel(_ name: String) async throws {
        guard try await store.removeChannel(name: name, at: now()) else {
            throw ControlError(code: .notFound, message: "no alert channel named '\(name)' (see `costctl alerts channel list`)")
        }
    }

    private static func row(_ stored: StoredAlertChannel) -> AlertChannelRow {
        let options = (try? JSONDecoder().decode(AlertChannelOptions.self, from: stored.options)) ?? AlertChannelOptions()
        return AlertChannelRow(
            name: stored.name, kind: AlertChannelKind(rawValue: stored.kind) ?? .webhook, target: stored.masked,
            minimumSeverity: stored.minimumSeverity, ratePerMinute: stored.ratePerMinute, to: options.to,
            smtpInsecure: options.smtpInsecure, createdAt: stored.createdAt)
    }

    // MARK: - Rules

    /// Checks and stores rules (replacing those of the same names), all or none.
    ///
    /// - throws: ``ControlError`` `.invalidInput` listing every problem.
    public func saveRules(_ rules: [AlertRule]) async throws {
        let known = Set(try await store.channels().map(\.name))
        let problems = rules.flatMap { $0.problems(knownChannels: known) }
        guard problems.isEmpty else { throw ControlError(code: .invalidInput, message: problems.joined(separator: "; ")) }
        try await store.saveRules(rules, at: now())
    }

    /// Rules from a JSON file: an array of ``AlertRule`` objects (or `{"rules": [...]}`).
    ///
    /// - throws: ``ControlError`` `.invalidInput` for JSON that is not rules, and as ``saveRules(_:)``.
    public static func decodeRules(_ data: Data) throws -> [AlertRule] {
        struct File: Decodable { var rules: [AlertRule] }
        do {
            if let rules = try? JSONDecoder().decode([AlertRule].self, from: data) { return rules }
            return try JSONDecoder().decode(File.self, from: data).rules
        } catch {
            throw ControlError(code: .invalidInput, message: "the rules file is not a JSON array of rules (each needs \"name\" and \"channels\"): \(error)")
        }
    }

    public func rules() async throws -> [AlertRule] { try await store.rules() }

    /// - throws: ``ControlError`` `.notFound`.
    public func removeRule(_ name: String) async throws {
        guard try await store.removeRule(name: name) else {
            throw ControlError(code: .notFound, message: "no alert rule named '\(name)' (see `costctl alerts rule list`)")
        }
    }

    // MARK: - Raising

    /// Routes `alert` by the rules (by channel severity alone when there are none) and stores it
    /// with its outbox rows in one transaction. Raising the same key again changes nothing.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for an unusable key; ``SQLiteError``.
    @discardableResult
    public func raise(_ alert: Alert) async throws -> AlertEnqueueResult {
        guard alert.hasValidKey else {
            throw ControlError(code: .invalidInput, message: "an alert key must be 1-255 characters without control characters")
        }
        let rules = try await store.rules()
        let channels = try await store.channels()
        let (routed, routes) = alert.routed(by: rules, fallback: channels.map { ($0.name, $0.minimumSeverity) })
        return try await store.enqueue(routed, routes: routes, at: now())
    }

    /// Raises a test alert for one channel only (`costctl alerts channel test`).
    ///
    /// - throws: ``ControlError`` `.notFound`.
    @discardableResult
    public func raiseTest(channel: String) async throws -> Alert {
        guard try await store.channels().contains(where: { $0.name == channel }) else {
            throw ControlError(code: .notFound, message: "no alert channel named '\(channel)' (see `costctl alerts channel list`)")
        }
        let at = now()
        let alert = Alert(
            key: "test/\(channel)/\(UUID().uuidString.lowercased())", kind: .manual, severity: .info, at: at, scope: "channel=\(channel)",
            title: "costctl test alert", message: "If you can read this, channel '\(channel)' works.")
        _ = try await store.enqueue(alert, routes: [AlertRoute(channel: channel, notBefore: at, coolDownSeconds: 0, reason: "test")], at: at)
        return alert
    }

    // MARK: - Delivery

    /// Drains the outbox once: queues due escalations, then sends every due row (retrying failures
    /// later with backoff, holding rows back by each channel's rate limit).
    ///
    /// - throws: ``ControlError`` when rows are due and there is no master key; ``SQLiteError``.
    public func deliver() async throws -> AlertDeliveryReport {
        var report = AlertDeliveryReport()
        report.escalated = try await escalate()
        let channels = Dictionary(try await store.channels().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var opened: [String: (AlertChannelKind, AlertChannelSecret, AlertChannelOptions)] = [:]
        while true {
            let at = now()
            let due = try await store.claim(at: at, limit: policy.batchSize, lease: policy.lease)
            if due.isEmpty { break }
            let sealer = try requireSealer()
            for (delivery, alert) in due {
                let attempt = delivery.attempts + 1
                guard let channel = channels[delivery.channel] else {
                    try await store.finish(delivery.id, attempt: attempt, at: now(), succeeded: false, detail: "the channel was removed", retryAt: nil)
                    report.failed += 1
                    continue
                }
                if channel.ratePerMinute > 0,
                    try await store.deliveredCount(channel: channel.name, since: now().addingTimeInterval(-60)) >= channel.ratePerMinute
                {
                    try await store.postpone(delivery.id, until: now().addingTimeInterval(60))
                    report.rateLimited += 1
                    continue
                }
                if opened[channel.name] == nil {
                    opened[channel.name] = try Self.open(channel, sealer: sealer)
                }
                guard let (kind, secret, options) = opened[channel.name] else { continue }
                report.attempted += 1
                let outcome = await AlertTransport.send(alert, kind: kind, secret: secret, options: options)
                let finished = now()
                switch outcome {
                case .delivered(let detail):
                    try await store.finish(delivery.id, attempt: attempt, at: finished, succeeded: true, detail: detail, retryAt: nil)
                    report.delivered += 1
                case .retry(let detail) where attempt < policy.maxAttempts:
                    let retryAt = finished.addingTimeInterval(policy.delay(afterAttempt: attempt).seconds)
                    try await store.finish(delivery.id, attempt: attempt, at: finished, succeeded: false, detail: detail, retryAt: retryAt)
                    report.retrying += 1
                case .retry(let detail), .permanent(let detail):
                    try await store.finish(delivery.id, attempt: attempt, at: finished, succeeded: false, detail: detail, retryAt: nil)
                    report.failed += 1
                }
            }
            if due.count < policy.batchSize { break }
        }
        return report
    }

    /// Opens a channel's sealed target.
    private static func open(
        _ channel: StoredAlertChannel, sealer: any SecretSealer
    ) throws -> (AlertChannelKind, AlertChannelSecret, AlertChannelOptions) {
        guard let kind = AlertChannelKind(rawValue: channel.kind) else {
            throw ControlError(code: .invalidInput, message: "alert channel '\(channel.name)' has kind '\(channel.kind)', which this build does not know")
        }
        let plain = try sealer.open(channel.sealed, associatedData: Data(channel.name.utf8))
        let secret = try JSONDecoder().decode(AlertChannelSecret.self, from: plain)
        let options = (try? JSONDecoder().decode(AlertChannelOptions.self, from: channel.options)) ?? AlertChannelOptions()
        return (kind, secret, options)
    }

    /// Queues critical alerts nobody acknowledged in time for their rules' escalation channels
    /// (once per alert and channel); returns how many were queued.
    private func escalate() async throws -> Int {
        let rules = try await store.rules().filter { $0.escalation != nil }
        guard !rules.isEmpty else { return 0 }
        let at = now()
        var queued = 0
        for stored in try await store.alerts(unacknowledgedOnly: true, minimumSeverity: .critical, limit: 1000) {
            for rule in rules where rule.matches(stored.alert) {
                guard let escalation = rule.escalation,
                    at.timeIntervalSince(stored.alert.at) >= Double(escalation.afterMinutes) * 60
                else { continue }
                let route = AlertRoute(channel: escalation.channel, notBefore: at, coolDownSeconds: 0, reason: "escalation:\(rule.name)")
                queued += try await store.enqueue(stored.alert, routes: [route], at: at).queued.count
            }
        }
        return queued
    }

    // MARK: - Reading

    /// Stored alerts, newest first.
    public func alerts(unacknowledgedOnly: Bool = false, minimumSeverity: AlertSeverity? = nil, limit: Int = 100) async throws -> [AlertRow] {
        try await store.alerts(unacknowledgedOnly: unacknowledgedOnly, minimumSeverity: minimumSeverity, limit: limit).map {
            AlertRow(alert: $0.alert, acknowledgedAt: $0.acknowledgedAt, acknowledgedBy: $0.acknowledgedBy, deliveries: $0.deliveries)
        }
    }

    /// Acknowledges an alert (stops its escalation).
    ///
    /// - throws: ``ControlError`` `.notFound` when there is no such unacknowledged alert.
    public func acknowledge(_ key: String, by actor: String) async throws {
        guard try await store.acknowledge(key: key, by: actor, at: now()) else {
            let exists = try await store.alert(key: key) != nil
            throw ControlError(
                code: .notFound,
                message: exists ? "alert '\(key)' was acknowledged already" : "no alert with key '\(key)' (see `costctl alerts list`)")
        }
    }

    /// Delivery attempts, newest first.
    public func history(limit: Int = 100) async throws -> [AlertAttempt] {
        try await store.attempts(limit: limit)
    }
}

/// An ``AlertSink`` for ``BudgetAlertMonitor``: each budget alert becomes an ``Alert`` raised into
/// the outbox (one insert; delivery happens later in ``AlertCenter/deliver()``).
public struct AlertOutboxSink: AlertSink {
    public let center: AlertCenter

    public init(center: AlertCenter) {
        self.center = center
    }

    public func deliver(_ alert: BudgetAlert) async throws {
        try await center.raise(Alert(budget: alert))
    }

    /// Raises the alert for a key event (revoked key, pool pressure, provisioning).
    public func deliver(_ event: KeyEvent) async throws {
        try await center.raise(Alert(key: event))
    }
}
