/// The one error type of CostControl: set-up, files and paths, with a message a user can act on.
public struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A file could not be read or written.
        public static let io = Code(rawValue: "io")
        /// Input given to a command is not valid (a batch line, a format name).
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// Something named does not exist (an override file).
        public static let notFound = Code(rawValue: "not-found")
        /// A notification channel did not accept an alert (an HTTP status, an SMTP reply, a hook's exit status).
        public static let deliveryFailed = Code(rawValue: "delivery-failed")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
