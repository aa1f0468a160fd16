public import CostPricing
public import Foundation

/// The keys of one provider (optionally one project) and how to choose among them.
///
/// For example:
/// ```swift
/// let pool = KeyPool(provider: "gemini").with { $0.strategy = .roundRobin }
/// let selection = try await store.acquire(KeyRequest(tokens: 2_000), from: pool)
/// ```
public struct KeyPool: Sendable, Hashable {
    public var provider: String
    /// When set, only keys of this project; otherwise every key of the provider.
    public var project: String?
    public var strategy: SelectionStrategy = .leastUtilized
    /// Pool pressure when the pool's utilization reaches this ratio (0.8 by default).
    public var pressureThreshold: Double = 0.8
    public var backoff = BackoffPolicy()
    /// How long a lease counts against its key when its outcome is never reported.
    public var leaseTTL: Duration = .seconds(300)

    public init(provider: String, project: String? = nil) {
        self.provider = provider
        self.project = project
    }

    public func with(_ change: (inout KeyPool) -> Void) -> KeyPool {
        var copy = self
        change(&copy)
        return copy
    }

    /// `provider` or `provider/project`: the pool's name in events and round-robin state.
    public var name: String { project.map { "\(provider)/\($0)" } ?? provider }

    /// Whether `key` belongs to the pool (provider case-insensitive, project exact).
    public func contains(_ key: APIKey) -> Bool {
        guard key.provider.caseInsensitiveCompare(provider) == .orderedSame else { return false }
        guard let project else { return true }
        return key.project == project
    }
}

/// How a pool chooses among the keys that fit a request.
public enum SelectionStrategy: String, Sendable, Hashable, CaseIterable, Codable {
    /// The key with the lowest utilization (open leases included); ties by id.
    case leastUtilized = "least-utilized"
    /// The next key by id after the one chosen last.
    case roundRobin = "round-robin"
    /// At random, weighted by the fraction of quota each key has left.
    case weightedByRemaining = "weighted"
    /// The key with the lowest ``APIKey/priority`` that fits: fail-over in a fixed order.
    case priority
}

/// What a caller asks of a pool: the estimate of one request.
public struct KeyRequest: Sendable, Hashable {
    public var estimate: KeyCharge

    public init(tokens: Int, cost: Money = .zero) {
        estimate = KeyCharge(tokens: tokens, requests: 1, cost: cost)
    }

    public init(estimate: KeyCharge) { self.estimate = estimate }
}

/// Why a key was not handed out.
public enum KeySkipReason: Sendable, Hashable {
    case coolingDown(until: Date)
    case exhausted(until: Date)
    case disabled(reason: String)
    case revoked
    /// A limit is full until `until`.
    case quotaFull(QuotaMeasure, until: Date)
    /// The request is more than a limit leaves even when empty, or open leases hold the rest.
    case tooLarge(QuotaMeasure)

    /// When the key could take the request (`nil`: not by waiting).
    public var availableAt: Date? {
        switch self {
        case .coolingDown(let until), .exhausted(let until), .quotaFull(_, let until): until
        case .disabled, .revoked, .tooLarge: nil
        }
    }
}

extension KeySkipReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .coolingDown(let until): "cooling down until \(until.formatted(.iso8601))"
        case .exhausted(let until): "quota exhausted until \(until.formatted(.iso8601))"
        case .disabled(let reason): "disabled: \(reason)"
        case .revoked: "revoked by the provider (401/403)"
        case .quotaFull(let measure, let until): "\(measure.rawValue) quota full until \(until.formatted(.iso8601))"
        case .tooLarge(let measure): "the request does not fit its \(measure.rawValue) quota"
        }
    }
}

/// One key of a pool as the selection saw it.
public struct KeyCandidate: Sendable, Hashable {
    public var keyID: String
    /// Utilization at the moment of the choice (open leases included).
    public var utilization: Double
    /// `nil` when the key could take the request.
    public var skipped: KeySkipReason?

    public init(keyID: String, utilization: Double, skipped: KeySkipReason?) {
        self.keyID = keyID
        self.utilization = utilization
        self.skipped = skipped
    }
}

/// The answer of ``KeyStore/acquire(_:from:)``: a lease on the chosen key, or why none fits.
public struct KeySelection: Sendable, Hashable {
    /// The chosen key (with its sealed secret) and its lease; `nil` when nothing fits.
    public var key: APIKey?
    public var lease: KeyLease?
    /// Every key of the pool, in id order, with the reason it was skipped.
    public var candidates: [KeyCandidate]
    /// Alerts raised by this call (pool pressure).
    public var events: [KeyEvent]

    public init(key: APIKey?, lease: KeyLease?, candidates: [KeyCandidate], events: [KeyEvent]) {
        self.key = key
        self.lease = lease
        self.candidates = candidates
        self.events = events
    }

    /// When nothing fits: the earliest instant some key could take the request (`nil` when no
    /// key ever could without someone acting: enable, rotate, add a key).
    public var earliestAvailability: Date? { candidates.compactMap { $0.skipped?.availableAt }.min() }

    /// One line: the chosen key, or why nothing fits with each key's reason.
    public var summary: String {
        if let key { return "use \(key.id)" }
        if candidates.isEmpty { return "no key: the pool has no keys" }
        let reasons = candidates.map { "\($0.keyID): \($0.skipped.map(String.init(describing:)) ?? "fits")" }
        let when = earliestAvailability.map { "; earliest \($0.formatted(.iso8601))" } ?? "; none will free up by waiting"
        return "no key fits: " + reasons.joined(separator: ", ") + when
    }
}

// MARK: - Selection

/// A key with its quota state at the moment of a choice (`package`: every store builds these).
package struct KeyView: Sendable {
    package var key: APIKey
    package var quota: QuotaState

    package init(key: APIKey, quota: QuotaState) {
        self.key = key
        self.quota = quota
    }
}

extension KeyPool {
    /// Chooses a key for `request` among `views` (every key of the pool). Pure: the caller
    /// provides the instant, the round-robin cursor (the id chosen last) and a random number in [0, 1).
    package func select(
        _ request: KeyRequest, among views: [KeyView], at instant: Date, cursor: String?, random: Double
    ) -> (chosen: Int?, candidates: [KeyCandidate]) {
        let ordered = views.indices.sorted { views[$0].key.id < views[$1].key.id }
        var candidates: [KeyCandidate] = []
        var eligible: [Int] = []
        for index in ordered {
            let view = views[index]
            let reason = Self.skipReason(view, request: request, at: instant)
            candidates.append(KeyCandidate(keyID: view.key.id, utilization: view.quota.utilization, skipped: reason))
            if reason == nil { eligible.append(index) }
        }
        guard !eligible.isEmpty else { return (nil, candidates) }
        let chosen: Int
        switch strategy {
        case .leastUtilized:
            chosen = eligible.min { views[$0].quota.utilization < views[$1].quota.utilization } ?? eligible[0]
        case .roundRobin:
            chosen = cursor.flatMap { last in eligible.first { views[$0].key.id > last } } ?? eligible[0]
        case .priority:
            chosen = eligible.min { (views[$0].key.priority, views[$0].key.id) < (views[$1].key.priority, views[$1].key.id) }
                ?? eligible[0]
        case .weightedByRemaining:
            let weights = eligible.map { max(0, 1 - views[$0].quota.utilization) }
            let total = weights.reduce(0, +)
            if total <= 0 {
                chosen = eligible[0]
            } else {
                var target = random * total
                var pick = eligible[eligible.count - 1]
                for (position, weight) in weights.enumerated() where weight > 0 {
                    if target < weight { pick = eligible[position]; break }
                    target -= weight
                }
                chosen = pick
            }
        }
        return (chosen, candidates)
    }

    package static func skipReason(_ view: KeyView, request: KeyRequest, at instant: Date) -> KeySkipReason? {
        switch view.key.status(at: instant) {
        case .coolingDown(let until): return .coolingDown(until: until)
        case .exhausted(let until): return .exhausted(until: until)
        case .disabled(let reason): return .disabled(reason: reason)
        case .revoked: return .revoked
        case .active: break
        }
        switch view.quota.fit(request.estimate) {
        case .fits: return nil
        case .blocked(let measure, let until): return .quotaFull(measure, until: until)
        case .never(let measure, _, _): return .tooLarge(measure)
        }
    }
}
