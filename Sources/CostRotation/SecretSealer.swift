public import Foundation

/// Seals and opens key secrets. CostCrypto's `Vault` implements it (AES-256-GCM under a wrapped
/// data key); CostRotation only ever holds the sealed bytes.
public protocol SecretSealer: Sendable {
    /// Seals `plaintext`, binding `associatedData` (the key id); the result is self-describing (version, data-key id, nonce, ciphertext, tag).
    func seal(_ plaintext: Data, associatedData: Data) throws -> Data
    /// Opens what `seal` returned with the same associated data; throws on a wrong key, tampering or truncation.
    func open(_ sealed: Data, associatedData: Data) throws -> Data
}

/// Asks for a new key when a pool runs short (pool pressure). The implementation that runs a
/// user-configured command comes with the CLI; CostRotation only declares the hook.
///
/// For example:
/// ```swift
/// struct Script: KeyProvisioner {
///     func provisionKey(for pool: KeyPool) async throws -> ProvisionedKey { … }
/// }
/// ```
public protocol KeyProvisioner: Sendable {
    /// A new secret for `pool`'s provider (and project). The secret is plaintext here: the caller
    /// seals it at once and never logs it.
    ///
    /// - throws: any error; the caller retries with backoff and alerts.
    func provisionKey(for pool: KeyPool) async throws -> ProvisionedKey
}

/// What a ``KeyProvisioner`` returns: the new secret and, optionally, a label for it.
public struct ProvisionedKey: Sendable {
    public var secret: Data
    public var label: String?

    public init(secret: Data, label: String? = nil) {
        self.secret = secret
        self.label = label
    }
}

extension ProvisionedKey: CustomStringConvertible {
    /// Never the secret.
    public var description: String { "ProvisionedKey(label: \(label ?? "-"), secret: \(secret.count) bytes)" }
}
