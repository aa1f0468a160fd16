public import CostPricing
internal import Foundation

/// An ``IdentifierHasher`` that stores `u_` + the first 128 bits of HMAC-SHA256(salt, identifier)
/// as lowercase hex.
///
/// The same salt always gives the same pseudonym, so per-user reports keep working; without the salt
/// the pseudonym cannot be tested against guessed identifiers, as a plain hash could. Keep the salt
/// secret and stable: a new salt gives every user a new pseudonym. The identifier is hashed as its
/// UTF-8 bytes exactly as given: no case folding or Unicode normalization is applied, so normalize
/// identifiers first if different spellings must meet.
///
/// The salt never appears in ``description``, ``debugDescription`` or `dump(_:)`.
///
/// For example:
/// ```swift
/// let hasher = try HMACIdentifierHasher(base64Salt: environment["COSTCTL_USER_SALT"] ?? "")
/// hasher.pseudonym(for: "alice@example.com")  // "u_" + 32 lowercase hex digits
/// print(hasher)  // HMACIdentifierHasher(salt: <redacted>)
/// ```
public struct HMACIdentifierHasher: IdentifierHasher {
    /// The shortest salt accepted, in bytes (128 bits).
    public static let minimumSaltByteCount = 16

    /// The prefix of every pseudonym.
    public static let pseudonymPrefix = "u_"

    /// How many bytes of the authentication code a pseudonym keeps (128 bits, 32 hex digits).
    public static let pseudonymByteCount = 16

    private let salt: [UInt8]

    /// A hasher keyed by `salt`, a secret of at least ``minimumSaltByteCount`` random bytes.
    ///
    /// For example:
    /// ```swift
    /// let hasher = try HMACIdentifierHasher(salt: SecureRandom.bytes(32))
    /// ```
    ///
    /// - throws: ``CryptoError`` with code ``CryptoError/Code/weakKey`` when `salt` is shorter than
    ///   ``minimumSaltByteCount`` bytes.
    public init(salt: [UInt8]) throws {
        guard salt.count >= Self.minimumSaltByteCount else {
            throw CryptoError(
                code: .weakKey,
                message: "salt is \(salt.count) bytes; at least \(Self.minimumSaltByteCount) random bytes are "
                    + "required (make one with `openssl rand -base64 32`)"
            )
        }
        self.salt = salt
    }

    /// A hasher keyed by the bytes that `base64Salt` encodes (standard base64, padded; surrounding
    /// whitespace and a trailing newline are ignored).
    ///
    /// For example:
    /// ```swift
    /// let hasher = try HMACIdentifierHasher(base64Salt: "3q2+7wABAgMEBQYHCAkKCw==")
    /// ```
    ///
    /// - throws: ``CryptoError`` with code ``CryptoError/Code/invalidEncoding`` when `base64Salt` is
    ///   not base64, or ``CryptoError/Code/weakKey`` when it decodes to fewer than
    ///   ``minimumSaltByteCount`` bytes. The message never quotes the text.
    public init(base64Salt: String) throws {
        let text = base64Salt.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: text) else {
            throw CryptoError(
                code: .invalidEncoding,
                message: "salt is not valid base64 (\(text.count) characters); "
                    + "make one with `openssl rand -base64 32`"
            )
        }
        try self.init(salt: [UInt8](data))
    }

    /// `u_` followed by the first 16 bytes of HMAC-SHA256(salt, UTF-8 of `identifier`) in lowercase hex.
    ///
    /// For example:
    /// ```swift
    /// hasher.pseudonym(for: "alice@example.com")  // "u_" + 32 lowercase hex digits, stable for this salt
    /// ```
    public func pseudonym(for identifier: String) -> String {
        let code = HMACSHA256.authenticationCode(for: identifier, key: salt)
        return Self.pseudonymPrefix + Hex.lowercase(code.prefix(Self.pseudonymByteCount))
    }
}

// MARK: - Redaction

extension HMACIdentifierHasher: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "HMACIdentifierHasher(salt: <redacted>)" }
    public var debugDescription: String { description }
    /// No children, so `dump(_:)` and mirrors cannot reveal the salt.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
