public import CostPricing
import CostBudget
public import Foundation

/// A key's limits: any of tokens and spend per quota period, requests per minute and per day.
/// A limit left `nil` does not apply.
///
/// Tokens and spend count in the period of ``reset``. Requests per minute count over the last 60
/// seconds; requests per day over the daily period when ``reset`` is daily (Gemini's free tier:
/// midnight Pacific), else over the last 24 hours.
///
/// For example:
/// ```swift
/// let quota = try KeyQuota(tokens: 1_000_000, requestsPerMinute: 15, reset: .rolling(days: 30))
/// ```
public struct KeyQuota: Sendable, Hashable {
    public var tokens: Int?
    public var requestsPerMinute: Int?
    public var requestsPerDay: Int?
    public var spend: Money?
    public var reset: QuotaReset

    /// - throws: ``RotationError`` `.invalidKey` for a limit that is not positive or a bad schedule.
    public init(
        tokens: Int? = nil, requestsPerMinute: Int? = nil, requestsPerDay: Int? = nil, spend: Money? = nil,
        reset: QuotaReset = .standard
    ) throws {
        for (name, value) in [("token", tokens), ("requests-per-minute", requestsPerMinute), ("requests-per-day", requestsPerDay)] {
            if let value, value <= 0 {
                throw RotationError(code: .invalidKey, message: "a \(name) quota must be positive, not \(value)")
            }
        }
        if let spend, spend <= .zero {
            throw RotationError(code: .invalidKey, message: "a spend quota must be positive, not \(spend)")
        }
        try reset.validate()
        self.tokens = tokens
        self.requestsPerMinute = requestsPerMinute
        self.requestsPerDay = requestsPerDay
        self.spend = spend
        self.reset = reset
    }

    /// No limits: the key is only ever skipped for its status.
    public static let unlimited = KeyQuota(unchecked: .standard)

    private init(unchecked reset: QuotaReset) {
        tokens = nil
        requestsPerMinute = nil
        requestsPerDay = nil
        spend = nil
        self.reset = reset
    }

    /// Whether no limit applies.
    public var isUnlimited: Bool { tokens == nil && requestsPerMinute == nil && requestsPerDay == nil && spend == nil }

    /// The earliest instant a use can count at `instant` (the earliest window start); `nil` for an
    /// unlimited quota. A store may skip older log entries.
    public func earliestCounted(at instant: Date) -> Date? {
        meters(at: instant).map { meter -> Date in
            switch meter.2 {
            case .calendar(let start, _): start
            case .rolling(let seconds, let until): until.addingTimeInterval(-Double(seconds))
            }
        }.min()
    }

    /// Each limit that applies, with the window it counts in at `instant`.
    func meters(at instant: Date) -> [(QuotaMeasure, Int128, QuotaWindow)] {
        var meters: [(QuotaMeasure, Int128, QuotaWindow)] = []
        let period = QuotaWindow(reset, at: instant)
        if let tokens { meters.append((.tokens, Int128(tokens), period)) }
        if let spend { meters.append((.spend, spend.units, period)) }
        if let requestsPerMinute {
            meters.append((.requestsPerMinute, Int128(requestsPerMinute), .rolling(seconds: 60, until: instant)))
        }
        if let requestsPerDay {
            let day: QuotaWindow = if case .daily = reset { period } else { .rolling(seconds: 86_400, until: instant) }
            meters.append((.requestsPerDay, Int128(requestsPerDay), day))
        }
        return meters
    }
}

/// What a quota limits.
public enum QuotaMeasure: String, Sendable, Hashable, CaseIterable, Codable {
    case tokens
    case spend
    case requestsPerMinute = "requests-per-minute"
    case requestsPerDay = "requests-per-day"

    /// `amount` of this measure in words (spend in dollars).
    func format(_ amount: Int128) -> String {
        switch self {
        case .tokens: "\(amount) tokens"
        case .spend: "$\(Money(units: amount))"
        case .requestsPerMinute, .requestsPerDay: "\(amount) requests"
        }
    }
}

/// The window a limit counts in: a calendar period, or the seconds before an instant.
enum QuotaWindow: Sendable, Hashable {
    case calendar(start: Date, end: Date)
    case rolling(seconds: Int, until: Date)

    init(_ reset: QuotaReset, at instant: Date) {
        switch reset {
        case .rolling(let days):
            self = .rolling(seconds: days * 86_400, until: instant)
        default:
            // a calendar window exists for every valid schedule; an impossible one counts nothing
            let window = reset.window(containing: instant) ?? PeriodWindow(start: instant, end: instant)
            self = .calendar(start: window.start, end: window.end)
        }
    }

    /// Whether an entry at `at` counts: `[start, end)` for a calendar period, `(until − length, until]`
    /// for a rolling one (an entry ages out exactly `length` after it happened).
    func counts(_ at: Date) -> Bool {
        switch self {
        case .calendar(let start, let end): start <= at && at < end
        case .rolling(let seconds, let until): at <= until && at > until.addingTimeInterval(-Double(seconds))
        }
    }
}
