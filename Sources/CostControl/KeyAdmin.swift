import CostPricing
public import CostRotation
public import Foundation

/// What `costctl keys …` does, for any key store and sealer: add a key from its secret (sealed
/// at once), list keys with their quotas, show one key's use, disable, enable, remove, rotate,
/// pick a key for a request, and reveal a secret (audited). Secrets go in as bytes and come out
/// only from ``reveal(id:confirmed:)`` and ``pick(provider:project:tokens:strategy:reveal:)``.
///
/// For example:
/// ```swift
/// let admin = KeyAdmin(store: store, sealer: vault, actor: "alice")
/// let row = try await admin.add(KeySpec(provider: "anthropic", label: "k3", quota: quota), secret: Data(secret.utf8))
/// print(row.fingerprint)   // sk-ant-…a1b2
/// ```
public struct KeyAdmin: Sendable {
    public let store: any KeyStore
    public let sealer: any SecretSealer
    /// Who the audit log names (the user running the CLI, or a service name).
    public let actor: String
    /// Where the pools' provisioners are configured; `nil`: no provisioning.
    public let settings: (any ProvisionerSettingsStore)?
    /// How provisioning runs here. The default makes one attempt per trigger (no waiting between
    /// retries in a short-lived command): the next trigger retries, within the rate limit that the
    /// audit log keeps across processes.
    public let provisioningPolicy: KeyProvisioning.Policy
    /// Where provisioning's events go (key provisioned, provisioning failed or given up, pool
    /// pressure): `costctl keys` passes the alert outbox of the same database
    /// (``AlertOutboxSink``), so they become alerts.
    public let alert: @Sendable (KeyEvent) async -> Void
    let now: @Sendable () -> Date

    public init(
        store: any KeyStore, sealer: any SecretSealer, actor: String, settings: (any ProvisionerSettingsStore)? = nil,
        provisioningPolicy: KeyProvisioning.Policy = KeyProvisioning.Policy().with { $0.maximumAttempts = 1 },
        alert: @escaping @Sendable (KeyEvent) async -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.alert = alert
        self.store = store
        self.sealer = sealer
        self.actor = actor
        self.settings = settings
        self.provisioningPolicy = provisioningPolicy.with { $0.actor = actor }
        self.now = now
    }

    /// The audit actor for a CLI user: `$USER` (or `$LOGNAME`), else `cli`.
    public static func cliActor(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let name = environment["USER"] ?? environment["LOGNAME"] ?? ""
        return name.isEmpty ? "cli" : "cli:\(name)"
    }

    // MARK: - Changing keys

    /// Validates the secret's shape, seals it with the key id as associated data, and stores the key.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a bad id or secret (the message never holds
    ///   the secret), ``RotationError`` `.duplicateKey`.
    @discardableResult
    public func add(_ spec: KeySpec, secret: Data) async throws -> KeyRow {
        let text = try KeySecretInput.validate(secret, provider: spec.provider)
        let id = try spec.resolvedID()
        if try await store.key(id: id) != nil {
            throw ControlError(
                code: .invalidInput,
                message: "a key with id '\(id)' exists; choose another --id or --label, or replace its secret with `costctl keys rotate \(id)`")
        }
        let sealed = try sealer.seal(Data(text.utf8), associatedData: Data(id.utf8))
        let key = try APIKey(
            id: id, provider: spec.provider.lowercased(), project: spec.project, label: spec.label, sealedSecret: sealed,
            fingerprint: SecretMask.fingerprint(text), createdAt: now(), quota: spec.quota, priority: spec.priority)
        try await store.addKey(key, actor: actor)
        return try await row(key)
    }

    /// Replaces a key's secret (its usage log and quota stay); audited as `rotate`.
    @discardableResult
    public func rotate(id: String, secret: Data) async throws -> KeyRow {
        let key = try await require(id)
        let text = try KeySecretInput.validate(secret, provider: key.provider)
        let sealed = try sealer.seal(Data(text.utf8), associatedData: Data(id.utf8))
        return try await row(try await store.replaceSecret(
            id: id, sealedSecret: sealed, fingerprint: SecretMask.fingerprint(text), actor: actor))
    }

    @discardableResult
    public func setEnabled(_ enabled: Bool, id: String, reason: String? = nil) async throws -> KeyRow {
        _ = try await require(id)
        return try await row(try await store.setEnabled(enabled, id: id, reason: reason, actor: actor))
    }

    /// Removes a key with its log; audited as `remove`.
    ///
    /// - throws: ``RotationError`` `.unknownKey` (with the ids there are).
    public func remove(id: String) async throws {
        _ = try await require(id)
        _ = try await store.removeKey(id: id, actor: actor)
    }

    /// The secret of a key, only when `confirmed` (the CLI's `--yes`); audited as `reveal`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` without confirmation; the sealer's error when the
    ///   secret cannot be opened (wrong master key, tampering).
    public func reveal(id: String, confirmed: Bool) async throws -> String {
        let key = try await require(id)
        guard confirmed else {
            throw ControlError(
                code: .invalidInput,
                message: "revealing prints the secret of '\(id)' in clear and is recorded in the audit log; add --yes to go ahead")
        }
        let secret = try open(key)
        try await store.recordReveal(id: id, actor: actor)
        return secret
    }

    // MARK: - Reading

    /// Every key (of one provider when given), by id, with its quota state now.
    public func list(provider: String? = nil) async throws -> [KeyRow] {
        var rows: [KeyRow] = []
        for key in try await store.keys(provider: provider) { rows.append(try await row(key)) }
        return rows
    }

    /// One key with its use: outcomes and amounts over the last day, week and 30 days, and its
    /// audit trail.
    public func stats(id: String) async throws -> KeyStats {
        let key = try await require(id)
        let at = now()
        let log = try await store.usageLog(of: id, since: at.addingTimeInterval(-30 * 86_400))
        let windows: [(String, TimeInterval)] = [("24h", 86_400), ("7d", 7 * 86_400), ("30d", 30 * 86_400)]
        let usage = windows.map { name, length in
            KeyStats.Window(name: name, entries: log.filter { $0.at > at.addingTimeInterval(-length) })
        }
        return KeyStats(key: try await row(key), windows: usage, audit: try await store.auditLog(keyID: id))
    }

    /// The audit log (one key's when given), oldest first.
    public func audit(keyID: String? = nil) async throws -> [KeyAuditEntry] {
        try await store.auditLog(keyID: keyID)
    }

    /// The key the pool would hand out for a request of `tokens` now. The lease is given back at
    /// once: picking reserves nothing (a service uses ``Meter`` or ``KeyStore/acquire(_:from:)``).
    /// The secret is in the answer only when `reveal` (audited as `reveal`).
    ///
    /// When the pick puts the pool under pressure and the pool has a provisioner, it runs (one
    /// attempt, rate-limited); when nothing fits and provisioning brings a key, the pick is made
    /// again with it.
    public func pick(
        provider: String, project: String? = nil, tokens: Int, strategy: SelectionStrategy = .leastUtilized, reveal: Bool = false
    ) async throws -> KeyPick {
        guard tokens >= 0 else { throw ControlError(code: .invalidInput, message: "--tokens must not be negative, not \(tokens)") }
        let pool = KeyPool(provider: provider.lowercased(), project: project).with { $0.strategy = strategy }
        var selection = try await store.acquire(KeyRequest(tokens: tokens), from: pool)
        if let lease = selection.lease { _ = try await store.release(lease) }
        var provisioning: [KeyProvisioning.Outcome] = []
        if selection.events.contains(where: { if case .poolPressure = $0 { true } else { false } }) {
            provisioning = try await provisioner(strategy: strategy).handle(selection.events)
                .filter { if case .noProvisioner = $0 { false } else { true } }
            if selection.key == nil, provisioning.contains(where: { if case .provisioned = $0 { true } else { false } }) {
                selection = try await store.acquire(KeyRequest(tokens: tokens), from: pool)
                if let lease = selection.lease { _ = try await store.release(lease) }
            }
        }
        guard let key = selection.key else {
            return KeyPick(key: nil, secret: nil, selection: selection, provisioning: provisioning)
        }
        var secret: String?
        if reveal {
            secret = try open(key)
            try await store.recordReveal(id: key.id, actor: actor)
        }
        return KeyPick(key: try await row(key), secret: secret, selection: selection, provisioning: provisioning)
    }

    // MARK: - Provisioning

    /// Sets the provisioner of a pool (its command resolved to an absolute path and checked).
    @discardableResult
    public func setProvisioner(_ setting: ProvisionerSetting) async throws -> ProvisionerSetting {
        let settings = try requireSettings()
        var resolved = try setting.resolved()
        resolved.updatedAt = now()
        try await settings.setProvisioner(resolved)
        return resolved
    }

    public func provisioners() async throws -> [ProvisionerSetting] {
        try await settings?.provisioners() ?? []
    }

    /// - throws: ``ControlError`` `.invalidInput` when the pool has no provisioner.
    public func removeProvisioner(provider: String, project: String? = nil) async throws {
        let name = KeyPool(provider: provider.lowercased(), project: project).name
        guard try await requireSettings().removeProvisioner(pool: name) else {
            throw ControlError(code: .invalidInput, message: "pool '\(name)' has no provisioner")
        }
    }

    /// Runs the pool's provisioner now (whatever the pool's pressure, within the rate limit).
    ///
    /// - throws: ``ControlError`` `.invalidInput` when the pool has no provisioner.
    public func provisionNow(provider: String, project: String? = nil) async throws -> KeyProvisioning.Outcome {
        let name = KeyPool(provider: provider.lowercased(), project: project).name
        let coordinator = try await provisioner()
        let outcome = await coordinator.provisionNow(pool: name)
        if case .noProvisioner = outcome {
            throw ControlError(
                code: .invalidInput,
                message: "pool '\(name)' has no provisioner; set one with `costctl keys provisioner set --provider \(provider) --command PATH`")
        }
        return outcome
    }

    /// A coordinator with every configured pool's provisioner; events go to `alert` (this admin's
    /// ``alert`` when `nil`).
    public func provisioner(
        strategy: SelectionStrategy = .leastUtilized, alert: (@Sendable (KeyEvent) async -> Void)? = nil
    ) async throws -> KeyProvisioning {
        let targets = try await provisioners().map { $0.target(strategy: strategy) }
        return KeyProvisioning(
            store: store, sealer: sealer, targets: targets, policy: provisioningPolicy, now: now, alert: alert ?? self.alert)
    }

    func requireSettings() throws -> any ProvisionerSettingsStore {
        guard let settings else {
            throw ControlError(code: .invalidInput, message: "this key store keeps no provisioner settings")
        }
        return settings
    }

    // MARK: - Helpers

    func open(_ key: APIKey) throws -> String {
        String(decoding: try sealer.open(key.sealedSecret, associatedData: Data(key.id.utf8)), as: UTF8.self)
    }

    func require(_ id: String) async throws -> APIKey {
        if let key = try await store.key(id: id) { return key }
        let ids = try await store.keys(provider: nil).map(\.id)
        var hint = Suggest.didYouMean(id, in: ids)
        if hint.isEmpty {
            hint = ids.isEmpty ? "; there are no keys yet (costctl keys add)" : "; keys: \(ids.prefix(10).joined(separator: ", "))"
        }
        throw RotationError(code: .unknownKey, message: "no key with id '\(id)'\(hint)")
    }

    func row(_ key: APIKey) async throws -> KeyRow {
        KeyRow(key: key, quota: try await store.quotaState(of: key.id), at: now())
    }
}

/// A key to add: provider, label, optional id and project, quota and priority.
public struct KeySpec: Sendable, Hashable {
    public var provider: String
    public var label: String
    /// The key's id; the label (lower-cased, spaces to dashes) when `nil`.
    public var id: String?
    public var project: String?
    public var quota: KeyQuota
    public var priority: Int

    public init(provider: String, label: String, id: String? = nil, project: String? = nil, quota: KeyQuota = .unlimited, priority: Int = 0) {
        self.provider = provider
        self.label = label
        self.id = id
        self.project = project
        self.quota = quota
        self.priority = priority
    }

    /// The id to store: `id`, else the label made into an id.
    func resolvedID() throws -> String {
        let raw = id ?? label.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: "-")
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.:"))
        guard !raw.isEmpty, raw.count <= 64, raw.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ControlError(
                code: .invalidInput,
                message: "key id '\(raw)' must be 1 to 64 letters, digits, '-', '_', '.' or ':'; give one with --id")
        }
        return raw
    }

    /// Builds a quota from the CLI's words: `--tokens-per-30d`, `--requests-per-day`,
    /// `--requests-per-minute`, `--spend-per-month` (dollars), and `--reset`. Without `--reset`,
    /// tokens count over a rolling 30 days, spend per calendar month (day 1 in `timeZone`), and
    /// requests per day reset at midnight in `timeZone`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a spend that is not an amount, or a token
    ///   quota and a spend quota that would need different resets; ``RotationError`` for the rest.
    public static func quota(
        tokensPer30d: Int? = nil, requestsPerDay: Int? = nil, requestsPerMinute: Int? = nil, spendPerMonth: String? = nil,
        reset: String? = nil, timeZone: TimeZone
    ) throws -> KeyQuota {
        var spend: Money?
        if let spendPerMonth {
            guard let amount = Money(spendPerMonth) else {
                throw ControlError(code: .invalidInput, message: "--spend-per-month '\(spendPerMonth)' is not an amount in dollars (e.g. 50 or 12.50)")
            }
            spend = amount
        }
        let schedule: QuotaReset
        if let reset {
            schedule = try QuotaReset(parsing: reset, defaultTimeZone: timeZone)
        } else if spend != nil && tokensPer30d == nil {
            schedule = .monthly(day: 1, timeZone: timeZone)
        } else if tokensPer30d == nil && spend == nil && requestsPerDay != nil {
            schedule = .daily(hour: 0, timeZone: timeZone)
        } else {
            if spend != nil {
                throw ControlError(
                    code: .invalidInput,
                    message: "--tokens-per-30d and --spend-per-month share one reset; give it with --reset (rolling30 or monthly:1)")
            }
            schedule = .standard
        }
        return try KeyQuota(tokens: tokensPer30d, requestsPerMinute: requestsPerMinute, requestsPerDay: requestsPerDay, spend: spend, reset: schedule)
    }
}

/// One key as `keys list` shows it: never the secret.
public struct KeyRow: Sendable, Hashable, Encodable {
    public struct Meter: Sendable, Hashable, Encodable {
        public var measure: String
        public var used: String
        public var pending: String
        public var limit: String
        public var utilization: Double
        public var nextReset: Date?
        public var rolling: Bool
    }

    public var id: String
    public var provider: String
    public var project: String?
    public var label: String
    public var fingerprint: String
    /// `active`, `cooling-down`, `exhausted`, `disabled` or `revoked`, as it stands now.
    public var status: String
    /// When a cooldown or an exhaustion ends; the reason of a disabled key.
    public var statusUntil: Date?
    public var statusReason: String?
    public var reset: String
    public var priority: Int
    /// The highest utilization of its limits (0 for an unlimited key).
    public var utilization: Double
    public var meters: [Meter]
    public var createdAt: Date
    public var lastUsedAt: Date?

    init(key: APIKey, quota: QuotaState?, at instant: Date) {
        id = key.id
        provider = key.provider
        project = key.project
        label = key.label
        fingerprint = key.fingerprint
        let status = key.status(at: instant)
        self.status = status.name
        switch status {
        case .coolingDown(let until), .exhausted(let until): statusUntil = until
        case .disabled(let reason): statusReason = reason
        case .active, .revoked: break
        }
        reset = key.quota.isUnlimited ? "-" : key.quota.reset.description
        priority = key.priority
        meters = (quota?.meters ?? []).map { meter in
            let text: (Int128) -> String = { amount in
                meter.measure == .spend ? Money(units: amount).formatted(places: 2) : String(amount)
            }
            return Meter(
                measure: meter.measure.rawValue, used: text(meter.used), pending: text(meter.pending), limit: text(meter.limit),
                utilization: meter.utilization, nextReset: meter.nextReset, rolling: meter.isRolling)
        }
        utilization = meters.map(\.utilization).max() ?? 0
        createdAt = key.createdAt
        lastUsedAt = key.lastUsedAt
    }

    /// The meter that is fullest (the one to show first).
    public var fullest: Meter? { meters.max { $0.utilization < $1.utilization } }
}

/// `keys stats ID`: the key, its use over three windows, and its audit trail.
public struct KeyStats: Sendable, Encodable {
    public struct Window: Sendable, Encodable {
        public var name: String
        public var requests: Int
        public var tokens: Int
        public var cost: String
        /// Uses by outcome (`success`, `rate-limited`, …).
        public var outcomes: [String: Int]

        init(name: String, entries: [KeyUsageEntry]) {
            self.name = name
            requests = entries.reduce(0) { $0 + $1.requests }
            tokens = entries.reduce(0) { $0 + $1.tokens }
            cost = entries.reduce(Money.zero) { $0 + $1.cost }.formatted(places: 4)
            outcomes = Dictionary(grouping: entries, by: \.outcome.rawValue).mapValues(\.count)
        }
    }

    public var key: KeyRow
    public var windows: [Window]
    public var audit: [KeyAuditEntry]
}

/// `keys pick`: the chosen key (or why none fits), its secret only when asked for, and what
/// provisioning did when the pick put the pool under pressure.
public struct KeyPick: Sendable {
    public var key: KeyRow?
    public var secret: String?
    public var selection: KeySelection
    public var provisioning: [KeyProvisioning.Outcome]
}

/// Reads a secret given by a person (stdin, a prompt) and checks it with CostRotation's
/// ``KeyShape``, the one place the shape rules live. Errors never include the secret.
enum KeySecretInput {
    /// The secret as text, trimmed of surrounding white space (a trailing newline from stdin).
    ///
    /// - throws: ``ControlError`` `.invalidInput` naming what is wrong.
    static func validate(_ secret: Data, provider: String) throws -> String {
        let text = String(decoding: secret, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw ControlError(code: .invalidInput, message: "the secret is empty; pipe it on stdin or type it at the prompt")
        }
        if let problem = KeyShape(provider: provider).problem(with: text) {
            throw ControlError(code: .invalidInput, message: problem + " (is it another provider's key, or cut short?)")
        }
        return text
    }
}
