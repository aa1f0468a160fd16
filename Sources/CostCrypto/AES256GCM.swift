internal import CCostCrypto

/// AES-256-GCM (NIST SP 800-38D) through libcrypto's EVP interface: 256-bit keys, 96-bit nonces,
/// 128-bit tags. Internal: the vault and the data-key wrapping are its only callers, and they choose
/// the nonces (random, one per seal) and lay out the bytes.
///
/// Both directions write into buffers the caller provides, so plaintext and key bytes land only in
/// memory the caller owns and can clear.
enum AES256GCM {
    static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// Encrypts `plaintext` into `ciphertext` (the same length) and writes the tag into `tag`,
    /// authenticating `associatedData` too.
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/invalidArgument`` for inputs over 2 GiB,
    ///   ``CryptoError/Code/libraryFailure`` when libcrypto fails.
    static func seal(
        _ plaintext: UnsafeRawBufferPointer,
        key: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        authenticating associatedData: UnsafeRawBufferPointer,
        ciphertext: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer
    ) throws {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount, "AES-256-GCM key or nonce size")
        precondition(ciphertext.count == plaintext.count && tag.count == tagByteCount, "AES-256-GCM output size")
        try checkLength(plaintext.count, of: "plaintext")
        try checkLength(associatedData.count, of: "associated data")
        let context = try makeContext()
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            ccostcrypto_gcm_set_iv_length(context, Int32(nonceByteCount)) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key.bytes, nonce.bytes) == 1
        else { throw failure("AES-256-GCM encryption setup") }
        var length: Int32 = 0
        if associatedData.count > 0 {
            guard EVP_EncryptUpdate(context, nil, &length, associatedData.bytes, Int32(associatedData.count)) == 1
            else { throw failure("AES-256-GCM associated data") }
        }
        if plaintext.count > 0 {
            guard EVP_EncryptUpdate(context, ciphertext.mutableBytes, &length, plaintext.bytes, Int32(plaintext.count)) == 1,
                Int(length) == plaintext.count
            else { throw failure("AES-256-GCM encryption") }
        }
        // GCM is a stream mode: finishing writes no bytes, only computes the tag.
        var scratch = [UInt8](repeating: 0, count: 16)
        guard EVP_EncryptFinal_ex(context, &scratch, &length) == 1, length == 0,
            ccostcrypto_gcm_get_tag(context, tag.mutableBytes, Int32(tagByteCount)) == 1
        else { throw failure("AES-256-GCM tag") }
    }

    /// Decrypts `ciphertext` into `plaintext` (the same length) and checks `tag` over it and
    /// `associatedData`. Returns `false`, with `plaintext` overwritten by zeros, when the check fails:
    /// a wrong key, or a changed ciphertext, tag, nonce or associated data.
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/invalidArgument`` for inputs over 2 GiB,
    ///   ``CryptoError/Code/libraryFailure`` when libcrypto fails.
    static func open(
        _ ciphertext: UnsafeRawBufferPointer,
        tag: UnsafeRawBufferPointer,
        key: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        authenticating associatedData: UnsafeRawBufferPointer,
        plaintext: UnsafeMutableRawBufferPointer
    ) throws -> Bool {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount, "AES-256-GCM key or nonce size")
        precondition(plaintext.count == ciphertext.count && tag.count == tagByteCount, "AES-256-GCM input size")
        try checkLength(ciphertext.count, of: "ciphertext")
        try checkLength(associatedData.count, of: "associated data")
        let context = try makeContext()
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            ccostcrypto_gcm_set_iv_length(context, Int32(nonceByteCount)) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key.bytes, nonce.bytes) == 1,
            ccostcrypto_gcm_set_tag(context, tag.bytes, Int32(tagByteCount)) == 1
        else { throw failure("AES-256-GCM decryption setup") }
        var length: Int32 = 0
        if associatedData.count > 0 {
            guard EVP_DecryptUpdate(context, nil, &length, associatedData.bytes, Int32(associatedData.count)) == 1
            else { throw failure("AES-256-GCM associated data") }
        }
        if ciphertext.count > 0 {
            guard EVP_DecryptUpdate(context, plaintext.mutableBytes, &length, ciphertext.bytes, Int32(ciphertext.count)) == 1,
                Int(length) == ciphertext.count
            else {
                SecretBytes.cleanse(plaintext)
                throw failure("AES-256-GCM decryption")
            }
        }
        // The tag is checked here, after the plaintext was written: on a mismatch it must not be used.
        var scratch = [UInt8](repeating: 0, count: 16)
        guard EVP_DecryptFinal_ex(context, &scratch, &length) == 1 else {
            SecretBytes.cleanse(plaintext)
            ERR_clear_error()
            return false
        }
        return true
    }

    // MARK: - libcrypto

    private static func makeContext() throws -> OpaquePointer {
        guard let context = EVP_CIPHER_CTX_new() else { throw failure("allocating a cipher context") }
        return context
    }

    private static func checkLength(_ count: Int, of what: String) throws {
        guard count < Int(Int32.max) else {
            throw CryptoError(
                code: .invalidArgument,
                message: "\(what) is \(count) bytes; AES-256-GCM here takes less than 2 GiB at once"
            )
        }
    }

    private static func failure(_ step: String) -> CryptoError {
        CryptoError(
            code: .libraryFailure,
            message: "libcrypto failed in \(step) (\(CryptoError.drainLibcryptoErrors() ?? "no error reported")); "
                + "check the OpenSSL installation (`openssl version`, 3.0 or later)"
        )
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes as libcrypto's `const unsigned char *`.
    fileprivate var bytes: UnsafePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
}

extension UnsafeMutableRawBufferPointer {
    /// The bytes as libcrypto's `unsigned char *`.
    fileprivate var mutableBytes: UnsafeMutablePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
}
