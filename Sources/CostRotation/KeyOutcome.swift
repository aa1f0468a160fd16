import CostBudget
public import Foundation

/// How a call with a leased key ended, reported back with ``KeyStore/report(_:outcome:)``.
public enum KeyOutcome: Sendable, Hashable {
    /// The call went through and used this much (logged; counts against the quota; ends a backoff).
    case success(KeyCharge)
    /// HTTP 429: the key cools down with exponential backoff and jitter, at least `retryAfter`.
    case rateLimited(retryAfter: Duration?)
    /// The provider says the quota is used up: the key is exhausted until `resetsAt` when the
    /// provider says, else until the quota's next reset.
    case quotaExhausted(resetsAt: Date?)
    /// HTTP 401 or 403: the key is revoked and an alert event is raised.
    case unauthorized(status: Int)
    /// Any other failure: logged, the key keeps its status.
    case failed

    var logged: KeyUsageOutcome {
        switch self {
        case .success: .success
        case .rateLimited: .rateLimited
        case .quotaExhausted: .quotaExhausted
        case .unauthorized: .unauthorized
        case .failed: .failed
        }
    }
}

/// A key handed out for one request: the estimate counts against the key until the outcome is
/// reported or the lease expires.
public struct KeyLease: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var keyID: String
    public var pool: KeyPool
    public var estimate: KeyCharge
    public var createdAt: Date
    public var expiresAt: Date

    public init(id: UUID = UUID(), keyID: String, pool: KeyPool, estimate: KeyCharge, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.keyID = keyID
        self.pool = pool
        self.estimate = estimate
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Exponential backoff with jitter for rate-limited keys.
///
/// The n-th rate limit in a row cools the key for `min(maximum, base × multiplier^(n−1))`,
/// stretched by up to `jitter` (a fraction, drawn from the store's random source), and never less
/// than the provider's Retry-After. A success resets n.
public struct BackoffPolicy: Sendable, Hashable {
    public var base: Duration = .seconds(1)
    public var multiplier: Double = 2
    public var maximum: Duration = .seconds(600)
    /// Up to this fraction more, at random, so keys cooled together do not come back together.
    public var jitter: Double = 0.25
    /// How long a key is exhausted when neither the provider nor the quota says when it resets.
    public var exhaustedFallback: Duration = .seconds(3600)

    public init() {}

    public func with(_ change: (inout BackoffPolicy) -> Void) -> BackoffPolicy {
        var copy = self
        change(&copy)
        return copy
    }

    /// The cooldown in seconds after the `consecutive`-th rate limit in a row; `random` in [0, 1).
    public func cooldown(consecutive: Int, retryAfter: Duration?, random: Double) -> TimeInterval {
        let exponent = Double(max(0, consecutive - 1))
        let grown = base.seconds * pow(multiplier, min(exponent, 64))
        let capped = min(maximum.seconds, grown) * (1 + jitter * min(max(random, 0), 1))
        return max(capped, retryAfter?.seconds ?? 0)
    }
}

