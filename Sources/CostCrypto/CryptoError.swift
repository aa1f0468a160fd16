internal import CCostCrypto

/// The one error type of CostCrypto: a code and a message a user can act on.
///
/// Messages never contain key material: no salt, key or secret input appears in ``message`` or
/// ``description``, only sizes and what to do about them.
///
/// For example:
/// ```swift
/// do { _ = try HMACIdentifierHasher(salt: [1, 2, 3]) }
/// catch let error as CryptoError { print(error) }
/// // salt is 3 bytes; at least 16 random bytes are required (make one with `openssl rand -base64 32`)
/// ```
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A salt or key is too short to be secret.
        public static let weakKey = Code(rawValue: "weak-key")
        /// A text that should hold a salt or key is not valid base64.
        public static let invalidEncoding = Code(rawValue: "invalid-encoding")
        /// An argument is out of range (a negative byte count, …).
        public static let invalidArgument = Code(rawValue: "invalid-argument")
        /// The random number generator could not produce bytes.
        public static let randomUnavailable = Code(rawValue: "random-unavailable")
        /// No master key is configured (neither `COSTCTL_MASTER_KEY` nor a key file).
        public static let masterKeyMissing = Code(rawValue: "master-key-missing")
        /// A master key is not 32 bytes.
        public static let invalidKey = Code(rawValue: "invalid-key")
        /// A master key file can be read by others than its owner, or is not a regular file of the user.
        public static let insecureKeyFile = Code(rawValue: "insecure-key-file")
        /// A master key file cannot be read or written.
        public static let keyFileUnavailable = Code(rawValue: "key-file-unavailable")
        /// A new master key file would overwrite an existing file.
        public static let keyFileExists = Code(rawValue: "key-file-exists")
        /// A wrapped data key was wrapped by another master key.
        public static let wrongMasterKey = Code(rawValue: "wrong-master-key")
        /// Sealed data or a wrapped data key failed authentication: the ciphertext, tag, nonce or
        /// associated data were changed, or the key is not the one that sealed it.
        public static let authenticationFailed = Code(rawValue: "authentication-failed")
        /// Sealed data is shorter than its header, nonce and tag.
        public static let truncated = Code(rawValue: "truncated")
        /// Sealed data or a wrapped data key has a format version this build does not read.
        public static let unknownVersion = Code(rawValue: "unknown-version")
        /// Sealed data names a data key other than the vault's.
        public static let unknownDataKey = Code(rawValue: "unknown-data-key")
        /// A wrapped data key has fields of the wrong shape (ids, lengths).
        public static let malformed = Code(rawValue: "malformed")
        /// libcrypto failed for a reason no input explains (allocation, an unavailable cipher).
        public static let libraryFailure = Code(rawValue: "library-failure")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The oldest error on libcrypto's thread-local queue, as text, and the queue emptied; `nil` when
    /// the queue is empty. libcrypto error strings name the failing function and reason, never data.
    static func drainLibcryptoErrors() -> String? {
        let first = ERR_get_error()
        ERR_clear_error()
        guard first != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
            guard let base = pointer.baseAddress else { return "" }
            ERR_error_string_n(first, base, pointer.count)
            return String(cString: base)
        }
        return text.isEmpty ? nil : text
    }
}
