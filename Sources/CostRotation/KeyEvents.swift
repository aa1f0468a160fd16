public import Foundation

/// Something a person should hear about: a key the provider refused, a pool running short.
public enum KeyEvent: Sendable, Hashable {
    /// The provider answered 401/403: the key is revoked and out of the pool.
    case keyRevoked(keyID: String, provider: String, status: Int, at: Date)
    /// The pool is short of keys; time to provision one (``KeyProvisioner``, ``KeyProvisioning``).
    case poolPressure(PoolPressure)
    /// A provisioner gave a key and it joined the pool (usable by the next acquire).
    case keyProvisioned(keyID: String, pool: String, fingerprint: String, at: Date)
    /// Attempt `attempt` to provision a key for `pool` failed with `error` (scrubbed: never a
    /// secret); the next attempt is at `nextAttemptAt`, or none when `nil` (then
    /// ``provisioningGaveUp(pool:attempts:error:at:)`` follows).
    case provisioningFailed(pool: String, attempt: Int, error: String, nextAttemptAt: Date?)
    /// Provisioning for `pool` stopped after `attempts` failed attempts; someone has to act.
    case provisioningGaveUp(pool: String, attempts: Int, error: String, at: Date)
}

/// A pool running short: its utilization reached the threshold, or the last usable key is in use.
public struct PoolPressure: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable, Codable {
        /// The mean utilization of the pool's keys reached the threshold.
        case utilization
        /// One usable key is left and it is leased, or none is left (a pool without keys too).
        case lastKeyInUse = "last-key-in-use"
    }

    public var pool: String
    public var reason: Reason
    /// The mean utilization over the pool's keys that are not disabled or revoked (a ratio).
    public var utilization: Double
    public var threshold: Double
    /// Keys that are active (not cooling, exhausted, disabled or revoked).
    public var usableKeys: Int
    public var totalKeys: Int
    public var at: Date

    /// Evaluates pressure on `pool` from its keys' views and the number of open leases per key;
    /// `nil` when there is none.
    package static func evaluate(
        _ pool: KeyPool, views: [KeyView], leases: [String: Int], at instant: Date
    ) -> PoolPressure? {
        var ratios: [Double] = []
        var usable: [String] = []
        for view in views {
            switch view.key.status(at: instant) {
            case .disabled, .revoked: continue
            case .coolingDown, .exhausted: ratios.append(max(1, view.quota.utilization))
            case .active:
                let full = view.quota.meters.contains { $0.remaining == 0 }
                ratios.append(full ? max(1, view.quota.utilization) : view.quota.utilization)
                if !full { usable.append(view.key.id) }
            }
        }
        let utilization = ratios.isEmpty ? 0 : ratios.reduce(0, +) / Double(ratios.count)
        let lastInUse = usable.isEmpty || (usable.count == 1 && leases[usable[0], default: 0] > 0)
        let reason: Reason
        if usable.isEmpty {
            reason = .lastKeyInUse  // also a pool without keys: provisioning is the way out
        } else if utilization >= pool.pressureThreshold {
            reason = .utilization
        } else if lastInUse {
            reason = .lastKeyInUse
        } else {
            return nil
        }
        return PoolPressure(
            pool: pool.name, reason: reason, utilization: utilization, threshold: pool.pressureThreshold,
            usableKeys: usable.count, totalKeys: views.count, at: instant)
    }
}

/// One key operation in the audit log: when, who, what, which key. Never the secret.
public struct KeyAuditEntry: Sendable, Hashable, Codable {
    public enum Operation: String, Sendable, Hashable, Codable, CaseIterable {
        case add, disable, enable, rotate, provision, reveal, remove
        /// An attempt to provision a key failed (the key id is the one the key would have had).
        case provisionFailed = "provision-failed"
    }

    public var at: Date
    public var actor: String
    public var operation: Operation
    public var keyID: String
    /// A reason or a note (for example "401 from the provider"); never a secret.
    public var detail: String?

    public init(at: Date, actor: String, operation: Operation, keyID: String, detail: String? = nil) {
        self.at = at
        self.actor = actor
        self.operation = operation
        self.keyID = keyID
        self.detail = detail
    }
}
