import CostBudget
import CostPricing
package import Foundation

// The steps of `acquire` and `report` that every `KeyStore` takes the same way, whatever holds
// the state (a lock in memory, a transaction in SQLite). Pure: the store reads its keys, logs and
// leases, calls these, and writes what they return.

extension KeyRequest {
    /// - throws: ``RotationError`` `.invalidRequest` for a negative or absurdly large estimate.
    package func validate() throws {
        guard estimate.isValid else {
            throw RotationError(
                code: .invalidRequest, message: "a request's estimate must not be negative or absurdly large (2^48 tokens, $10^12)")
        }
    }
}

extension KeyOutcome {
    /// - throws: ``RotationError`` `.invalidRequest` for a success with a negative or absurdly large usage.
    package func validate() throws {
        if case .success(let actual) = self, !actual.isValid {
            throw RotationError(
                code: .invalidRequest, message: "a reported usage must not be negative or absurdly large (2^48 tokens, $10^12)")
        }
    }

    /// The audit entry a report with this outcome appends: a 401/403 disables the key on the
    /// provider's word; other outcomes are in the usage log only.
    package func auditEntry(keyID: String, at instant: Date) -> KeyAuditEntry? {
        guard case .unauthorized(let code) = self else { return nil }
        return KeyAuditEntry(at: instant, actor: "provider", operation: .disable, keyID: keyID, detail: "\(code) from the provider")
    }
}

extension KeyLease {
    /// Checks that a report of this lease may be logged: the lease was open, or it has expired (a
    /// late report is logged anyway).
    ///
    /// - throws: ``RotationError`` `.invalidRequest` when it was already reported.
    package func checkReportable(wasOpen: Bool, at instant: Date) throws {
        guard wasOpen || expiresAt <= instant else {
            throw RotationError(code: .invalidRequest, message: "lease \(id) of key '\(keyID)' was already reported")
        }
    }
}

extension KeyCharge {
    /// The sum of open leases' estimates: what they hold against a key.
    package static func pending(_ estimates: some Sequence<KeyCharge>) -> KeyCharge {
        var total = KeyCharge.zero
        for estimate in estimates {
            total.tokens += estimate.tokens
            total.requests += estimate.requests
            total.cost += estimate.cost
        }
        return total
    }
}

extension RotationError {
    /// The error a store throws when no key has `id`.
    package static func unknownKey(_ id: String) -> RotationError {
        RotationError(code: .unknownKey, message: "no key with id '\(id)'")
    }

    /// The error a store throws when a key's id is taken.
    package static func duplicateKey(_ id: String) -> RotationError {
        RotationError(code: .duplicateKey, message: "a key with id '\(id)' exists; pick another id or rotate it")
    }
}

extension QuotaState {
    /// The state with `charge` more held by open leases (a new lease on the key).
    package func holding(_ charge: KeyCharge) -> QuotaState {
        var state = self
        for index in state.meters.indices {
            state.meters[index].pending += charge.amount(of: state.meters[index].measure)
        }
        return state
    }
}

/// What a pick-and-lease decided: the lease (if a key fits), and the views with the new lease held.
package struct KeyChoice: Sendable {
    package var key: APIKey?
    package var lease: KeyLease?
    package var candidates: [KeyCandidate]
    /// The pool's views after the choice: the chosen key's quota holds the new lease.
    package var views: [KeyView]
}

extension KeyPool {
    /// Chooses a key for `request` among `views` (every key of the pool, open leases held) and
    /// makes its lease; the store records the lease and the cursor (the chosen key's id).
    package func choose(
        _ request: KeyRequest, among views: [KeyView], at instant: Date, cursor: String?, random: Double
    ) -> KeyChoice {
        var views = views
        let (chosen, candidates) = select(request, among: views, at: instant, cursor: cursor, random: random)
        guard let chosen else { return KeyChoice(key: nil, lease: nil, candidates: candidates, views: views) }
        let key = views[chosen].key
        let lease = KeyLease(
            keyID: key.id, pool: self, estimate: request.estimate, createdAt: instant,
            expiresAt: instant.addingTimeInterval(leaseTTL.seconds))
        views[chosen].quota = views[chosen].quota.holding(request.estimate)
        return KeyChoice(key: key, lease: lease, candidates: candidates, views: views)
    }
}

extension PoolPressure {
    /// Pressure on `pool` after an acquire or a report: the event to raise (only when the pool
    /// has just come under pressure) and whether it is under pressure now (the store keeps that
    /// flag per pool name).
    ///
    /// - Parameters:
    ///   - leases: open leases per key id.
    ///   - wasPressured: the stored flag.
    package static func transition(
        _ pool: KeyPool, views: [KeyView], leases: [String: Int], at instant: Date, wasPressured: Bool
    ) -> (events: [KeyEvent], isPressured: Bool) {
        guard let pressure = evaluate(pool, views: views, leases: leases, at: instant) else { return ([], false) }
        return (wasPressured ? [] : [.poolPressure(pressure)], true)
    }
}
