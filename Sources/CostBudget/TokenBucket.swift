public import Foundation

/// The rate a budget allows at the throttling level: `requests` per `interval`, with bursts of up to `burst`.
public struct ThrottleRate: Sendable, Hashable {
    public var requests: Int
    public var interval: Duration
    public var burst: Int

    /// One request a second, bursts of 5.
    public static let `default` = ThrottleRate(requests: 1, per: .seconds(1), burst: 5)

    public init(requests: Int, per interval: Duration, burst: Int) {
        self.requests = max(1, requests)
        self.interval = interval > .zero ? interval : .seconds(1)
        self.burst = max(1, burst)
    }

    /// Seconds between two tokens.
    var secondsPerToken: Double { interval.seconds / Double(requests) }
}

/// A token bucket: holds up to `burst` tokens, refilled at the throttle rate; a request takes one.
///
/// For example:
/// ```swift
/// var bucket = TokenBucket(rate: ThrottleRate(requests: 2, per: .seconds(1), burst: 1), at: now)
/// bucket.take(at: now)       // .zero: passed
/// bucket.wait(at: now)       // 0.5 s until the next token
/// ```
public struct TokenBucket: Sendable, Hashable {
    public var rate: ThrottleRate
    /// Tokens available at ``updated`` (fractions accumulate between requests).
    public private(set) var tokens: Double
    public private(set) var updated: Date

    /// A full bucket.
    public init(rate: ThrottleRate, at now: Date) {
        self.rate = rate
        self.tokens = Double(rate.burst)
        self.updated = now
    }

    /// A bucket as it was stored: `tokens` available at `updated`.
    public init(rate: ThrottleRate, tokens: Double, updated: Date) {
        self.rate = rate
        self.tokens = min(Double(rate.burst), max(0, tokens))
        self.updated = updated
    }

    /// Tokens available at `now`.
    public func available(at now: Date) -> Double {
        let elapsed = max(0, now.timeIntervalSince(updated))
        return min(Double(rate.burst), tokens + elapsed / rate.secondsPerToken)
    }

    /// How long until a token is available: `.zero` when one is available now.
    public func wait(at now: Date) -> Duration {
        let have = available(at: now)
        if have >= 1 { return .zero }
        return .seconds((1 - have) * rate.secondsPerToken)
    }

    /// Takes a token when one is available and returns `.zero`; otherwise takes nothing and returns
    /// how long to wait.
    @discardableResult
    public mutating func take(at now: Date) -> Duration {
        let have = available(at: now)
        tokens = have
        updated = max(updated, now)
        guard have >= 1 else { return .seconds((1 - have) * rate.secondsPerToken) }
        tokens = have - 1
        return .zero
    }
}

extension Duration {
    /// This duration in seconds, as a `Double` (for rates and display only).
    package var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// This duration in whole milliseconds, rounded down (latencies, time limits stored as integers).
    package var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
