import CostBudget
package import Foundation

extension APIKey {
    /// Applies a reported outcome at `instant`: the log entry to append, the key's new status and
    /// backoff count, and any alert. Pure, so every store applies the same rules.
    ///
    /// - success: usage logged, `lastUsedAt` set, the backoff count reset, a cooldown ended;
    /// - rate limited: `consecutiveRateLimits` + 1, cooling down for the policy's backoff
    ///   (at least Retry-After);
    /// - quota exhausted: exhausted until the provider's reset instant, else until the lease's
    ///   estimate fits the quota again, else the next reset of its token, spend or daily request
    ///   quota, else the policy's fallback;
    /// - unauthorized (401/403): revoked, and a ``KeyEvent/keyRevoked(keyID:provider:status:at:)``;
    /// - failed: logged, nothing else changes.
    package mutating func apply(
        _ outcome: KeyOutcome, lease: KeyLease, quota: QuotaState, at instant: Date, random: Double
    ) -> (entry: KeyUsageEntry, events: [KeyEvent]) {
        var charge = KeyCharge.zero
        var events: [KeyEvent] = []
        let backoff = lease.pool.backoff
        switch outcome {
        case .success(let actual):
            charge = actual
            lastUsedAt = instant
            consecutiveRateLimits = 0
            if case .coolingDown = status { status = .active }
        case .rateLimited(let retryAfter):
            consecutiveRateLimits += 1
            let seconds = backoff.cooldown(consecutive: consecutiveRateLimits, retryAfter: retryAfter, random: random)
            let until = instant.addingTimeInterval(seconds)
            // a later report never shortens a cooldown already in force
            if case .coolingDown(let current) = status, current > until {
            } else if Self.isOperational(status) {
                status = .coolingDown(until: until)
            }
        case .quotaExhausted(let resetsAt):
            let until = resetsAt.flatMap { $0 > instant ? $0 : nil }
                ?? quota.reopening(for: lease.estimate)
                ?? instant.addingTimeInterval(backoff.exhaustedFallback.seconds)
            if Self.isOperational(status) { status = .exhausted(until: until) }
        case .unauthorized(let code):
            status = .revoked
            events.append(.keyRevoked(keyID: id, provider: provider, status: code, at: instant))
        case .failed:
            break
        }
        let entry = KeyUsageEntry(
            keyID: id, at: instant, tokens: charge.tokens, requests: charge.requests, cost: charge.cost,
            outcome: outcome.logged)
        return (entry, events)
    }

    /// Active, cooling down or exhausted: statuses an outcome may change (not disabled or revoked).
    private static func isOperational(_ status: KeyStatus) -> Bool {
        switch status {
        case .active, .coolingDown, .exhausted: true
        case .disabled, .revoked: false
        }
    }
}

extension QuotaState {
    /// When `estimate` fits again if it does not fit now; otherwise the next reset of the token,
    /// spend or daily request quota (the provider knows better than the log); `nil` when neither says.
    package func reopening(for estimate: KeyCharge) -> Date? {
        if case .blocked(_, let until) = fit(estimate), until > at { return until }
        return meters.filter { $0.measure != .requestsPerMinute }
            .compactMap(\.nextReset).filter { $0 > at }.min()
    }
}
