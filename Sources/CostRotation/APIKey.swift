public import Foundation

/// An API key of a provider: its sealed secret (only a ``SecretSealer`` can open it), a masked
/// fingerprint for display, its status and quota.
///
/// `description` never shows the secret, so a key can be logged or printed as it is.
///
/// For example:
/// ```swift
/// let sealed = try vault.seal(Data(secret.utf8), associatedData: Data("k1".utf8))
/// let key = try APIKey(id: "k1", provider: "anthropic", label: "team", sealedSecret: sealed,
///                      fingerprint: "sk-ant-…a1b2", createdAt: now, quota: quota)
/// ```
public struct APIKey: Sendable, Hashable, Identifiable {
    public var id: String
    public var provider: String
    /// The project the key belongs to; a pool for that project uses only such keys.
    public var project: String?
    public var label: String
    /// What ``SecretSealer/seal(_:associatedData:)`` returned, with the key id as associated data.
    public var sealedSecret: Data
    /// A masked form for display (`sk-ant-…a1b2`), given by the caller.
    public var fingerprint: String
    public var status: KeyStatus
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var quota: KeyQuota
    /// For the fixed-priority strategy: lower goes first (ties by id).
    public var priority: Int
    /// Rate limits in a row since the last success (the exponent of the backoff).
    public var consecutiveRateLimits: Int

    /// - throws: ``RotationError`` `.invalidKey` for an empty id or provider.
    public init(
        id: String, provider: String, project: String? = nil, label: String, sealedSecret: Data, fingerprint: String,
        status: KeyStatus = .active, createdAt: Date, lastUsedAt: Date? = nil, quota: KeyQuota = .unlimited,
        priority: Int = 0
    ) throws {
        guard !id.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RotationError(code: .invalidKey, message: "a key needs an id")
        }
        guard !provider.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RotationError(code: .invalidKey, message: "key '\(id)' needs a provider")
        }
        self.id = id
        self.provider = provider
        self.project = project
        self.label = label
        self.sealedSecret = sealedSecret
        self.fingerprint = fingerprint
        self.status = status
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.quota = quota
        self.priority = priority
        consecutiveRateLimits = 0
    }

    /// The status as it stands at `instant`: a cooldown or an exhaustion that has ended is active.
    public func status(at instant: Date) -> KeyStatus {
        switch status {
        case .coolingDown(let until), .exhausted(let until): instant >= until ? .active : status
        default: status
        }
    }
}

extension APIKey: CustomStringConvertible {
    /// The id, provider, label, fingerprint and status; never the secret.
    public var description: String { "\(id) (\(provider), \(label), \(fingerprint), \(status))" }
}

/// A key's status.
public enum KeyStatus: Sendable, Hashable {
    case active
    /// Rate limited: not handed out before `until`.
    case coolingDown(until: Date)
    /// Its quota is used up: not handed out before `until` (the quota's next reset).
    case exhausted(until: Date)
    /// Switched off by someone, with the reason.
    case disabled(reason: String)
    /// The provider refused it (401/403): not handed out until it is enabled again.
    case revoked

    public var name: String {
        switch self {
        case .active: "active"
        case .coolingDown: "cooling-down"
        case .exhausted: "exhausted"
        case .disabled: "disabled"
        case .revoked: "revoked"
        }
    }
}

extension KeyStatus: CustomStringConvertible {
    public var description: String {
        switch self {
        case .active, .revoked: name
        case .coolingDown(let until), .exhausted(let until): "\(name) until \(until.formatted(.iso8601))"
        case .disabled(let reason): "disabled: \(reason)"
        }
    }
}
