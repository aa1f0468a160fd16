internal import CCostCrypto
public import Foundation

/// The 256-bit key that wraps the vault's data key: from `COSTCTL_MASTER_KEY` (standard base64 of
/// exactly 32 bytes) or from a key file holding the same text with permissions 0600.
///
/// The key bytes live in a buffer this module owns and overwrites with zeros when the last copy of the
/// key goes away. The key never appears in ``description``, `dump(_:)` or an error; ``id`` names it
/// without revealing it.
///
/// For example:
/// ```swift
/// let master = try MasterKey.load(keyFile: "/home/me/.config/costctl/master.key")
/// print(master)  // MasterKey(id: 3f9c0a1b2c3d4e5f, <redacted>)
/// ```
public struct MasterKey: Sendable {
    /// The size of a master key in bytes.
    public static let byteCount = 32

    /// The environment variable holding the key as base64.
    public static let environmentVariable = "COSTCTL_MASTER_KEY"

    /// The environment variable naming a key file, read when ``environmentVariable`` is unset.
    public static let keyFileEnvironmentVariable = "COSTCTL_MASTER_KEY_FILE"

    let secret: SecretBytes

    /// A public name for this key: 16 lowercase hex digits, the first 8 bytes of
    /// HMAC-SHA256(key, "costctl master key id v1"). Stored beside wrapped data keys so a wrong
    /// master key is reported as such; it cannot be turned back into the key.
    public let id: String

    init(secret: SecretBytes) {
        self.secret = secret
        self.id = secret.withUnsafeBytes { key in
            Hex.lowercase(HMACSHA256.authenticationCode(for: Array("costctl master key id v1".utf8), key: key).prefix(8))
        }
    }

    /// A master key from its 32 bytes.
    ///
    /// For example:
    /// ```swift
    /// let master = try MasterKey(bytes: SecureRandom.bytes(32))
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/invalidKey`` unless `bytes` holds exactly 32 bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else { throw Self.wrongSize(bytes.count, source: "the key") }
        self.init(secret: bytes.withUnsafeBytes { SecretBytes(copying: $0) })
    }

    /// A master key from the standard base64 (padded) of its 32 bytes, as `openssl rand -base64 32`
    /// prints it; surrounding whitespace and newlines are ignored.
    ///
    /// For example:
    /// ```swift
    /// let master = try MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/invalidEncoding`` when the text is not base64,
    ///   ``CryptoError/Code/invalidKey`` when it does not decode to 32 bytes. Messages never quote it.
    public init(base64: String) throws {
        var text = Array(base64.utf8)
        defer { SecretBytes.cleanse(&text) }
        try self.init(base64Text: text, source: "the master key")
    }

    /// Decodes base64 text (bytes), naming `source` in errors; the decoded bytes are cleared after copying.
    init(base64Text text: [UInt8], source: String) throws {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d }
        let start = text.firstIndex { !isSpace($0) } ?? text.endIndex
        let end = (text.lastIndex { !isSpace($0) } ?? start - 1) + 1
        var trimmed = Data(text[start..<max(start, end)])
        defer { trimmed.withUnsafeMutableBytes { SecretBytes.cleanse($0) } }
        guard var decoded = Data(base64Encoded: trimmed) else {
            throw CryptoError(
                code: .invalidEncoding,
                message: "\(source) is not valid base64 (\(trimmed.count) characters); "
                    + "make a key with `openssl rand -base64 32` or `costctl`'s key-file generator"
            )
        }
        defer { decoded.withUnsafeMutableBytes { SecretBytes.cleanse($0) } }
        guard decoded.count == Self.byteCount else { throw Self.wrongSize(decoded.count, source: source) }
        self.init(secret: decoded.withUnsafeBytes { SecretBytes(copying: $0) })
    }

    /// A new random master key.
    ///
    /// For example:
    /// ```swift
    /// let master = try MasterKey.generate()
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/randomUnavailable`` when the generator fails.
    public static func generate() throws -> MasterKey {
        let secret = try SecretBytes(count: byteCount) { buffer in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                RAND_bytes(base, Int32(buffer.count)) == 1
            else {
                throw CryptoError(
                    code: .randomUnavailable,
                    message: "the system random number generator failed "
                        + "(\(CryptoError.drainLibcryptoErrors() ?? "no error reported")); "
                        + "check that getrandom() or /dev/urandom is available"
                )
            }
        }
        return MasterKey(secret: secret)
    }

    /// The master key from `COSTCTL_MASTER_KEY` (base64) if set, else from the key file named by
    /// `COSTCTL_MASTER_KEY_FILE`, else from `keyFile`.
    ///
    /// For example:
    /// ```swift
    /// let master = try MasterKey.load(keyFile: "\(home)/.config/costctl/master.key")
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/masterKeyMissing`` when none is configured, and
    ///   the errors of ``init(base64:)`` and ``init(contentsOfKeyFile:)``.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        keyFile: String? = nil
    ) throws -> MasterKey {
        if let value = environment[environmentVariable], !value.isEmpty {
            var text = Array(value.utf8)
            defer { SecretBytes.cleanse(&text) }
            return try MasterKey(base64Text: text, source: environmentVariable)
        }
        if let path = environment[keyFileEnvironmentVariable], !path.isEmpty {
            return try MasterKey(contentsOfKeyFile: path)
        }
        if let keyFile {
            return try MasterKey(contentsOfKeyFile: keyFile)
        }
        throw CryptoError(
            code: .masterKeyMissing,
            message: "no master key: set \(environmentVariable) to the base64 of 32 random bytes "
                + "(`openssl rand -base64 32`), or \(keyFileEnvironmentVariable) to a key file with "
                + "permissions 0600"
        )
    }

    private static func wrongSize(_ count: Int, source: String) -> CryptoError {
        CryptoError(
            code: .invalidKey,
            message: "\(source) is \(count) bytes; a master key is exactly \(byteCount) random bytes "
                + "(make one with `openssl rand -base64 32`)"
        )
    }
}

// MARK: - Redaction

extension MasterKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "MasterKey(id: \(id), <redacted>)" }
    public var debugDescription: String { description }
    /// No children, so `dump(_:)` and mirrors cannot reveal the key.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
