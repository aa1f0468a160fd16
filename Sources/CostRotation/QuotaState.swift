public import Foundation
import CostBudget

/// Where one limit of a key stands at an instant.
public struct QuotaMeter: Sendable, Hashable {
    public var measure: QuotaMeasure
    public var limit: Int128
    /// Used in the window by the log.
    public var used: Int128
    /// Held by open leases (requests handed out and not reported yet).
    public var pending: Int128
    /// The window's start and end (a rolling window ends at the instant).
    public var windowStart: Date
    public var windowEnd: Date
    public var isRolling: Bool
    /// For a rolling window: each counted entry's instant and amount, oldest first (they age out
    /// one by one, `length` after they happened).
    var contributions: [Contribution]
    var length: TimeInterval

    struct Contribution: Sendable, Hashable {
        var at: Date
        var amount: Int128
    }

    /// `limit − used − pending`, never below zero.
    public var remaining: Int128 { max(0, limit - used - pending) }
    /// `(used + pending) / limit`, a ratio for display and balancing (comparisons are exact elsewhere).
    public var utilization: Double { (used + pending).approximateDouble / limit.approximateDouble }

    /// When the window next frees anything: the end of a calendar period; for a rolling window the
    /// instant the oldest counted entry ages out (`nil` when nothing is counted).
    public var nextReset: Date? {
        isRolling ? contributions.first.map { $0.at.addingTimeInterval(length) } : windowEnd
    }

    /// Whether `amount` more fits now: `used + pending + amount ≤ limit`, exactly.
    public func fits(_ amount: Int128) -> Bool { used + pending + amount <= limit }

    /// The earliest instant at which `amount` more fits (now when it does): the period's end for a
    /// calendar window; for a rolling window the instant enough of the oldest entries have aged out.
    /// `nil` when it never fits (more than the limit, or only leases still to be reported stand in
    /// the way).
    public func availableAt(adding amount: Int128, now: Date) -> Date? {
        if fits(amount) { return now }
        guard pending + amount <= limit else { return nil }
        guard isRolling else { return windowEnd }
        var excess = used + pending + amount - limit
        for contribution in contributions {
            excess -= contribution.amount
            if excess <= 0 { return contribution.at.addingTimeInterval(length) }
        }
        return nil
    }
}

/// A key's quota state at an instant: a pure function of its usage log, its quota, the open
/// leases and the instant. The store computes it on demand, so it is exact after a restart.
///
/// For example:
/// ```swift
/// let state = QuotaState(log: entries, quota: key.quota, at: now)
/// state.meter(.tokens)?.remaining
/// ```
public struct QuotaState: Sendable, Hashable {
    public var at: Date
    public var meters: [QuotaMeter]

    /// - Parameters:
    ///   - log: the key's usage entries, in any order; entries after `at` do not count.
    ///   - pending: what open leases hold against the key.
    public init(log: some Sequence<KeyUsageEntry>, quota: KeyQuota, at: Date, pending: KeyCharge = .zero) {
        self.at = at
        var meters: [QuotaMeter] = []
        let limits = quota.meters(at: at)
        for (measure, limit, window) in limits {
            let start: Date, end: Date, length: TimeInterval, rolling: Bool
            switch window {
            case .calendar(let s, let e):
                (start, end, length, rolling) = (s, e, e.timeIntervalSince(s), false)
            case .rolling(let seconds, let until):
                (start, end, length, rolling) = (until.addingTimeInterval(-Double(seconds)), until, Double(seconds), true)
            }
            meters.append(QuotaMeter(
                measure: measure, limit: limit, used: 0, pending: pending.amount(of: measure), windowStart: start,
                windowEnd: end, isRolling: rolling, contributions: [], length: length))
        }
        let windows = limits.map(\.2)
        for entry in log {
            for index in meters.indices where windows[index].counts(entry.at) {
                let amount = entry.charge.amount(of: meters[index].measure)
                guard amount > 0 else { continue }
                meters[index].used += amount
                if meters[index].isRolling {
                    meters[index].contributions.append(.init(at: entry.at, amount: amount))
                }
            }
        }
        for index in meters.indices where meters[index].isRolling {
            meters[index].contributions.sort { $0.at < $1.at }
        }
        self.meters = meters
    }

    public func meter(_ measure: QuotaMeasure) -> QuotaMeter? { meters.first { $0.measure == measure } }

    /// The highest utilization over the key's limits (0 for an unlimited key).
    public var utilization: Double { meters.map(\.utilization).max() ?? 0 }

    /// The earliest instant any limit frees something.
    public var nextReset: Date? { meters.compactMap(\.nextReset).min() }

    /// Whether `request` fits every limit now, and if not, which limit stops it and when it will fit.
    public func fit(_ request: KeyCharge) -> QuotaFit {
        var blocking: QuotaFit = .fits
        for meter in meters {
            let amount = request.amount(of: meter.measure)
            guard !meter.fits(amount) else { continue }
            guard let when = meter.availableAt(adding: amount, now: at) else {
                return .never(meter.measure, limit: meter.limit, requested: amount)
            }
            if case .blocked(_, let earlier) = blocking, earlier >= when { continue }
            blocking = .blocked(meter.measure, until: when)
        }
        return blocking
    }
}

/// Whether a request fits a key's quota.
public enum QuotaFit: Sendable, Hashable {
    case fits
    /// `measure` is full; the request fits from `until` on (the latest of the limits that stop it).
    case blocked(QuotaMeasure, until: Date)
    /// The request alone is more than the limit (or leases still to be reported hold the rest).
    case never(QuotaMeasure, limit: Int128, requested: Int128)
}
