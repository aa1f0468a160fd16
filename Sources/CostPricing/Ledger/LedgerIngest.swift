internal import Foundation

/// The checks and normalisation every ledger applies before writing a batch: validation, user-id
/// hashing, pricing at the event's timestamp, provider inference, millisecond timestamps, and
/// duplicates inside the batch. Storage-level duplicates are the store's to find.
package enum LedgerIngest {
    package struct Prepared: Sendable {
        /// Valid events, normalised, each with its index in the batch.
        package var events: [(index: Int, event: UsageEvent)]
        /// Statuses so far: `.rejected` and in-batch `.duplicate` are final; the rest say `.added`
        /// until the store finds an existing id.
        package var result: RecordResult
    }

    /// - throws: ``PricingError`` `.invalidEvent` listing the first rejects, when `policy` is `.rejectAll`.
    package static func prepare(_ events: [UsageEvent], configuration: LedgerConfiguration, policy: BatchPolicy) throws
        -> Prepared
    {
        let now = configuration.now()
        var result = RecordResult()
        result.statuses.reserveCapacity(events.count)
        var prepared: [(index: Int, event: UsageEvent)] = []
        prepared.reserveCapacity(events.count)
        var seen = Set<String>(minimumCapacity: events.count)
        for (index, original) in events.enumerated() {
            do {
                var event = original
                try event.validate(now: now, maxFutureSkew: configuration.maxFutureSkew)
                event.timestamp = Date(timeIntervalSince1970: TimeInterval(event.unixMilliseconds) / 1000)
                // Rollups store an absent dimension as an empty string: keep one form, absent.
                event.dimensions.dropEmptyValues()
                if let hasher = configuration.userHasher, let user = event.dimensions.user, !user.isEmpty {
                    event.dimensions.user = hasher.pseudonym(for: user)
                }
                if event.cost == nil {
                    if let engine = configuration.engine {
                        let breakdown = try engine.cost(
                            event.usage, model: event.model, provider: event.provider.isEmpty ? nil : event.provider,
                            at: event.timestamp, unknownModel: .unpriced)
                        event.cost = EventCost(breakdown)
                        if event.provider.isEmpty, breakdown.isPriced { event.provider = breakdown.model.provider }
                    } else {
                        event.cost = .unpriced(reason: "no price catalog was configured for this ledger")
                    }
                }
                if event.provider.isEmpty { event.provider = "unknown" }
                if !seen.insert(event.id).inserted {
                    result.statuses.append(.duplicate)
                    result.duplicates += 1
                    continue
                }
                result.statuses.append(.added)
                prepared.append((index, event))
            } catch let error as PricingError {
                let message = error.code == .invalidEvent ? error.message : "\(error.message)"
                result.statuses.append(.rejected(message))
                result.rejected.append(RejectedEvent(index: index, id: original.id, message: message))
            }
        }
        if policy == .rejectAll, !result.rejected.isEmpty {
            let shown = result.rejected.prefix(5).map(\.description).joined(separator: "; ")
            let more = result.rejected.count > 5 ? " (and \(result.rejected.count - 5) more)" : ""
            throw PricingError(
                code: .invalidEvent,
                message: "batch rejected, nothing was written: \(shown)\(more)")
        }
        return Prepared(events: prepared, result: result)
    }

    /// The pseudonym (or the id itself) a `forget` must match.
    package static func storedValue(of dimension: UsageDimension, _ value: String, configuration: LedgerConfiguration) -> String {
        if case .user = dimension, let hasher = configuration.userHasher { return hasher.pseudonym(for: value) }
        return value
    }
}

extension UsageDimensions {
    /// Sets each optional dimension that is an empty string to nil (one field at a time: key paths
    /// cost about a microsecond an event on the ingest path).
    mutating func dropEmptyValues() {
        if org?.isEmpty == true { org = nil }
        if team?.isEmpty == true { team = nil }
        if user?.isEmpty == true { user = nil }
        if project?.isEmpty == true { project = nil }
        if keyID?.isEmpty == true { keyID = nil }
        if session?.isEmpty == true { session = nil }
        if operation?.isEmpty == true { operation = nil }
    }
}
