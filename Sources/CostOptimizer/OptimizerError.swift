/// The one error type of CostOptimizer: a plan catalog that does not read, a meter reading that does
/// not parse or cannot be placed, a recommendation moved the wrong way through its lifecycle, with a message a user can act on.
public struct OptimizerError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A plan catalog (bundled or an override file) is not valid.
        public static let invalidCatalog = Code(rawValue: "invalid-plan-catalog")
        /// A plan id that the catalog does not have.
        public static let unknownPlan = Code(rawValue: "unknown-plan")
        /// Input given by the user is not valid (a meter reading, a number of days).
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// A meter reading that the recorded usage cannot explain (no usage in that window).
        public static let uncalibratable = Code(rawValue: "uncalibratable")
        /// A plan catalog file could not be read.
        public static let io = Code(rawValue: "io")
        /// A recommendation cannot move to the status asked from the one it is in (accept a verified one).
        public static let invalidTransition = Code(rawValue: "invalid-transition")
        /// No recommendation (or model route) with that id.
        public static let notFound = Code(rawValue: "not-found")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether the error is the user's input (exit code 2) rather than a failure (exit code 1).
    public var isInvalidUsage: Bool { [.invalidInput, .unknownPlan, .uncalibratable, .invalidTransition].contains(code) }
}
