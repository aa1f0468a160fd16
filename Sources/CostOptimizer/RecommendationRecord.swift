public import CostPricing
public import Foundation

/// A stored recommendation: the latest finding, where it is in its lifecycle, and everything that
/// happened to it.
///
/// A refresh (``RecommendationStore/upsert(_:refresh:baselineDays:actor:)``) that finds it again
/// replaces its numbers while it is pending, accepted or rejected, and keeps them frozen once it is
/// implemented (they are the baseline verification measures against). A refresh that covers its
/// scope and does not find it marks it ``isStale`` (the usage no longer supports it); its status and
/// history stay, and it is fresh again the next time it is found.
public struct RecommendationRecord: Sendable, Hashable, Codable {
    public var recommendation: Recommendation
    public var status: Recommendation.Status
    /// The last refresh covering its scope did not find it.
    public var isStale: Bool
    public var firstSeen: Date
    public var lastSeen: Date
    /// The days of usage the finding (and its baseline monthly spend) was computed from: the
    /// length of the after-window verification measures.
    public var baselineDays: Int
    /// Why it was rejected.
    public var reason: String?
    /// When the change took effect (the start of the after-window).
    public var implementedAt: Date?
    public var verification: RecommendationVerification?
    /// Oldest first.
    public var history: [RecommendationEvent]

    public var id: String { recommendation.id }

    public init(
        recommendation: Recommendation, status: Recommendation.Status = .pending, isStale: Bool = false, firstSeen: Date,
        lastSeen: Date, baselineDays: Int, reason: String? = nil, implementedAt: Date? = nil,
        verification: RecommendationVerification? = nil, history: [RecommendationEvent] = []
    ) {
        self.recommendation = recommendation
        self.status = status
        self.isStale = isStale
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.baselineDays = baselineDays
        self.reason = reason
        self.implementedAt = implementedAt
        self.verification = verification
        self.history = history
    }
}

/// What verification measured: the scope's spend in the window after implementation (as long as
/// the baseline's), normalized per 30 days, against the baseline monthly spend.
public struct RecommendationVerification: Sendable, Hashable, Codable {
    /// Baseline monthly spend − after-window monthly spend (negative: it cost more).
    public var actualSaving: Money
    /// The after-window's spend per 30 days, `nil` when the saving was entered by hand.
    public var afterMonthlySpend: Money?
    public var baselineMonthlySpend: Money?
    /// The after-window measured, `nil` when the saving was entered by hand.
    public var window: DateInterval?
    public var at: Date

    public init(
        actualSaving: Money, afterMonthlySpend: Money? = nil, baselineMonthlySpend: Money? = nil, window: DateInterval? = nil,
        at: Date
    ) {
        self.actualSaving = actualSaving
        self.afterMonthlySpend = afterMonthlySpend
        self.baselineMonthlySpend = baselineMonthlySpend
        self.window = window
        self.at = at
    }
}

/// One entry of a recommendation's history: a transition, a refresh, or an auto-execution step.
public struct RecommendationEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// First found.
        case created
        /// Found again (numbers refreshed when still open).
        case refreshed
        /// A refresh covering its scope did not find it.
        case stale
        /// A lifecycle transition (``from`` → ``to``).
        case transition
        /// Auto-execution applied an action (a route stored, the plan hook run).
        case autoAction = "auto-action"
        /// Auto-execution tried and failed (the hook's exit status).
        case autoFailed = "auto-failed"
    }

    public var at: Date
    /// Who: a user name, `auto`, `engine`.
    public var actor: String
    public var kind: Kind
    public var from: Recommendation.Status?
    public var to: Recommendation.Status?
    public var detail: String?

    public init(
        at: Date, actor: String, kind: Kind, from: Recommendation.Status? = nil, to: Recommendation.Status? = nil,
        detail: String? = nil
    ) {
        self.at = at
        self.actor = actor
        self.kind = kind
        self.from = from
        self.to = to
        self.detail = detail
    }
}

/// A lifecycle step: pending → accepted or rejected (with a reason) → implemented (at) → verified
/// (with the actual saving).
public enum RecommendationTransition: Sendable, Hashable {
    case accept
    case reject(reason: String)
    case implement(at: Date)
    case verify(RecommendationVerification)

    public var target: Recommendation.Status {
        switch self {
        case .accept: .accepted
        case .reject: .rejected
        case .implement: .implemented
        case .verify: .verified
        }
    }

    /// The statuses each step may start from: accept from pending (or rejected: a change of mind),
    /// reject from pending or accepted, implement from accepted, verify from implemented (or verified:
    /// measured again).
    public var allowedFrom: [Recommendation.Status] {
        switch self {
        case .accept: [.pending, .rejected]
        case .reject: [.pending, .accepted]
        case .implement: [.accepted]
        case .verify: [.implemented, .verified]
        }
    }
}

/// Which stored recommendations to list.
public struct RecommendationFilter: Sendable, Hashable {
    /// Any of these statuses (`nil`: all).
    public var statuses: Set<Recommendation.Status>?
    public var kinds: Set<Recommendation.Kind>?
    /// Exactly this scope (`team=x`); `nil`: all.
    public var scope: String?
    /// Include the stale ones.
    public var includeStale: Bool

    public init(
        statuses: Set<Recommendation.Status>? = nil, kinds: Set<Recommendation.Kind>? = nil, scope: String? = nil,
        includeStale: Bool = true
    ) {
        self.statuses = statuses
        self.kinds = kinds
        self.scope = scope
        self.includeStale = includeStale
    }

    public func matches(_ record: RecommendationRecord) -> Bool {
        if let statuses, !statuses.contains(record.status) { return false }
        if let kinds, !kinds.contains(record.recommendation.kind) { return false }
        if let scope, record.recommendation.scope != scope { return false }
        return includeStale || !record.isStale
    }
}

/// What an upsert did.
public struct RecommendationUpsert: Sendable, Hashable {
    public var added: Int
    public var refreshed: Int
    public var stale: Int

    public init(added: Int = 0, refreshed: Int = 0, stale: Int = 0) {
        self.added = added
        self.refreshed = refreshed
        self.stale = stale
    }
}

// MARK: - The rules every store applies

extension RecommendationRecord {
    /// The ordering of lists: priority (highest first), then the larger saving, then id.
    package static func listOrder(_ a: RecommendationRecord, _ b: RecommendationRecord) -> Bool {
        let (x, y) = (a.recommendation, b.recommendation)
        if x.priority != y.priority { return x.priority > y.priority }
        if x.monthlySaving != y.monthlySaving { return x.monthlySaving > y.monthlySaving }
        return x.id < y.id
    }

    /// The records an upsert changes (new ones included), each with its new history entries appended.
    ///
    /// `refresh` is the scope the findings were computed for: `nil` covers every scope, a scope
    /// word covers only records with exactly that scope. Covered records not in `fresh` turn stale.
    package static func upsert(
        existing: [String: RecommendationRecord], fresh: [Recommendation], refresh: String?, baselineDays: Int, actor: String,
        at: Date
    ) -> (changed: [(record: RecommendationRecord, events: [RecommendationEvent])], summary: RecommendationUpsert) {
        var changed: [(record: RecommendationRecord, events: [RecommendationEvent])] = []
        var summary = RecommendationUpsert()
        var seen = Set<String>()
        for recommendation in fresh where seen.insert(recommendation.id).inserted {
            if let previous = existing[recommendation.id] {
                var record = previous
                let open = [.pending, .accepted, .rejected].contains(record.status)
                if open {
                    var refreshed = recommendation
                    refreshed.createdAt = previous.recommendation.createdAt
                    record.recommendation = refreshed
                    record.baselineDays = baselineDays
                }
                record.lastSeen = at
                record.isStale = false
                let event = RecommendationEvent(
                    at: at, actor: actor, kind: .refreshed,
                    detail: open ? "saving $\(recommendation.monthlySaving.formatted(places: 2))/month, confidence \(String(format: "%.2f", recommendation.confidence.value))" : "found again; numbers kept (\(record.status.rawValue))")
                // a refresh that changes nothing is not worth a history row
                let same = previous.recommendation == record.recommendation && !previous.isStale
                record.history.append(contentsOf: same ? [] : [event])
                changed.append((record, same ? [] : [event]))
                summary.refreshed += 1
            } else {
                let event = RecommendationEvent(
                    at: at, actor: actor, kind: .created, to: .pending,
                    detail: "saving $\(recommendation.monthlySaving.formatted(places: 2))/month, confidence \(String(format: "%.2f", recommendation.confidence.value))")
                let record = RecommendationRecord(
                    recommendation: recommendation, firstSeen: at, lastSeen: at, baselineDays: baselineDays, history: [event])
                changed.append((record, [event]))
                summary.added += 1
            }
        }
        for (id, record) in existing.sorted(by: { $0.key < $1.key }) where !seen.contains(id) && !record.isStale {
            guard refresh == nil || refresh == record.recommendation.scope else { continue }
            guard [.pending, .accepted].contains(record.status) else { continue }
            var stale = record
            stale.isStale = true
            let event = RecommendationEvent(at: at, actor: actor, kind: .stale, detail: "not found by the refresh: the usage no longer supports it")
            stale.history.append(event)
            changed.append((stale, [event]))
            summary.stale += 1
        }
        return (changed, summary)
    }

    /// The record after `transition`, with the history entry appended.
    ///
    /// - throws: ``OptimizerError`` `.invalidTransition` (a step not allowed from the current status,
    ///   an empty rejection reason, a verification before implementation).
    package func applying(_ transition: RecommendationTransition, actor: String, note: String?, at: Date) throws
        -> (record: RecommendationRecord, event: RecommendationEvent)
    {
        guard transition.allowedFrom.contains(status) else {
            let allowed = transition.allowedFrom.map(\.rawValue).joined(separator: " or ")
            throw OptimizerError(
                code: .invalidTransition,
                message: "recommendation \(id) is \(status.rawValue); it can be \(transition.target.rawValue) only when \(allowed)"
                    + Self.hint(for: status))
        }
        var record = self
        var detail = note
        switch transition {
        case .accept:
            record.reason = nil
        case .reject(let reason):
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw OptimizerError(code: .invalidTransition, message: "rejecting recommendation \(id) needs a reason (--reason TEXT)")
            }
            record.reason = trimmed
            detail = trimmed
        case .implement(let when):
            record.implementedAt = when
            record.verification = nil
            detail = [note, "in effect from \(Timestamp.format(when))"].compactMap { $0 }.joined(separator: "; ")
        case .verify(let verification):
            guard let implementedAt, verification.at >= implementedAt else {
                throw OptimizerError(code: .invalidTransition, message: "recommendation \(id) can be verified only after it was implemented")
            }
            record.verification = verification
            detail = [note, "actual saving $\(verification.actualSaving.formatted(places: 2))/month"].compactMap { $0 }.joined(separator: "; ")
        }
        let event = RecommendationEvent(at: at, actor: actor, kind: .transition, from: status, to: transition.target, detail: detail)
        record.status = transition.target
        record.history.append(event)
        return (record, event)
    }

    private static func hint(for status: Recommendation.Status) -> String {
        switch status {
        case .pending: " (accept it first: costctl recommend accept ID)"
        case .accepted: " (mark it implemented first: costctl recommend implemented ID)"
        case .rejected: " (accept it first if you changed your mind)"
        case .implemented, .verified: ""
        }
    }

    /// The `.notFound` error for `id`.
    package static func notFound(_ id: String) -> OptimizerError {
        OptimizerError(code: .notFound, message: "no recommendation '\(id)'; list them with costctl recommend")
    }
}
