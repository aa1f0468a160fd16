public import CostBudget
import Foundation

extension Alert {
    /// The alert for a key event. Kinds and severities:
    ///
    /// | Event | Kind | Severity |
    /// | --- | --- | --- |
    /// | key revoked (401/403) | `key-invalid` | critical |
    /// | pool pressure | `pool-pressure` | warning; critical when no usable key is left |
    /// | key provisioned | `key-provisioned` | info |
    /// | provisioning attempt failed | `provisioning-failed` | warning |
    /// | provisioning gave up | `provisioning-failed` | critical |
    ///
    /// Keys are built from the event's identity and instant, so the same event makes the same key.
    public init(key event: KeyEvent) {
        switch event {
        case .keyRevoked(let keyID, let provider, let status, let at):
            self.init(
                key: "key-invalid/\(keyID)/\(Self.milliseconds(at))", kind: .keyInvalid, severity: .critical, at: at,
                scope: "key=\(keyID) provider=\(provider)", title: "key '\(keyID)' was refused (\(status))",
                message: "\(provider) answered \(status) for key '\(keyID)'; it is revoked and out of its pool. Rotate it with `costctl keys rotate \(keyID)`.",
                data: ["key_id": keyID, "provider": provider, "status": String(status)])
        case .poolPressure(let pressure):
            let empty = pressure.usableKeys == 0
            self.init(
                key: "pool-pressure/\(pressure.pool)/\(pressure.reason.rawValue)/\(Self.milliseconds(pressure.at))", kind: .poolPressure,
                severity: empty ? .critical : .warning, at: pressure.at, scope: "pool=\(pressure.pool)",
                title: "key pool '\(pressure.pool)' is short of keys",
                message: String(
                    format: "pool '%@': %d of %d keys usable, mean utilization %.0f%% (threshold %.0f%%, %@)", pressure.pool,
                    pressure.usableKeys, pressure.totalKeys, pressure.utilization * 100, pressure.threshold * 100,
                    pressure.reason.rawValue),
                data: [
                    "pool": pressure.pool, "reason": pressure.reason.rawValue, "value": String(format: "%.4f", pressure.utilization),
                    "usable_keys": String(pressure.usableKeys), "total_keys": String(pressure.totalKeys),
                ])
        case .keyProvisioned(let keyID, let pool, let fingerprint, let at):
            self.init(
                key: "key-provisioned/\(keyID)", kind: .keyProvisioned, severity: .info, at: at, scope: "pool=\(pool)",
                title: "key '\(keyID)' was provisioned for '\(pool)'", message: "a new key \(fingerprint) joined pool '\(pool)'",
                data: ["key_id": keyID, "pool": pool, "fingerprint": fingerprint])
        case .provisioningFailed(let pool, let attempt, let error, let next):
            let at = Date()
            self.init(
                key: "provisioning-failed/\(pool)/\(attempt)/\(Self.milliseconds(next ?? at))", kind: .provisioningFailed,
                severity: .warning, at: at, scope: "pool=\(pool)", title: "provisioning a key for '\(pool)' failed (attempt \(attempt))",
                message: "attempt \(attempt) failed: \(error)" + (next.map { "; next attempt at \(ISO8601DateFormatter().string(from: $0))" } ?? ""),
                data: ["pool": pool, "attempt": String(attempt), "error": error])
        case .provisioningGaveUp(let pool, let attempts, let error, let at):
            self.init(
                key: "provisioning-gave-up/\(pool)/\(Self.milliseconds(at))", kind: .provisioningFailed, severity: .critical, at: at,
                scope: "pool=\(pool)", title: "provisioning for '\(pool)' gave up after \(attempts) attempts",
                message: "no key could be provisioned for '\(pool)' after \(attempts) attempts (last error: \(error)); add one with `costctl keys add`",
                data: ["pool": pool, "attempts": String(attempts), "error": error])
        }
    }
}
