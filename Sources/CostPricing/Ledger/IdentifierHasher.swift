/// Turns a personal identifier (a user id) into a stable pseudonym before it is stored.
///
/// A ledger configured with a hasher stores only pseudonyms: the same input always maps to the same
/// output, so per-user reports and `forget` still work, but the stored value does not reveal the id.
/// CostCrypto's `HMACIdentifierHasher` implements this with HMAC-SHA256 under a secret salt.
///
/// For example:
/// ```swift
/// let hasher: any IdentifierHasher = try HMACIdentifierHasher(salt: secretSalt)
/// hasher.pseudonym(for: "alice@example.com")  // "u_3f9a…" (stable for that salt)
/// ```
public protocol IdentifierHasher: Sendable {
    /// The pseudonym stored in place of `identifier`; deterministic for a given hasher.
    func pseudonym(for identifier: String) -> String
}
