/// Where a cost goes in a ``CostBreakdown``.
public enum CostCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// Input tokens not read from or written to the cache (and modality-specific input tokens).
    case input
    case cacheRead = "cache_read"
    case cacheWrite = "cache_write"
    /// Output tokens other than reasoning.
    case output
    case reasoning
    /// Per-unit charges: searches, images, pages, seconds, characters.
    case units
    /// Per-request fees.
    case fees
}

/// What a request cost, by category, with the model and price that were used.
///
/// A breakdown is either priced (``isPriced``) or unpriced with a reason: a model the catalog
/// knows but has no price for is **never** booked at $0 silently.
///
/// `inputTotal` and `outputTotal` follow genai-prices: everything billed in the input direction
/// (uncached input, cache reads and writes, input audio, …) and in the output direction; `total` also
/// includes charges with no direction (request fees, searches).
public struct CostBreakdown: Sendable, Hashable {
    public var input: Money = .zero
    public var cacheRead: Money = .zero
    public var cacheWrite: Money = .zero
    public var output: Money = .zero
    public var reasoning: Money = .zero
    public var units: Money = .zero
    public var fees: Money = .zero
    /// Everything billed in the input direction.
    public var inputTotal: Money = .zero
    /// Everything billed in the output direction.
    public var outputTotal: Money = .zero
    /// The whole cost.
    public var total: Money = .zero

    /// The service tier asked for.
    public var serviceTier: ServiceTier = .standard
    /// Whether a price was found; when `false`, amounts are zero and ``unpricedReason`` says why.
    public var isPriced: Bool = true

    /// Where the cost came from, behind one reference: a breakdown is copied on the engine's hot
    /// path, and every breakdown priced at one of a catalog's prices shares one context.
    final class Context: Sendable {
        let model: ModelIdentity
        let price: ModelPrice?
        let unpricedReason: String?
        init(model: ModelIdentity, price: ModelPrice?, unpricedReason: String?) {
            self.model = model
            self.price = price
            self.unpricedReason = unpricedReason
        }
    }

    /// The context, without a reference count: valid while `owner` holds it or, when `owner` is
    /// `nil`, for the life of the process (an interned context, see ``InternedContexts``). The
    /// engine's fast path then copies and destroys a breakdown without an atomic operation.
    var context: Unmanaged<Context>
    /// The context when it is not interned (unpriced results, service-tier variants, explicit
    /// prices, edited breakdowns), else `nil`. Spelled `Optional<Context>`, not `Context?`: a `var`
    /// of type `Context?` starts as `nil`, so `init` would *assign* it (destroying the old value),
    /// and the compiler then builds the breakdown in a temporary and copies it.
    var owner: Optional<Context>

    /// The provider and model the price came from.
    public var model: ModelIdentity {
        get { context._withUnsafeGuaranteedRef { $0.model } }
        set { setContext(Context(model: newValue, price: price, unpricedReason: unpricedReason)) }
    }
    /// The price that was used (after the timestamp and the service tier chose it); `nil` when unpriced.
    public var price: ModelPrice? {
        get { context._withUnsafeGuaranteedRef { $0.price } }
        set { setContext(Context(model: model, price: newValue, unpricedReason: unpricedReason)) }
    }
    /// Why there is no price, for an unpriced breakdown.
    public var unpricedReason: String? {
        get { context._withUnsafeGuaranteedRef { $0.unpricedReason } }
        set { setContext(Context(model: model, price: price, unpricedReason: newValue)) }
    }

    private mutating func setContext(_ owned: Context) {
        context = Unmanaged.passUnretained(owned)
        owner = owned
    }

    public init(model: ModelIdentity) {
        let owned = Context(model: model, price: nil, unpricedReason: nil)
        self.context = Unmanaged.passUnretained(owned)
        self.owner = owned
    }

    /// A priced breakdown, whole (the engine's one construction per request).
    @inline(__always)
    init(
        context: Unmanaged<Context>, owner: consuming Context?, tier: ServiceTier, isPriced: Bool, input: Int128,
        cacheRead: Int128, cacheWrite: Int128, output: Int128, reasoning: Int128, units: Int128, fees: Int128,
        inputTotal: Int128, outputTotal: Int128, total: Int128
    ) {
        self.context = context
        self.owner = owner
        self.serviceTier = tier
        self.isPriced = isPriced
        self.input = Money(units: input)
        self.cacheRead = Money(units: cacheRead)
        self.cacheWrite = Money(units: cacheWrite)
        self.output = Money(units: output)
        self.reasoning = Money(units: reasoning)
        self.units = Money(units: units)
        self.fees = Money(units: fees)
        self.inputTotal = Money(units: inputTotal)
        self.outputTotal = Money(units: outputTotal)
        self.total = Money(units: total)
    }

    public static func == (a: CostBreakdown, b: CostBreakdown) -> Bool {
        a.input == b.input && a.cacheRead == b.cacheRead && a.cacheWrite == b.cacheWrite && a.output == b.output
            && a.reasoning == b.reasoning && a.units == b.units && a.fees == b.fees && a.inputTotal == b.inputTotal
            && a.outputTotal == b.outputTotal && a.total == b.total && a.serviceTier == b.serviceTier
            && a.isPriced == b.isPriced && a.model == b.model && a.price == b.price && a.unpricedReason == b.unpricedReason
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(total)
        hasher.combine(model)
        hasher.combine(serviceTier)
        hasher.combine(isPriced)
    }

    /// An unpriced result: the model is known (or named) but has no price.
    public static func unpriced(_ model: ModelIdentity, reason: String) -> CostBreakdown {
        var b = CostBreakdown(model: model)
        b.isPriced = false
        b.unpricedReason = reason
        return b
    }

    /// The amount of one category.
    public subscript(category: CostCategory) -> Money {
        switch category {
        case .input: input
        case .cacheRead: cacheRead
        case .cacheWrite: cacheWrite
        case .output: output
        case .reasoning: reasoning
        case .units: units
        case .fees: fees
        }
    }
}

/// A provider and model as the catalog names them, and where their price came from.
public struct ModelIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    // One reference for three strings: a breakdown is copied on the engine's hot path.
    private final class Storage: Sendable {
        let provider: String
        let model: String
        let source: String
        init(provider: String, model: String, source: String) {
            self.provider = provider
            self.model = model
            self.source = source
        }
    }

    private var storage: Storage

    public var provider: String {
        get { storage.provider }
        set { storage = Storage(provider: newValue, model: model, source: source) }
    }
    public var model: String {
        get { storage.model }
        set { storage = Storage(provider: provider, model: newValue, source: source) }
    }
    /// `genai-prices`, `litellm`, or `override:<file>`.
    public var source: String {
        get { storage.source }
        set { storage = Storage(provider: provider, model: model, source: newValue) }
    }

    public init(provider: String, model: String, source: String) {
        storage = Storage(provider: provider, model: model, source: source)
    }

    public var description: String { "\(provider)/\(model)" }

    public static func == (lhs: ModelIdentity, rhs: ModelIdentity) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.provider == rhs.provider && lhs.model == rhs.model && lhs.source == rhs.source)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(provider)
        hasher.combine(model)
        hasher.combine(source)
    }

    enum CodingKeys: String, CodingKey { case provider, model, source }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            provider: try c.decode(String.self, forKey: .provider), model: try c.decode(String.self, forKey: .model),
            source: try c.decode(String.self, forKey: .source))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(provider, forKey: .provider)
        try c.encode(model, forKey: .model)
        try c.encode(source, forKey: .source)
    }
}

/// A running total over many breakdowns that keeps unpriced requests visible.
///
/// For example:
/// ```swift
/// var total = CostTotal()
/// for b in breakdowns { try total.add(b) }
/// print(total.priced, total.unpricedRequests)
/// ```
public struct CostTotal: Sendable, Hashable, Codable {
    /// The sum of priced costs.
    public var priced: Money = .zero
    public var pricedRequests = 0
    /// Requests that could not be priced (their cost is unknown, not zero).
    public var unpricedRequests = 0
    /// Unpriced requests by reason.
    public var unpricedReasons: [String: Int] = [:]

    public init() {}

    /// Adds one breakdown.
    ///
    /// - throws: ``PricingError`` `.overflow`.
    public mutating func add(_ breakdown: CostBreakdown) throws {
        if breakdown.isPriced {
            priced = try priced.adding(breakdown.total)
            pricedRequests += 1
        } else {
            unpricedRequests += 1
            unpricedReasons[breakdown.unpricedReason ?? "unpriced", default: 0] += 1
        }
    }

    /// Whether every request was priced.
    public var isComplete: Bool { unpricedRequests == 0 }
}
