public import CostRotation
public import Foundation

/// Seals secrets (API keys) with AES-256-GCM under a random 256-bit data key, which is itself
/// wrapped by the ``MasterKey`` and stored by the caller as a ``WrappedDataKey``.
///
/// Every ``seal(_:associatedData:)`` draws a fresh random 96-bit nonce and binds `associatedData`
/// (the key's id), so a sealed secret cannot be moved to another key's row. The result is
/// self-describing (format version 1, all integers are fixed sizes, no length fields):
///
/// | bytes        | field                                                      |
/// |--------------|------------------------------------------------------------|
/// | 1            | version, `0x01`                                            |
/// | 16           | data key id (the ``WrappedDataKey/id`` in binary)         |
/// | 12           | nonce                                                      |
/// | n            | ciphertext, as long as the plaintext                       |
/// | 16           | tag                                                        |
///
/// The GCM associated data is the first 17 bytes (version and data key id) followed by
/// `associatedData`, so changing any byte, the version, the key id or the associated data makes
/// ``open(_:associatedData:)`` throw; it never returns garbage.
///
/// The data key sits in a buffer that is overwritten with zeros when the vault is freed. Rotating the
/// master key re-wraps the data key (``rewrap(under:)``) without touching any sealed secret.
///
/// For example:
/// ```swift
/// let master = try MasterKey.load(keyFile: keyFilePath)
/// let (vault, wrapped) = try Vault.create(master: master)   // store `wrapped`
/// let sealed = try vault.seal(Data("sk-ant-api03-…".utf8), associatedData: Data("key-3".utf8))
/// let secret = try vault.open(sealed, associatedData: Data("key-3".utf8))
/// ```
public final class Vault: Sendable {
    /// The sealed-blob format version this build writes and reads.
    public static let formatVersion: UInt8 = 1

    /// Bytes before the ciphertext: version, data key id, nonce.
    static let headerByteCount = 1 + WrappedDataKey.dataKeyIDByteCount + AES256GCM.nonceByteCount

    /// The shortest sealed blob: header and tag around an empty ciphertext (45 bytes).
    public static let minimumSealedByteCount = headerByteCount + AES256GCM.tagByteCount

    /// The id of the data key: 32 lowercase hex digits, as in ``WrappedDataKey/id``.
    public let dataKeyID: String

    private let dataKey: SecretBytes
    private let dataKeyIDBytes: [UInt8]

    private init(dataKey: SecretBytes, id: [UInt8]) {
        self.dataKey = dataKey
        self.dataKeyIDBytes = id
        self.dataKeyID = Hex.lowercase(id)
    }

    /// Opens the vault whose data key `wrapped` holds, with the master key that wrapped it.
    ///
    /// For example:
    /// ```swift
    /// let vault = try Vault(master: try MasterKey.load(), wrapped: storedWrappedKey)
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/wrongMasterKey`` when another master key wrapped
    ///   it, ``CryptoError/Code/authenticationFailed`` when it was changed,
    ///   ``CryptoError/Code/unknownVersion`` or ``CryptoError/Code/malformed``.
    public convenience init(master: MasterKey, wrapped: WrappedDataKey) throws {
        let (key, id) = try wrapped.unwrap(with: master)
        self.init(dataKey: key, id: id)
    }

    /// A vault with a new random data key, and that key wrapped by `master` for the caller to store.
    ///
    /// For example:
    /// ```swift
    /// let (vault, wrapped) = try Vault.create(master: master)
    /// try store.saveWrappedDataKey(JSONEncoder().encode(wrapped))
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/randomUnavailable`` when the generator fails.
    public static func create(master: MasterKey) throws -> (vault: Vault, wrapped: WrappedDataKey) {
        let id = try SecureRandom.bytes(WrappedDataKey.dataKeyIDByteCount)
        let key = try SecretBytes(count: AES256GCM.keyByteCount) { buffer in
            var random = try SecureRandom.bytes(AES256GCM.keyByteCount)
            defer { SecretBytes.cleanse(&random) }
            random.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
        let vault = Vault(dataKey: key, id: id)
        return (vault, try vault.rewrap(under: master))
    }

    /// The data key wrapped by `master`: after a master-key rotation, store this in place of the old
    /// ``WrappedDataKey``. Sealed secrets stay as they are; the old master key no longer opens the new
    /// wrapping.
    ///
    /// For example:
    /// ```swift
    /// let vault = try Vault(master: oldMaster, wrapped: stored)
    /// let rewrapped = try vault.rewrap(under: newMaster)   // replace `stored` with it in one transaction
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/randomUnavailable`` when the generator fails.
    public func rewrap(under master: MasterKey) throws -> WrappedDataKey {
        try WrappedDataKey.wrap(dataKey, id: dataKeyIDBytes, under: master)
    }

    /// Seals `plaintext` with a fresh random nonce, binding `associatedData` (the key id); the result
    /// is self-describing (version, data key id, nonce, ciphertext, tag).
    ///
    /// For example:
    /// ```swift
    /// let sealed = try vault.seal(Data(secret.utf8), associatedData: Data(keyID.utf8))
    /// sealed.count  // secret's UTF-8 length + 45
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/randomUnavailable`` or
    ///   ``CryptoError/Code/libraryFailure`` when libcrypto fails.
    public func seal(_ plaintext: Data, associatedData: Data) throws -> Data {
        let nonce = try SecureRandom.bytes(AES256GCM.nonceByteCount)
        var sealed = Data(capacity: Self.minimumSealedByteCount + plaintext.count)
        sealed.append(Self.formatVersion)
        sealed.append(contentsOf: dataKeyIDBytes)
        sealed.append(contentsOf: nonce)
        sealed.append(Data(count: plaintext.count + AES256GCM.tagByteCount))
        let aad = authenticatedHeader(version: Self.formatVersion, id: dataKeyIDBytes) + associatedData
        try dataKey.withUnsafeBytes { key in
            try plaintext.withUnsafeBytes { plaintextBytes in
                try aad.withUnsafeBytes { aadBytes in
                    try nonce.withUnsafeBytes { nonceBytes in
                        try sealed.withUnsafeMutableBytes { out in
                            let body = UnsafeMutableRawBufferPointer(rebasing: out[Self.headerByteCount...])
                            try AES256GCM.seal(
                                plaintextBytes, key: key, nonce: nonceBytes, authenticating: aadBytes,
                                ciphertext: UnsafeMutableRawBufferPointer(rebasing: body[..<plaintext.count]),
                                tag: UnsafeMutableRawBufferPointer(rebasing: body[plaintext.count...])
                            )
                        }
                    }
                }
            }
        }
        return sealed
    }

    /// Opens what ``seal(_:associatedData:)`` returned, with the same associated data.
    ///
    /// For example:
    /// ```swift
    /// let secret = try vault.open(sealed, associatedData: Data(keyID.utf8))
    /// ```
    ///
    /// - throws: ``CryptoError``: ``CryptoError/Code/truncated`` when shorter than 45 bytes,
    ///   ``CryptoError/Code/unknownVersion``, ``CryptoError/Code/unknownDataKey`` when sealed under
    ///   another data key, ``CryptoError/Code/authenticationFailed`` when the ciphertext, tag, nonce or
    ///   associated data differ from what was sealed. Messages give sizes and ids, never content.
    public func open(_ sealed: Data, associatedData: Data) throws -> Data {
        let bytes = [UInt8](sealed)
        guard let version = bytes.first else { throw truncated(count: 0) }
        guard version == Self.formatVersion else {
            throw CryptoError(
                code: .unknownVersion,
                message: "the sealed secret has format version \(version); this build reads version "
                    + "\(Self.formatVersion). Upgrade costctl to open it, or check that the data is a sealed secret"
            )
        }
        guard bytes.count >= Self.minimumSealedByteCount else { throw truncated(count: bytes.count) }
        let id = Array(bytes[1...WrappedDataKey.dataKeyIDByteCount])
        guard id == dataKeyIDBytes else {
            throw CryptoError(
                code: .unknownDataKey,
                message: "the secret was sealed under data key \(Hex.lowercase(id)), and this vault holds "
                    + "data key \(dataKeyID); open the vault with the wrapped data key it was sealed under"
            )
        }
        let ciphertextCount = bytes.count - Self.minimumSealedByteCount
        let aad = authenticatedHeader(version: version, id: id) + associatedData
        var plaintext = Data(count: ciphertextCount)
        let authentic = try dataKey.withUnsafeBytes { key in
            try bytes.withUnsafeBytes { all in
                try aad.withUnsafeBytes { aadBytes in
                    try plaintext.withUnsafeMutableBytes { out in
                        let nonceStart = 1 + WrappedDataKey.dataKeyIDByteCount
                        let ciphertextStart = Self.headerByteCount
                        let tagStart = ciphertextStart + ciphertextCount
                        return try AES256GCM.open(
                            UnsafeRawBufferPointer(rebasing: all[ciphertextStart..<tagStart]),
                            tag: UnsafeRawBufferPointer(rebasing: all[tagStart...]),
                            key: key,
                            nonce: UnsafeRawBufferPointer(rebasing: all[nonceStart..<ciphertextStart]),
                            authenticating: aadBytes,
                            plaintext: out
                        )
                    }
                }
            }
        }
        guard authentic else {
            throw CryptoError(
                code: .authenticationFailed,
                message: "the sealed secret (\(bytes.count) bytes) failed authentication: its ciphertext, tag or "
                    + "nonce was changed or cut short, or it belongs to another key id than the one given. "
                    + "Re-add the key if the stored copy is damaged"
            )
        }
        return plaintext
    }

    private func authenticatedHeader(version: UInt8, id: [UInt8]) -> Data {
        Data([version] + id)
    }

    private func truncated(count: Int) -> CryptoError {
        CryptoError(
            code: .truncated,
            message: "the sealed secret is \(count) bytes, shorter than the \(Self.minimumSealedByteCount) bytes "
                + "of a version-\(Self.formatVersion) header, nonce and tag: it was cut short. Re-add the key"
        )
    }
}

// MARK: - Redaction

extension Vault: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Vault(dataKeyID: \(dataKeyID), <redacted>)" }
    public var debugDescription: String { description }
    /// No children, so `dump(_:)` and mirrors cannot reveal the data key.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

/// The vault is the key store's ``CostRotation/SecretSealer``: API keys are sealed under its data
/// key with their key id as associated data.
extension Vault: SecretSealer {}
