/// The one error type of CostPricing: a code, a message a user can act on, and context.
///
/// Messages never contain secrets or bound values beyond what the user typed (model ids, flags).
///
/// For example:
/// ```swift
/// do { _ = try catalog.resolve(model: "gpt-4x") }
/// catch let error as PricingError { print(error) }  // model 'gpt-4x' not in catalog; did you mean 'gpt-4o'?
/// ```
public struct PricingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An arithmetic result does not fit in ``Money``.
        public static let overflow = Code(rawValue: "overflow")
        /// A text is not a decimal amount.
        public static let invalidAmount = Code(rawValue: "invalid-amount")
        /// Usage counts are negative or inconsistent (cache reads above input, …).
        public static let invalidUsage = Code(rawValue: "invalid-usage")
        /// The model id matches nothing in the catalog.
        public static let unknownModel = Code(rawValue: "unknown-model")
        /// The provider id matches nothing in the catalog.
        public static let unknownProvider = Code(rawValue: "unknown-provider")
        /// A price file could not be read or is malformed.
        public static let invalidCatalog = Code(rawValue: "invalid-catalog")
        /// A date or time could not be parsed.
        public static let invalidDate = Code(rawValue: "invalid-date")
        /// A usage event failed validation (the message names the record and the field).
        public static let invalidEvent = Code(rawValue: "invalid-event")
        /// A ledger query is malformed (an unknown dimension, a bucket a level cannot answer).
        public static let invalidQuery = Code(rawValue: "invalid-query")
    }

    public var code: Code
    public var message: String
    /// Near matches for an unknown model or provider, best first.
    public var suggestions: [String]

    public init(code: Code, message: String, suggestions: [String] = []) {
        self.code = code
        self.message = message
        self.suggestions = suggestions
    }

    public var description: String { message }

    static func overflow(_ what: String) -> PricingError {
        PricingError(code: .overflow, message: "amount out of range: \(what) does not fit in 128-bit fixed point")
    }
}
