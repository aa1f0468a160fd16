public import Foundation

/// A vault's data key encrypted by a master key: what the caller stores (for example in a database
/// row) to open the vault again. It holds no plaintext key material.
///
/// The data key is wrapped with AES-256-GCM under the master key, with a random 96-bit nonce and,
/// as associated data, `"costctl data key v1"` + the data key id (16 bytes) + the master key id
/// (8 bytes), so neither id can be swapped. Encoded as JSON it reads:
///
/// ```json
/// {"version":1,"id":"9f2c…(32 hex)","masterKeyID":"3f9c0a1b2c3d4e5f",
///  "nonce":"(base64, 12 bytes)","ciphertext":"(base64, 32 bytes)","tag":"(base64, 16 bytes)"}
/// ```
///
/// For example:
/// ```swift
/// let (vault, wrapped) = try Vault.create(master: master)
/// let stored = try JSONEncoder().encode(wrapped)            // keep beside the sealed secrets
/// let again = try Vault(master: master, wrapped: JSONDecoder().decode(WrappedDataKey.self, from: stored))
/// ```
public struct WrappedDataKey: Codable, Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let currentVersion = 1

    /// The format version, ``currentVersion``.
    public var version: Int
    /// The data key's id: 32 lowercase hex digits (16 random bytes), also written into every sealed blob.
    public var id: String
    /// The ``MasterKey/id`` of the master key that wrapped it.
    public var masterKeyID: String
    /// The random 96-bit AES-GCM nonce of the wrapping.
    public var nonce: Data
    /// The data key encrypted (32 bytes).
    public var ciphertext: Data
    /// The AES-GCM authentication tag (16 bytes).
    public var tag: Data

    public init(version: Int, id: String, masterKeyID: String, nonce: Data, ciphertext: Data, tag: Data) {
        self.version = version
        self.id = id
        self.masterKeyID = masterKeyID
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }
}

// MARK: - Wrapping

extension WrappedDataKey {
    static let dataKeyIDByteCount = 16
    static let masterKeyIDByteCount = 8

    /// Wraps `dataKey` (identified by `id`) under `master` with a fresh random nonce.
    static func wrap(_ dataKey: SecretBytes, id: [UInt8], under master: MasterKey) throws -> WrappedDataKey {
        let nonce = try SecureRandom.bytes(AES256GCM.nonceByteCount)
        let masterID = Hex.decode(master.id) ?? []
        let associatedData = wrappingAssociatedData(id: id, masterID: masterID)
        var ciphertext = [UInt8](repeating: 0, count: AES256GCM.keyByteCount)
        var tag = [UInt8](repeating: 0, count: AES256GCM.tagByteCount)
        try master.secret.withUnsafeBytes { masterKey in
            try dataKey.withUnsafeBytes { key in
                try ciphertext.withUnsafeMutableBytes { ciphertextOut in
                    try tag.withUnsafeMutableBytes { tagOut in
                        try nonce.withUnsafeBytes { nonceBytes in
                            try associatedData.withUnsafeBytes { aad in
                                try AES256GCM.seal(
                                    key, key: masterKey, nonce: nonceBytes, authenticating: aad,
                                    ciphertext: ciphertextOut, tag: tagOut
                                )
                            }
                        }
                    }
                }
            }
        }
        return WrappedDataKey(
            version: currentVersion, id: Hex.lowercase(id), masterKeyID: master.id,
            nonce: Data(nonce), ciphertext: Data(ciphertext), tag: Data(tag)
        )
    }

    /// The data key, unwrapped with `master` into a buffer that is cleared when freed, and its id bytes.
    ///
    /// - throws: ``CryptoError``: ``CryptoError/Code/unknownVersion``, ``CryptoError/Code/malformed``,
    ///   ``CryptoError/Code/wrongMasterKey`` (the recorded master key id is not `master`'s),
    ///   ``CryptoError/Code/authenticationFailed`` (the wrapped key was changed).
    func unwrap(with master: MasterKey) throws -> (key: SecretBytes, id: [UInt8]) {
        guard version == Self.currentVersion else {
            throw CryptoError(
                code: .unknownVersion,
                message: "the wrapped data key has format version \(version); this build reads version "
                    + "\(Self.currentVersion). Upgrade costctl to open it"
            )
        }
        guard let idBytes = Hex.decode(id), idBytes.count == Self.dataKeyIDByteCount,
            let masterIDBytes = Hex.decode(masterKeyID), masterIDBytes.count == Self.masterKeyIDByteCount,
            nonce.count == AES256GCM.nonceByteCount, ciphertext.count == AES256GCM.keyByteCount,
            tag.count == AES256GCM.tagByteCount
        else {
            throw CryptoError(
                code: .malformed,
                message: "the wrapped data key is malformed (id \(id.count) characters, master key id "
                    + "\(masterKeyID.count), nonce \(nonce.count) bytes, key \(ciphertext.count), tag \(tag.count); "
                    + "expected 32, 16, 12, 32, 16); restore it from a backup"
            )
        }
        guard masterKeyID == master.id else {
            throw CryptoError(
                code: .wrongMasterKey,
                message: "wrong master key: the data key was wrapped by master key \(masterKeyID), and the "
                    + "configured one is \(master.id). Set COSTCTL_MASTER_KEY or the key file to the key "
                    + "in use (after a rotation, the new one)"
            )
        }
        let associatedData = Self.wrappingAssociatedData(id: idBytes, masterID: masterIDBytes)
        var authentic = false
        let key = try SecretBytes(count: AES256GCM.keyByteCount) { keyOut in
            authentic = try master.secret.withUnsafeBytes { masterKey in
                try ciphertext.withUnsafeBytes { ciphertextBytes in
                    try tag.withUnsafeBytes { tagBytes in
                        try nonce.withUnsafeBytes { nonceBytes in
                            try associatedData.withUnsafeBytes { aad in
                                try AES256GCM.open(
                                    ciphertextBytes, tag: tagBytes, key: masterKey, nonce: nonceBytes,
                                    authenticating: aad, plaintext: keyOut
                                )
                            }
                        }
                    }
                }
            }
        }
        guard authentic else {
            throw CryptoError(
                code: .authenticationFailed,
                message: "the wrapped data key \(id) failed authentication under master key \(master.id): "
                    + "it was changed or damaged, or its master key id was forged. Restore it from a backup"
            )
        }
        return (key, idBytes)
    }

    private static func wrappingAssociatedData(id: [UInt8], masterID: [UInt8]) -> [UInt8] {
        Array("costctl data key v1".utf8) + id + masterID
    }
}
