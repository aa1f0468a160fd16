/// The one error type of CostMCP: a tool called with arguments it cannot use, or a tool or
/// resource that does not exist. The message names the argument and what it should be, and never
/// holds the value given (an argument may be a secret).
public struct CostMCPError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An argument is missing, unknown, of the wrong type or out of range.
        public static let invalidArguments = Code(rawValue: "invalid-arguments")
        /// No tool has the name called.
        public static let unknownTool = Code(rawValue: "unknown-tool")
        /// No resource has the URI read.
        public static let unknownResource = Code(rawValue: "unknown-resource")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ message: String) -> CostMCPError { CostMCPError(code: .invalidArguments, message: message) }
}
