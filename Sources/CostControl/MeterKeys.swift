public import CostPricing
public import CostRotation
public import Foundation

/// How a ``Meter`` chooses the API key of each call: the key store, the sealer that opens the
/// chosen key's secret, the pool of each provider, and who hears about pool pressure and revoked
/// keys.
///
/// With keys, one `Meter.run` gives the service a budget decision *and* a key: the call receives
/// the key's secret in ``MeteredCall/key``, and the meter reports the outcome back to the store
/// (success with the usage, or what the thrown error says: ``KeyOutcomeError``).
///
/// For example:
/// ```swift
/// let keys = MeterKeys(store: keyStore, sealer: vault, pools: [KeyPool(provider: "anthropic")]) { events in
///     await provisioning.handle(events)   // pool pressure → a new key
/// }
/// let meter = Meter(budgets: budgets, ledger: ledger, engine: engine, keys: keys)
/// ```
public struct MeterKeys: Sendable {
    public let store: any KeyStore
    public let sealer: any SecretSealer
    /// The pool a call to a provider draws from, given the request's dimensions; `nil` when
    /// the meter does not choose keys for that provider (the call brings its own).
    public let pool: @Sendable (_ provider: String, _ dimensions: UsageDimensions) -> KeyPool?
    /// Told the key events of every acquire and report (pool pressure, a revoked key). Called on
    /// the request's path: hand the events to a task (`KeyProvisioning` does) and return.
    public let events: (@Sendable ([KeyEvent]) async -> Void)?

    public init(
        store: any KeyStore, sealer: any SecretSealer,
        pool: @escaping @Sendable (_ provider: String, _ dimensions: UsageDimensions) -> KeyPool?,
        events: (@Sendable ([KeyEvent]) async -> Void)? = nil
    ) {
        self.store = store
        self.sealer = sealer
        self.pool = pool
        self.events = events
    }

    /// Pools by provider (case-insensitive). A pool with a project serves the requests whose
    /// `dimensions.project` is that project; the provider's pool without a project serves the rest.
    public init(
        store: any KeyStore, sealer: any SecretSealer, pools: [KeyPool],
        events: (@Sendable ([KeyEvent]) async -> Void)? = nil
    ) {
        self.init(store: store, sealer: sealer, pool: { provider, dimensions in
            let ofProvider = pools.filter { $0.provider.caseInsensitiveCompare(provider) == .orderedSame }
            if let project = dimensions.project, let pool = ofProvider.first(where: { $0.project == project }) {
                return pool
            }
            return ofProvider.first { $0.project == nil }
        }, events: events)
    }

    /// Leases a key of `pool` for a request of `estimate`.
    func acquire(_ estimate: Usage, cost: Money, from pool: KeyPool) async throws -> KeySelection {
        let selection = try await store.acquire(KeyRequest(estimate: Self.charge(estimate, cost: cost)), from: pool)
        await announce(selection.events)
        return selection
    }

    /// What a call counts against a key's quota: its input (cache included) and output tokens, its
    /// requests (at least one) and its cost.
    static func charge(_ usage: Usage, cost: Money) -> KeyCharge {
        KeyCharge(tokens: max(0, usage.inputTokens) + max(0, usage.outputTokens), requests: max(1, usage.requests), cost: cost)
    }

    /// Opens the leased key's secret (the key id is the associated data it was sealed with).
    func open(_ key: APIKey) throws -> MeteredKey {
        let plaintext = try sealer.open(key.sealedSecret, associatedData: Data(key.id.utf8))
        return MeteredKey(id: key.id, provider: key.provider, label: key.label, fingerprint: key.fingerprint,
                          secret: String(decoding: plaintext, as: UTF8.self))
    }

    func report(_ lease: KeyLease, outcome: KeyOutcome) async throws -> KeyReport {
        let report = try await store.report(lease, outcome: outcome)
        await announce(report.events)
        return report
    }

    func announce(_ events: [KeyEvent]) async {
        guard !events.isEmpty, let handler = self.events else { return }
        await handler(events)
    }
}

/// The key a metered call is to use. `description` and reflection show the fingerprint only:
/// pass ``secret`` to the provider's client and nowhere else.
public struct MeteredKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let id: String
    public let provider: String
    public let label: String
    /// The masked form (`sk-ant-…a1b2`).
    public let fingerprint: String
    /// The plaintext secret, opened for this call.
    public let secret: String

    public var description: String { "MeteredKey(id: \(id), \(fingerprint))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["id": id, "fingerprint": fingerprint], displayStyle: .struct) }
}

/// An error of a provider call that says what it means for the key; the meter reports
/// ``keyOutcome`` when the call throws it. Other errors report `.failed` (logged, the key keeps
/// its status).
public protocol KeyOutcomeError: Error {
    var keyOutcome: KeyOutcome { get }
}

/// An HTTP error answer of a provider, for callers without their own error type: 429 cools the
/// key down (honouring Retry-After), 401 and 403 revoke it, and a quota message marks it
/// exhausted until its reset.
///
/// ```swift
/// guard response.status == 200 else {
///     throw ProviderHTTPError(status: response.status, retryAfter: response.retryAfter)
/// }
/// ```
public struct ProviderHTTPError: KeyOutcomeError, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var retryAfter: Duration?
    /// The provider said the quota (not the rate) is used up, e.g. Gemini's
    /// `RESOURCE_EXHAUSTED` with a daily quota, or OpenAI's `insufficient_quota`.
    public var quotaExhausted: Bool
    public var resetsAt: Date?

    public init(status: Int, retryAfter: Duration? = nil, quotaExhausted: Bool = false, resetsAt: Date? = nil) {
        self.status = status
        self.retryAfter = retryAfter
        self.quotaExhausted = quotaExhausted
        self.resetsAt = resetsAt
    }

    public var keyOutcome: KeyOutcome {
        if quotaExhausted { return .quotaExhausted(resetsAt: resetsAt) }
        switch status {
        case 429: return .rateLimited(retryAfter: retryAfter)
        case 401, 403: return .unauthorized(status: status)
        default: return .failed
        }
    }

    public var description: String {
        if quotaExhausted { return "the provider answered \(status): quota exhausted" }
        return "the provider answered \(status)" + (retryAfter.map { " (retry after \(Int($0.seconds.rounded(.up))) s)" } ?? "")
    }
}
