/// The one error type of CostBudget: a code, a message a user can act on.
///
/// For example:
/// ```swift
/// do { _ = try LadderProfile.custom([.warning: 90, .notification: 80]) }
/// catch let error as BudgetError { print(error) }  // ladder thresholds must rise with the level: …
/// ```
public struct BudgetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A budget definition is not usable (empty name, non-positive limit, bad period).
        public static let invalidBudget = Code(rawValue: "invalid-budget")
        /// Ladder thresholds are not positive or do not rise with the level.
        public static let invalidLadder = Code(rawValue: "invalid-ladder")
        /// A request's estimate is negative or does not fit.
        public static let invalidRequest = Code(rawValue: "invalid-request")
        /// An amount does not fit the exact arithmetic.
        public static let overflow = Code(rawValue: "overflow")
        /// Spend computed for a period that is no longer the budget's current one.
        public static let staleSpend = Code(rawValue: "stale-spend")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
