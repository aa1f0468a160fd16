public import Foundation

/// The costctl price-file format (`"format": "costctl-catalog"`), used by the bundled catalog,
/// user override files and `costctl pricing import --format costctl`. See Documentation/Pricing.md.
///
/// Prices are decimal strings per block of the unit (`"input_mtok": "2.5"` is $2.50 per million
/// input tokens); JSON numbers are accepted too. A model's `prices` is either one price object or
/// a list of `{ "constraint": …, "prices": … }` entries (historical or time-of-day prices).
public struct CatalogFile: Codable, Sendable {
    public var format: String?
    public var version: Int?
    public var generatedAt: String?
    public var sources: [Source]?
    public var providers: [Provider]

    public struct Source: Codable, Sendable, Hashable {
        public var name: String
        public var version: String?
        public var licence: String?
        public var url: String?
        public var file: String?
    }

    public struct Provider: Codable, Sendable {
        public var id: String
        public var name: String?
        public var source: String?
        public var aliases: [String]?
        public var pricingURLs: [String]?
        public var providerMatch: MatchClause?
        public var modelMatch: MatchClause?
        public var fallbackProviders: [String]?
        public var models: [Model]?
        public var litellmModels: [Model]?

        enum CodingKeys: String, CodingKey {
            case id, name, source, aliases, models
            case pricingURLs = "pricing_urls"
            case providerMatch = "provider_match"
            case modelMatch = "model_match"
            case fallbackProviders = "fallback_providers"
            case litellmModels = "litellm_models"
        }
    }

    public struct Model: Codable, Sendable {
        public var id: String
        public var name: String?
        public var match: MatchClause?
        public var source: String?
        public var contextWindow: Int?
        public var deprecated: Bool?
        public var prices: [Conditional]?
        public var variants: [Variant]?
        public var unpricedReason: String?
        public var litellmKey: String?
        public var litellmProvider: String?
        public var mode: String?
        public var capabilityClass: String?
        public var qualityScore: Double?

        enum CodingKeys: String, CodingKey {
            case id, name, match, source, deprecated, prices, variants, mode
            case contextWindow = "context_window"
            case unpricedReason = "unpriced_reason"
            case litellmKey = "litellm_key"
            case litellmProvider = "litellm_provider"
            case capabilityClass = "capability_class"
            case qualityScore = "quality_score"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            match = try c.decodeIfPresent(MatchClause.self, forKey: .match)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            contextWindow = try c.decodeIfPresent(Int.self, forKey: .contextWindow)
            deprecated = try c.decodeIfPresent(Bool.self, forKey: .deprecated)
            // `prices` is a list of conditional prices, or one price object
            if let list = try? c.decodeIfPresent([Conditional].self, forKey: .prices) {
                prices = list
            } else if let single = try c.decodeIfPresent([String: Value].self, forKey: .prices) {
                prices = [Conditional(constraint: nil, prices: single)]
            } else {
                prices = nil
            }
            variants = try c.decodeIfPresent([Variant].self, forKey: .variants)
            unpricedReason = try c.decodeIfPresent(String.self, forKey: .unpricedReason)
            litellmKey = try c.decodeIfPresent(String.self, forKey: .litellmKey)
            litellmProvider = try c.decodeIfPresent(String.self, forKey: .litellmProvider)
            mode = try c.decodeIfPresent(String.self, forKey: .mode)
            capabilityClass = try c.decodeIfPresent(String.self, forKey: .capabilityClass)
            qualityScore = try c.decodeIfPresent(Double.self, forKey: .qualityScore)
        }

        public init(id: String, match: MatchClause?, source: String?, prices: [Conditional]) {
            self.id = id
            self.match = match
            self.source = source
            self.prices = prices
        }
    }

    public struct Conditional: Codable, Sendable {
        public var constraint: Constraint?
        public var prices: [String: Value]
        public init(constraint: Constraint?, prices: [String: Value]) {
            self.constraint = constraint
            self.prices = prices
        }
    }

    public struct Variant: Codable, Sendable {
        public var when: [String: String]
        public var prices: [String: Value]
        public var constraint: Constraint?
        public var source: String?
        public init(when: [String: String], prices: [String: Value], constraint: Constraint?, source: String?) {
            self.when = when
            self.prices = prices
            self.constraint = constraint
            self.source = source
        }
    }

    public struct Constraint: Codable, Sendable {
        public var startDate: String?
        public var timeOfDay: [Window]?
        enum CodingKeys: String, CodingKey {
            case startDate = "start_date"
            case timeOfDay = "time_of_day"
        }
        public init(startDate: String?, timeOfDay: [Window]?) {
            self.startDate = startDate
            self.timeOfDay = timeOfDay
        }
        /// The file form of a runtime constraint.
        public init(_ constraint: PriceConstraint) {
            switch constraint {
            case .startDate(let day):
                self.init(startDate: CivilDate(day: day).description, timeOfDay: nil)
            case .timeOfDay(let windows):
                func hms(_ s: Int) -> String {
                    func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
                    return "\(pad(s / 3600)):\(pad(s / 60 % 60)):\(pad(s % 60))"
                }
                self.init(startDate: nil, timeOfDay: windows.map { Window(start: hms($0.start), end: hms($0.end), weekdays: $0.weekdays) })
            }
        }
    }

    public struct Window: Codable, Sendable {
        public var start: String
        public var end: String
        public var weekdays: [Int]?
        public init(start: String, end: String, weekdays: [Int]?) {
            self.start = start
            self.end = end
            self.weekdays = weekdays
        }
    }

    /// A price: a decimal (string or number) or `{"base": …, "tiers": [{"start": N, "price": …}]}`.
    public enum Value: Codable, Sendable {
        case flat(Money)
        case tiered(base: Money, tiers: [PriceTier])

        public init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let money = try? single.decode(DecimalText.self) {
                self = .flat(money.value)
                return
            }
            let c = try decoder.container(keyedBy: AnyKey.self)
            let base = try c.decode(DecimalText.self, forKey: AnyKey("base")).value
            struct TierDTO: Decodable {
                var start: Int
                var price: DecimalText
            }
            let tiers = try c.decodeIfPresent([TierDTO].self, forKey: AnyKey("tiers")) ?? []
            self = .tiered(base: base, tiers: tiers.map { PriceTier(start: $0.start, price: $0.price.value) })
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .flat(let m):
                var c = encoder.singleValueContainer()
                try c.encode(m.decimalString)
            case .tiered(let base, let tiers):
                var c = encoder.container(keyedBy: AnyKey.self)
                try c.encode(base.decimalString, forKey: AnyKey("base"))
                try c.encode(tiers, forKey: AnyKey("tiers"))
            }
        }

        var priceValue: PriceValue {
            switch self {
            case .flat(let m): PriceValue(base: m)
            case .tiered(let base, let tiers): PriceValue(base: base, tiers: tiers)
            }
        }

        /// The file form of a runtime price.
        public init(_ value: PriceValue) {
            self = value.tiers.isEmpty ? .flat(value.base) : .tiered(base: value.base, tiers: value.tiers)
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, version, sources, providers
        case generatedAt = "generated_at"
    }

    public init(format: String? = "costctl-catalog", version: Int? = 1, generatedAt: String? = nil,
                sources: [Source]? = nil, providers: [Provider]) {
        self.format = format
        self.version = version
        self.generatedAt = generatedAt
        self.sources = sources
        self.providers = providers
    }
}

/// A decimal amount in JSON, written as a string or as a number, kept exact.
struct DecimalText: Codable, Sendable {
    var value: Money
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            guard let m = Money(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a decimal price")
            }
            value = m
        } else {
            let number = try c.decode(Decimal.self)
            guard let m = Money(number.description) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(number) is not a usable price")
            }
            value = m
        }
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value.decimalString)
    }
}

// MARK: - File → runtime catalog

extension CatalogFile {
    /// Parses a price file.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` with the JSON path of the problem.
    public static func decode(_ data: Data, origin: String) throws -> CatalogFile {
        do {
            return try JSONDecoder().decode(CatalogFile.self, from: data)
        } catch let error as DecodingError {
            throw PricingError(code: .invalidCatalog, message: "\(origin): \(describe(error))")
        } catch let error as PricingError {
            throw PricingError(code: .invalidCatalog, message: "\(origin): \(error.message)")
        }
    }

    /// A one-line account of a decoding error with its JSON path (`.providers[2].models[0].prices`).
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .dataCorrupted(let c): return "\(c.debugDescription) at \(path(c.codingPath))"
        case .keyNotFound(let key, let c): return "missing '\(key.stringValue)' at \(path(c.codingPath))"
        case .typeMismatch(let type, let c): return "expected \(type) at \(path(c.codingPath)): \(c.debugDescription)"
        case .valueNotFound(let type, let c): return "missing \(type) at \(path(c.codingPath))"
        @unknown default: return "\(error)"
        }
    }

    /// Builds runtime providers, checking every price key and constraint.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` naming the provider and model.
    func makeProviders(registry: UnitRegistry, sourceOverride: String? = nil) throws -> [CatalogProvider] {
        try providers.map { p in
            let providerSource = sourceOverride ?? p.source ?? "costctl"
            func build(_ m: Model, exact: Bool) throws -> CatalogModel {
                let context = "provider '\(p.id)', model '\(m.id)'"
                do {
                    let prices = try (m.prices ?? []).map { c in
                        ConditionalPrice(
                            constraint: try c.constraint.map { try Self.constraint($0) },
                            price: try ModelPrice(c.prices.mapValues(\.priceValue), registry: registry))
                    }
                    let variants = try (m.variants ?? []).map { v in
                        PriceVariant(
                            when: v.when, constraint: try v.constraint.map { try Self.constraint($0) },
                            prices: try ModelPrice(v.prices.mapValues(\.priceValue), registry: registry),
                            source: v.source ?? m.source ?? providerSource)
                    }
                    var unpriced = m.unpricedReason
                    if prices.isEmpty && unpriced == nil { unpriced = "the price list has no price for this model" }
                    return CatalogModel(
                        provider: p.id, id: m.id, name: m.name,
                        match: m.match ?? .equals(m.id.lowercased()),
                        source: sourceOverride ?? m.source ?? providerSource, contextWindow: m.contextWindow,
                        deprecated: m.deprecated ?? false, prices: prices, variants: variants,
                        unpricedReason: prices.isEmpty ? unpriced : nil, litellmKey: m.litellmKey,
                        litellmProvider: m.litellmProvider, mode: m.mode, capabilityClass: m.capabilityClass,
                        qualityScore: m.qualityScore)
                } catch let error as PricingError {
                    throw PricingError(code: .invalidCatalog, message: "\(context): \(error.message)")
                }
            }
            return CatalogProvider(
                id: p.id.lowercased(), name: p.name ?? p.id, aliases: (p.aliases ?? []).map { $0.lowercased() },
                providerMatch: p.providerMatch, modelMatch: p.modelMatch,
                fallbackProviders: p.fallbackProviders ?? [],
                models: try (p.models ?? []).map { try build($0, exact: false) },
                exactModels: try (p.litellmModels ?? []).map { try build($0, exact: true) },
                pricingURLs: p.pricingURLs ?? [])
        }
    }

    static func constraint(_ c: Constraint) throws -> PriceConstraint {
        if let start = c.startDate {
            guard let date = CivilDate(start) else {
                throw PricingError(code: .invalidCatalog, message: "start_date '\(start)' is not YYYY-MM-DD")
            }
            return .startDate(day: date.daysSinceEpoch)
        }
        if let windows = c.timeOfDay {
            return .timeOfDay(try windows.map { w in
                guard let start = secondOfDay(w.start), let end = secondOfDay(w.end) else {
                    throw PricingError(code: .invalidCatalog, message: "time window '\(w.start)-\(w.end)' is not HH:MM[:SS]-HH:MM[:SS]")
                }
                if let days = w.weekdays, days.contains(where: { !(1...7).contains($0) }) {
                    throw PricingError(code: .invalidCatalog, message: "weekdays \(days) must be 1 (Monday) … 7 (Sunday)")
                }
                return TimeWindow(start: start, end: end, weekdays: w.weekdays)
            })
        }
        throw PricingError(code: .invalidCatalog, message: "a constraint needs start_date or time_of_day")
    }

    static func secondOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":").map { Int($0) }
        guard (2...3).contains(parts.count), let h = parts[0], let m = parts[1], let s = parts.count == 3 ? parts[2] : 0,
            (0...24).contains(h), (0..<60).contains(m), (0..<60).contains(s)
        else { return nil }
        let total = h * 3600 + m * 60 + s
        return total <= 86_400 ? total : nil
    }
}
