internal import CCostCrypto

/// Cryptographically secure random bytes from libcrypto's generator (`RAND_bytes`).
///
/// For example:
/// ```swift
/// let salt = try SecureRandom.bytes(32)
/// let hasher = try HMACIdentifierHasher(salt: salt)
/// ```
public enum SecureRandom {
    /// `count` random bytes suitable for keys and salts.
    ///
    /// For example:
    /// ```swift
    /// try SecureRandom.bytes(16).count  // 16
    /// ```
    ///
    /// - throws: ``CryptoError`` with code ``CryptoError/Code/invalidArgument`` when `count` is
    ///   negative, or ``CryptoError/Code/randomUnavailable`` when the generator cannot be seeded.
    public static func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0 else {
            throw CryptoError(
                code: .invalidArgument,
                message: "cannot make \(count) random bytes: the count must be 0 or more"
            )
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var failure: String?
        bytes.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let chunk = min(buffer.count - offset, Int(Int32.max))
                guard let base = buffer.baseAddress, RAND_bytes(base + offset, Int32(chunk)) == 1 else {
                    failure = CryptoError.drainLibcryptoErrors() ?? "no error reported"
                    break
                }
                offset += chunk
            }
        }
        if let failure {
            throw CryptoError(
                code: .randomUnavailable,
                message: "the system random number generator failed (\(failure)); "
                    + "check that getrandom() or /dev/urandom is available"
            )
        }
        return bytes
    }
}
