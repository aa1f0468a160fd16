internal import CCostCrypto

/// HMAC-SHA256 (RFC 2104, FIPS 198-1) computed by libcrypto, and a constant-time comparison.
///
/// For example:
/// ```swift
/// let tag = HMACSHA256.authenticationCode(for: "what do ya want for nothing?", key: Array("Jefe".utf8))
/// tag.count  // 32
/// HMACSHA256.isEqual(tag, expectedTag)  // compare in constant time, never with ==
/// ```
public enum HMACSHA256 {
    /// The length of an authentication code in bytes.
    public static let byteCount = 32

    /// The 32-byte HMAC-SHA256 of `message` under `key`.
    ///
    /// Any key length works: keys longer than the 64-byte block are hashed first (RFC 2104); an
    /// empty key is allowed but provides no secrecy.
    ///
    /// For example:
    /// ```swift
    /// let key: [UInt8] = Array(repeating: 0x0b, count: 20)
    /// HMACSHA256.authenticationCode(for: Array("Hi There".utf8), key: key)  // b0 34 4c 61 … f7 (RFC 4231, case 1)
    /// ```
    public static func authenticationCode(for message: some Collection<UInt8>, key: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { authenticationCode(for: message, key: $0) }
    }

    /// The 32-byte HMAC-SHA256 of `message` under the key bytes at `key` (key material this module
    /// holds in a ``SecretBytes`` buffer, so no array copy of it is made).
    static func authenticationCode(for message: some Collection<UInt8>, key: UnsafeRawBufferPointer) -> [UInt8] {
        if let code = message.withContiguousStorageIfAvailable({ compute(message: $0, key: key) }) {
            return code
        }
        return Array(message).withUnsafeBufferPointer { compute(message: $0, key: key) }
    }

    /// The 32-byte HMAC-SHA256 of the UTF-8 bytes of `message` under `key`.
    ///
    /// For example:
    /// ```swift
    /// HMACSHA256.authenticationCode(for: "what do ya want for nothing?", key: Array("Jefe".utf8))
    /// // 5b dc c1 46 … 43 (RFC 4231, case 2)
    /// ```
    public static func authenticationCode(for message: String, key: [UInt8]) -> [UInt8] {
        authenticationCode(for: message.utf8, key: key)
    }

    /// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths.
    ///
    /// Use it to check a received authentication code against the expected one: `==` stops at the
    /// first differing byte and so tells an attacker how much of a forged code is right. Arrays of
    /// different lengths are unequal (the length is not secret).
    ///
    /// For example:
    /// ```swift
    /// HMACSHA256.isEqual(received, HMACSHA256.authenticationCode(for: body, key: key))
    /// ```
    public static func isEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { aBytes in
            b.withUnsafeBytes { bBytes in
                guard let aBase = aBytes.baseAddress, let bBase = bBytes.baseAddress else { return false }
                return CRYPTO_memcmp(aBase, bBase, aBytes.count) == 0
            }
        }
    }

    // MARK: - libcrypto

    private static func compute(message: UnsafeBufferPointer<UInt8>, key: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(key.count <= Int(Int32.max), "HMAC-SHA256 key longer than \(Int32.max) bytes")
        var code = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        // libcrypto 3.0 reads a NULL key as "no key" and fails, so an empty key or message is passed
        // as a valid address with length 0.
        let placeholder: UInt8 = 0
        let result = withUnsafePointer(to: placeholder) { empty in
            code.withUnsafeMutableBufferPointer { out in
                HMAC(
                    EVP_sha256(),
                    key.baseAddress ?? UnsafeRawPointer(empty),
                    Int32(key.count),
                    message.baseAddress ?? empty,
                    message.count,
                    out.baseAddress,
                    &length
                )
            }
        }
        // HMAC() fails only when libcrypto cannot allocate its context: no caller can recover.
        precondition(
            result != nil && Int(length) == byteCount,
            "libcrypto HMAC-SHA256 failed: \(CryptoError.drainLibcryptoErrors() ?? "no error reported")"
        )
        return code
    }
}
