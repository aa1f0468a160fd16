public import CostPricing
public import Foundation

/// An amount of use: tokens, requests and spend. Requests estimate one each.
public struct KeyCharge: Sendable, Hashable, Codable {
    public var tokens: Int
    public var requests: Int
    public var cost: Money

    public init(tokens: Int = 0, requests: Int = 1, cost: Money = .zero) {
        self.tokens = tokens
        self.requests = requests
        self.cost = cost
    }

    public static let zero = KeyCharge(tokens: 0, requests: 0, cost: .zero)

    /// The largest amounts a charge may carry (so that sums of them never overflow): 2⁴⁸ tokens,
    /// 2³² requests, a trillion dollars.
    package static let maximum = KeyCharge(tokens: 1 << 48, requests: 1 << 32, cost: Money(units: Money.unitsPerDollar * 1_000_000_000_000))

    /// Not negative, and at most ``maximum`` in each measure.
    package var isValid: Bool {
        (0...Self.maximum.tokens).contains(tokens) && (0...Self.maximum.requests).contains(requests)
            && !cost.isNegative && cost <= Self.maximum.cost
    }

    func amount(of measure: QuotaMeasure) -> Int128 {
        switch measure {
        case .tokens: Int128(tokens)
        case .spend: cost.units
        case .requestsPerMinute, .requestsPerDay: Int128(requests)
        }
    }
}

/// How a use of a key ended, as the log records it.
public enum KeyUsageOutcome: String, Sendable, Hashable, Codable {
    case success
    case rateLimited = "rate-limited"
    case quotaExhausted = "quota-exhausted"
    case unauthorized
    case failed
}

/// One use of a key in its usage log. Quota state is computed from these, so it is exact after a
/// restart. Only successful uses carry tokens, requests and cost (a refused call costs nothing).
public struct KeyUsageEntry: Sendable, Hashable, Codable {
    public var keyID: String
    public var at: Date
    public var tokens: Int
    public var requests: Int
    public var cost: Money
    public var outcome: KeyUsageOutcome

    public init(keyID: String, at: Date, tokens: Int, requests: Int, cost: Money, outcome: KeyUsageOutcome) {
        self.keyID = keyID
        self.at = at
        self.tokens = tokens
        self.requests = requests
        self.cost = cost
        self.outcome = outcome
    }

    public var charge: KeyCharge { KeyCharge(tokens: tokens, requests: requests, cost: cost) }
}
