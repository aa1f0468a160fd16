/// One price: a flat rate, or a base rate with tiers chosen by the size of the prompt.
///
/// Tiers follow the "cliff" model of genai-prices and the providers: when a request's total input
/// tokens (cache included) exceed a tier's `start`, **all** its tokens of that kind pay the tier's
/// rate. At exactly `start` tokens the lower rate still applies.
///
/// For example, `PriceValue(base: 3, tiers: [PriceTier(start: 200_000, price: 6)])` bills a
/// 200,000-token prompt at $3/MTok and a 200,001-token prompt at $6/MTok.
public struct PriceValue: Sendable, Hashable {
    /// The rate per block of the unit (per million tokens, per thousand requests, …).
    public var base: Money
    /// Higher-volume tiers, sorted by `start`.
    public var tiers: [PriceTier]

    public init(base: Money, tiers: [PriceTier] = []) {
        self.base = base
        self.tiers = tiers.sorted { $0.start < $1.start }
    }

    public var isTiered: Bool { !tiers.isEmpty }

    /// The rate for a request with `inputTokens` total input tokens.
    @inline(__always)
    public func rate(forInputTokens inputTokens: Int) -> Money {
        if tiers.isEmpty { return base }
        var i = tiers.count - 1
        while i >= 0 {
            if inputTokens > tiers[i].start { return tiers[i].price }
            i -= 1
        }
        return base
    }
}

/// A tier of a ``PriceValue``: applies when total input tokens are above `start`.
public struct PriceTier: Sendable, Hashable, Codable {
    public var start: Int
    public var price: Money
    public init(start: Int, price: Money) {
        self.start = start
        self.price = price
    }
}

/// The prices of a model at one point in time: a rate for each priced unit.
///
/// Build it from price keys (`input_mtok`, `cache_read_mtok`, `output_mtok`, `web_searches_kcount`,
/// …) and a ``UnitRegistry``. The engine bills each priced unit for its own count minus the counts
/// of the more specific priced units inside it (see ``UnitDefinition``).
///
/// For example:
/// ```swift
/// let price = try ModelPrice(["input_mtok": PriceValue(base: Money("2.5")!),
///                             "cache_read_mtok": PriceValue(base: Money("1.25")!),
///                             "output_mtok": PriceValue(base: Money("10")!)])
/// ```
public struct ModelPrice: Sendable, Hashable {
    /// A priced unit with the indices (into ``lines``) of the priced units it contains.
    public struct Line: Sendable, Hashable {
        public let unit: UnitDefinition
        public let value: PriceValue
        let descendants: [Int]
        let category: CostCategory
        let isInput: Bool
        let isOutput: Bool

        init(unit: UnitDefinition, value: PriceValue, descendants: [Int], category: CostCategory) {
            self.unit = unit
            self.value = value
            self.descendants = descendants
            self.category = category
            self.isInput = unit.direction == "input"
            self.isOutput = unit.direction == "output"
        }
    }

    /// Priced units, most specific first.
    public var lines: [Line] { plan.lines }
    var hasTiers: Bool { plan.hasTiers }
    /// The lines and the engine's compiled form of them, behind one reference.
    let plan: PricePlan

    /// Creates a price from price keys.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` for a price key the registry does not know.
    public init(_ prices: [String: PriceValue], registry: UnitRegistry = .standard) throws {
        var units: [(UnitDefinition, PriceValue)] = []
        for (key, value) in prices {
            guard let unit = registry.unit(priceKey: key) else {
                let known = registry.units.map(\.priceKey)
                throw PricingError(
                    code: .invalidCatalog,
                    message: "unknown price key '\(key)'" + Suggest.didYouMean(key, in: known),
                    suggestions: Suggest.nearest(key, in: known)
                )
            }
            units.append((unit, value))
        }
        self.init(resolved: units)
    }

    init(resolved: [(UnitDefinition, PriceValue)]) {
        // most specific first, as genai-prices decomposes: (-dimension count, usage key)
        let sorted = resolved.sorted {
            ($0.0.dimensions.count, $1.0.kind.rawValue) > ($1.0.dimensions.count, $0.0.kind.rawValue)
        }
        var lines: [Line] = []
        for (i, (unit, value)) in sorted.enumerated() {
            var descendants: [Int] = []
            for (j, (other, _)) in sorted.enumerated() where j != i && unit.contains(other) && j < i {
                descendants.append(j)
            }
            lines.append(
                Line(unit: unit, value: value, descendants: descendants, category: unit.category))
        }
        self.plan = PricePlan(lines: lines)
    }

    init(plan: PricePlan) {
        self.plan = plan
    }

    /// The price of one key, if priced.
    public subscript(priceKey: String) -> PriceValue? {
        lines.first { $0.unit.priceKey == priceKey }?.value
    }

    /// All prices by key.
    public var prices: [String: PriceValue] {
        Dictionary(uniqueKeysWithValues: lines.map { ($0.unit.priceKey, $0.value) })
    }

    /// This price with some keys replaced or added.
    public func overriding(_ overrides: [(UnitDefinition, PriceValue)]) -> ModelPrice {
        guard !overrides.isEmpty else { return self }
        var byKey = Dictionary(uniqueKeysWithValues: lines.map { ($0.unit.priceKey, ($0.unit, $0.value)) })
        for (unit, value) in overrides { byKey[unit.priceKey] = (unit, value) }
        return ModelPrice(resolved: Array(byKey.values))
    }

    /// Whether a price is set for `kind`.
    public func prices(_ kind: UsageKind) -> Bool { lines.contains { $0.unit.kind == kind } }

    public static func == (lhs: ModelPrice, rhs: ModelPrice) -> Bool { lhs.prices == rhs.prices }
    public func hash(into hasher: inout Hasher) {
        for line in lines.sorted(by: { $0.unit.priceKey < $1.unit.priceKey }) {
            hasher.combine(line.unit.priceKey)
            hasher.combine(line.value)
        }
    }
}
