/// The one error type of CostRotation: a code and a message a user can act on. Messages name key
/// ids and labels, never a secret.
///
/// For example:
/// ```swift
/// do { _ = try KeyQuota(tokens: 0) }
/// catch let error as RotationError { print(error) }  // a token quota must be positive, not 0
/// ```
public struct RotationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A key, quota or reset schedule is not usable (empty id, non-positive limit, bad hour).
        public static let invalidKey = Code(rawValue: "invalid-key")
        /// A key with this id is already in the store.
        public static let duplicateKey = Code(rawValue: "duplicate-key")
        /// No key with this id.
        public static let unknownKey = Code(rawValue: "unknown-key")
        /// A request's estimate is negative, or a lease is unknown or already reported.
        public static let invalidRequest = Code(rawValue: "invalid-request")
        /// An amount does not fit the exact arithmetic.
        public static let overflow = Code(rawValue: "overflow")
        /// The provisioner's command could not be started (missing, not executable).
        public static let provisionerUnavailable = Code(rawValue: "provisioner-unavailable")
        /// The provisioner's command exited with a non-zero status or was killed by a signal.
        public static let provisionerFailed = Code(rawValue: "provisioner-failed")
        /// The provisioner's command printed no key.
        public static let provisionerNoKey = Code(rawValue: "provisioner-no-key")
        /// The provisioner's key does not have the shape of a key of the pool's provider.
        public static let provisionerBadKey = Code(rawValue: "provisioner-bad-key")
        /// The provisioner's command ran past its time limit and was killed.
        public static let provisionerTimedOut = Code(rawValue: "provisioner-timed-out")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
