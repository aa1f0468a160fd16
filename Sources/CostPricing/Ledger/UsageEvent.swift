public import Foundation

/// One LLM request (or a provider-reported bucket of requests), as a ledger stores it.
///
/// The cost is priced once, at the event's own timestamp, and stored with it: a later price change
/// never rewrites history (``UsageLedger/reprice(matching:using:)`` exists for prices that were wrong).
///
/// For example:
/// ```swift
/// let event = UsageEvent(
///     id: "req_123", timestamp: Date(), provider: "openai", model: "gpt-4o",
///     usage: Usage(inputTokens: 12_000, outputTokens: 800),
///     dimensions: UsageDimensions(team: "search", user: "alice", tags: ["env": "prod"]))
/// let outcome = try await ledger.record(event)
/// ```
public struct UsageEvent: Sendable, Hashable {
    /// The idempotency key: recording the same id twice stores it once.
    public var id: String
    /// When the request happened (UTC; stored to the millisecond).
    public var timestamp: Date
    /// The provider id (`openai`, `anthropic`, …). Empty means "infer from the model" at ingest.
    public var provider: String
    /// The model id as the caller or the provider reported it.
    public var model: String
    /// Token and unit counts.
    public var usage: Usage
    /// The cost, priced at ``timestamp``. `nil` asks the ledger to price the event at ingest.
    public var cost: EventCost?
    /// Who and what the request was for.
    public var dimensions: UsageDimensions
    /// How the request ended.
    public var status: EventStatus
    /// End-to-end latency in milliseconds, when known.
    public var latencyMilliseconds: Int?
    /// Anything else the caller wants kept with the event.
    public var metadata: JSONValue?

    public init(
        id: String = UsageEvent.makeID(),
        timestamp: Date = Date(),
        provider: String = "",
        model: String,
        usage: Usage,
        cost: EventCost? = nil,
        dimensions: UsageDimensions = UsageDimensions(),
        status: EventStatus = .ok,
        latencyMilliseconds: Int? = nil,
        metadata: JSONValue? = nil
    ) {
        self.id = id
        self.timestamp = timestamp
        self.provider = provider
        self.model = model
        self.usage = usage
        self.cost = cost
        self.dimensions = dimensions
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.metadata = metadata
    }

    /// A new time-ordered id (a UUID version 7: 48 bits of Unix milliseconds, then random bits),
    /// so generated ids arrive in index order.
    public static func makeID(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return makeID(at: date, using: &generator)
    }

    /// A time-ordered id drawn from `generator` (for reproducible demos and benchmarks).
    public static func makeID<G: RandomNumberGenerator>(at date: Date, using generator: inout G) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000).rounded(.down))
        let randA = UInt16.random(in: 0...0x0FFF, using: &generator)
        let randB = UInt64.random(in: 0...UInt64.max, using: &generator)
        let high = (millis << 16) | 0x7000 | UInt64(randA)
        let low = (randB & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let s = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        let h = hex(high, 16)
        let l = hex(low, 16)
        return "\(h.prefix(8))-\(h.dropFirst(8).prefix(4))-\(h.dropFirst(12))-\(l.prefix(4))-\(l.dropFirst(4))"
    }

    /// The event's time in whole Unix milliseconds (the precision the ledger keeps).
    public var unixMilliseconds: Int64 {
        Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// The dimensions reports group and filter by.
public struct UsageDimensions: Sendable, Hashable {
    public var org: String?
    public var team: String?
    public var user: String?
    public var project: String?
    /// The id of the API key used (never the key itself).
    public var keyID: String?
    public var session: String?
    /// The operation or command name (`summarize`, `chat`, `/review`).
    public var operation: String?
    /// Free `key=value` tags.
    public var tags: [String: String]

    public init(
        org: String? = nil, team: String? = nil, user: String? = nil, project: String? = nil,
        keyID: String? = nil, session: String? = nil, operation: String? = nil, tags: [String: String] = [:]
    ) {
        self.org = org
        self.team = team
        self.user = user
        self.project = project
        self.keyID = keyID
        self.session = session
        self.operation = operation
        self.tags = tags
    }

    /// The value of one dimension (`nil` when absent). `.provider`, `.model` and `.status` are not
    /// dimensions of this struct and return `nil`.
    public subscript(dimension: UsageDimension) -> String? {
        switch dimension {
        case .org: org
        case .team: team
        case .user: user
        case .project: project
        case .keyID: keyID
        case .session: session
        case .operation: operation
        case .tag(let key): tags[key]
        case .provider, .model, .status: nil
        }
    }
}

/// How a request ended.
public enum EventStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case ok
    case error
    case rateLimited = "rate_limited"

    public var description: String { rawValue }
}

/// A stored cost: what ``CostEngine`` computed at the event's timestamp, reduced to amounts and the
/// names of what priced it (a ``CostBreakdown`` without the live price object).
public struct EventCost: Sendable, Hashable, Codable {
    public var total: Money
    public var inputTotal: Money
    public var outputTotal: Money
    /// The amount in each category (only non-zero categories are kept).
    public var categories: [CostCategory: Money]
    public var serviceTier: ServiceTier
    public var isPriced: Bool
    /// `provider/model` of the catalog entry whose price was used.
    public var pricedAs: String?
    /// Why the event has no price, when ``isPriced`` is `false`.
    public var unpricedReason: String?

    public init(
        total: Money, inputTotal: Money = .zero, outputTotal: Money = .zero, categories: [CostCategory: Money] = [:],
        serviceTier: ServiceTier = .standard, isPriced: Bool = true, pricedAs: String? = nil,
        unpricedReason: String? = nil
    ) {
        self.total = total
        self.inputTotal = inputTotal
        self.outputTotal = outputTotal
        self.categories = categories
        self.serviceTier = serviceTier
        self.isPriced = isPriced
        self.pricedAs = pricedAs
        self.unpricedReason = unpricedReason
    }

    /// The stored form of a breakdown.
    public init(_ breakdown: CostBreakdown) {
        var categories: [CostCategory: Money] = [:]
        for category in CostCategory.allCases where !breakdown[category].isZero {
            categories[category] = breakdown[category]
        }
        self.init(
            total: breakdown.total, inputTotal: breakdown.inputTotal, outputTotal: breakdown.outputTotal,
            categories: categories, serviceTier: breakdown.serviceTier, isPriced: breakdown.isPriced,
            pricedAs: breakdown.isPriced ? breakdown.model.description : nil,
            unpricedReason: breakdown.isPriced ? nil : breakdown.unpricedReason)
    }

    /// A zero cost that says why there is no price.
    public static func unpriced(reason: String, tier: ServiceTier = .standard) -> EventCost {
        EventCost(total: .zero, serviceTier: tier, isPriced: false, unpricedReason: reason)
    }

    enum CodingKeys: String, CodingKey {
        case total = "total_usd", inputTotal = "input_usd", outputTotal = "output_usd", categories
        case serviceTier = "service_tier", isPriced = "priced", pricedAs = "priced_as"
        case unpricedReason = "unpriced_reason"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        total = try c.decode(Money.self, forKey: .total)
        inputTotal = try c.decodeIfPresent(Money.self, forKey: .inputTotal) ?? .zero
        outputTotal = try c.decodeIfPresent(Money.self, forKey: .outputTotal) ?? .zero
        let raw = try c.decodeIfPresent([String: Money].self, forKey: .categories) ?? [:]
        var categories: [CostCategory: Money] = [:]
        for (key, value) in raw {
            guard let category = CostCategory(rawValue: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .categories, in: c,
                    debugDescription: "unknown cost category '\(key)'; expected one of \(CostCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            categories[category] = value
        }
        self.categories = categories
        serviceTier = try c.decodeIfPresent(ServiceTier.self, forKey: .serviceTier) ?? .standard
        isPriced = try c.decodeIfPresent(Bool.self, forKey: .isPriced) ?? true
        pricedAs = try c.decodeIfPresent(String.self, forKey: .pricedAs)
        unpricedReason = try c.decodeIfPresent(String.self, forKey: .unpricedReason)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(total, forKey: .total)
        try c.encode(inputTotal, forKey: .inputTotal)
        try c.encode(outputTotal, forKey: .outputTotal)
        if !categories.isEmpty {
            try c.encode(
                Dictionary(uniqueKeysWithValues: categories.map { ($0.key.rawValue, $0.value) }), forKey: .categories)
        }
        try c.encode(serviceTier, forKey: .serviceTier)
        try c.encode(isPriced, forKey: .isPriced)
        try c.encodeIfPresent(pricedAs, forKey: .pricedAs)
        try c.encodeIfPresent(unpricedReason, forKey: .unpricedReason)
    }
}
