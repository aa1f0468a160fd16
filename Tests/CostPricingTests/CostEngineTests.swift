import Foundation
import Testing

@testable import CostPricing

@Suite("Cost engine")
struct CostEngineTests {
    static func m(_ s: String) -> Money { Money(s)! }

    /// A small catalog written in the costctl format, so each rule is tested in isolation.
    static let catalogJSON = """
        {"format": "costctl-catalog", "version": 1, "providers": [
          {"id": "acme", "name": "Acme", "aliases": ["acme_ai"], "model_match": {"starts_with": "acme-"}, "models": [
            {"id": "acme-tiered", "match": {"or": [{"equals": "acme-tiered"}, {"starts_with": "acme-tiered-20"}]},
             "prices": {"input_mtok": {"base": "3", "tiers": [{"start": 200000, "price": "6"}]},
                        "cache_read_mtok": {"base": "0.3", "tiers": [{"start": 200000, "price": "0.6"}]},
                        "output_mtok": {"base": "15", "tiers": [{"start": 200000, "price": "22.5"}]}}},
            {"id": "acme-history", "prices": [
               {"prices": {"input_mtok": "10", "output_mtok": "30"}},
               {"constraint": {"start_date": "2026-06-01"}, "prices": {"input_mtok": "5", "output_mtok": "15"}}]},
            {"id": "acme-offpeak", "prices": [
               {"prices": {"input_mtok": "1", "output_mtok": "2"}},
               {"constraint": {"time_of_day": [{"start": "16:30:00", "end": "00:30:00"}]}, "prices": {"input_mtok": "0.5", "output_mtok": "1"}}]},
            {"id": "acme-tiers", "prices": {"input_mtok": "2", "cache_read_mtok": "0.5", "output_mtok": "8", "requests_kcount": "1", "web_searches_kcount": "10"},
             "variants": [{"when": {"processing": "batch"}, "prices": {"input_mtok": "1", "output_mtok": "4"}},
                          {"when": {"service_tier": "flex"}, "prices": {"input_mtok": "1.5"}}]},
            {"id": "acme-cache", "prices": {"input_mtok": "3", "cache_read_mtok": "0.3", "cache_write_mtok": "3.75", "cache_write_1h_mtok": "6", "output_mtok": "15", "output_reasoning_mtok": "20"}},
            {"id": "acme-free", "prices": []}
          ]}
        ]}
        """

    static func catalog() throws -> PriceCatalog {
        try PriceCatalog(file: CatalogFile.decode(Data(catalogJSON.utf8), origin: "test"))
    }

    @Test("the engine's category slots follow CostCategory.allCases, and the cached path equals the resolved path")
    func categorySlotsAndCachedPath() throws {
        #expect(CostCategory.allCases.map { Int($0.index) } == Array(0..<CostCategory.allCases.count))
        let engine = try CostEngine(catalog: .bundled())
        let usage = Usage(inputTokens: 300_000, outputTokens: 2_000, cacheReadTokens: 50_000, cacheWriteTokens: 10_000)
        for id in ["claude-sonnet-4-20250514", "gpt-4o", "gemini-2.5-pro", "o3"] {
            let resolved = try engine.catalog.resolve(model: id)
            let first = try engine.cost(usage, model: id)  // fills the cache
            let cached = try engine.cost(usage, model: id)  // the single-price fast path, where it applies
            let direct = try engine.cost(usage, model: resolved)
            let explicit = try CostEngine.compute(usage, price: try #require(resolved.model.prices.last?.price), model: resolved.identity)
            #expect(first == cached && cached == direct)
            #expect(first.total == first.input + first.cacheRead + first.cacheWrite + first.output + first.reasoning + first.units + first.fees)
            if resolved.model.prices.count == 1 { #expect(explicit == direct) }
        }
    }

    @Test("tier boundary: exactly at the threshold pays the base rate, one more token pays the tier")
    func tierBoundary() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let at = try engine.cost(Usage(inputTokens: 200_000, outputTokens: 1000), model: "acme-tiered")
        #expect(at.total == Self.m("0.6") + Self.m("0.015"))
        let above = try engine.cost(Usage(inputTokens: 200_001, outputTokens: 1000), model: "acme-tiered")
        #expect(above.input == Self.m("1.200006"))
        #expect(above.output == Self.m("0.0225"))
        // cache reads count toward the threshold and take the tier too
        let cached = try engine.cost(Usage(inputTokens: 250_000, outputTokens: 0, cacheReadTokens: 100_000), model: "acme-tiered")
        #expect(cached.input == Self.m("0.9"))
        #expect(cached.cacheRead == Self.m("0.06"))
        #expect(cached.inputTotal == Self.m("0.96"))
    }

    @Test("historical price switches at the boundary instant (UTC midnight of the start date)")
    func historical() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let usage = Usage(inputTokens: 1_000_000, outputTokens: 0)
        let before = try Timestamp.parse("2026-05-31T23:59:59Z")
        let exactly = try Timestamp.parse("2026-06-01T00:00:00Z")
        let justBefore = Date(timeIntervalSince1970: exactly.timeIntervalSince1970 - 0.001)
        #expect(try engine.cost(usage, model: "acme-history", at: before).total == Self.m("10"))
        #expect(try engine.cost(usage, model: "acme-history", at: justBefore).total == Self.m("10"))
        #expect(try engine.cost(usage, model: "acme-history", at: exactly).total == Self.m("5"))
        // a zone offset is honoured: 2026-06-01T01:00+02:00 is still May 31 in UTC
        #expect(try engine.cost(usage, model: "acme-history", at: Timestamp.parse("2026-06-01T01:00:00+02:00")).total == Self.m("10"))
    }

    @Test("time-of-day windows wrap past midnight")
    func offPeak() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let usage = Usage(inputTokens: 1_000_000, outputTokens: 0)
        for (time, want) in [("16:29:59", "1"), ("16:30:00", "0.5"), ("23:59:59", "0.5"), ("00:29:59", "0.5"), ("00:30:00", "1")] {
            let at = try Timestamp.parse("2026-11-02T\(time)Z")
            #expect(try engine.cost(usage, model: "acme-offpeak", at: at).total == Self.m(want), "\(time)")
        }
    }

    @Test("service tiers select variants; keys a variant lacks keep the standard price")
    func variants() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let usage = Usage(inputTokens: 1_000_000, outputTokens: 1_000_000)
        #expect(try engine.cost(usage, model: "acme-tiers").total == Self.m("10.001"))
        #expect(try engine.cost(usage, model: "acme-tiers", tier: .batch).total == Self.m("5.001"))
        #expect(try engine.cost(usage, model: "acme-tiers", tier: .flex).total == Self.m("9.501"))
        // no priority variant: standard prices
        #expect(try engine.cost(usage, model: "acme-tiers", tier: .priority).total == Self.m("10.001"))
    }

    @Test("cache writes, 1-hour writes and reasoning are billed once, at the most specific price")
    func decomposition() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let usage = Usage(
            inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 200_000, cacheWriteTokens: 300_000,
            cacheWrite1hTokens: 100_000, reasoningTokens: 400_000)
        let b = try engine.cost(usage, model: "acme-cache")
        #expect(b.input == Self.m("1.5"))  // 500k uncached × $3
        #expect(b.cacheRead == Self.m("0.06"))  // 200k × $0.3
        #expect(b.cacheWrite == Self.m("0.75") + Self.m("0.6"))  // 200k × $3.75 + 100k 1h × $6
        #expect(b.output == Self.m("9"))  // 600k × $15
        #expect(b.reasoning == Self.m("8"))  // 400k × $20
        #expect(b.total == b.inputTotal + b.outputTotal)
        let lines = try CostEngine.explain(usage, price: try #require(try engine.catalog.resolve(model: "acme-cache").model.standardPrice(at: Date())))
        #expect(lines.reduce(Money.zero) { $0 + $1.amount } == b.total)
    }

    @Test("per-request and per-unit fees")
    func fees() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        var usage = Usage(inputTokens: 0, outputTokens: 0)
        usage[.webSearches] = 3
        let b = try engine.cost(usage, model: "acme-tiers")
        #expect(b.fees == Self.m("0.001"))
        #expect(b.units == Self.m("0.03"))
        #expect(b.total == Self.m("0.031"))
        usage.requests = 10
        #expect(try engine.cost(usage, model: "acme-tiers").fees == Self.m("0.01"))
    }

    @Test("a model without a price is unpriced with a reason, never $0")
    func unpriced() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let b = try engine.cost(Usage(inputTokens: 10, outputTokens: 10), model: "acme-free")
        #expect(!b.isPriced)
        #expect(b.unpricedReason != nil)
        var total = CostTotal()
        try total.add(b)
        try total.add(try engine.cost(Usage(inputTokens: 1_000_000), model: "acme-tiers"))
        #expect(total.unpricedRequests == 1)
        #expect(total.pricedRequests == 1)
        #expect(!total.isComplete)
        let unknown = try engine.cost(Usage(inputTokens: 1), model: "acme-nope", unknownModel: .unpriced)
        #expect(!unknown.isPriced)
        #expect(unknown.unpricedReason?.contains("not in catalog") == true)
    }

    @Test("inconsistent usage is rejected with the counts named")
    func invalidUsage() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let error = #expect(throws: PricingError.self) {
            try engine.cost(Usage(inputTokens: 10, outputTokens: 0, cacheReadTokens: 20), model: "acme-tiered")
        }
        #expect(error?.code == .invalidUsage)
        #expect(error?.message.contains("cache_read_tokens (20)") == true)
        #expect(throws: PricingError.self) { try Usage(inputTokens: -1).validate() }
        let negative = #expect(throws: PricingError.self) { try engine.cost(Usage(inputTokens: -5), model: "acme-tiered") }
        #expect(negative?.message == "usage count input_tokens is negative (-5); counts must be 0 or more")
        #expect(throws: PricingError.self) { try Usage(outputTokens: 1, reasoningTokens: 2).validate() }
    }

    @Test("unpriced usage kinds are reported")
    func unpricedKinds() throws {
        let catalog = try Self.catalog()
        var usage = Usage(inputTokens: 10, outputTokens: 10)
        usage[.webSearches] = 2
        let price = try #require(try catalog.resolve(model: "acme-cache").model.standardPrice(at: Date()))
        #expect(CostEngine.unpricedKinds(usage, price: price) == [.webSearches])
    }

    @Test("a breakdown carries the price that was used; ModelRef names a model")
    func priceUsed() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let usage = Usage(inputTokens: 1_000_000)
        let b = try engine.cost(usage, model: ModelRef(provider: "acme_ai", model: "acme-history"), at: Timestamp.parse("2026-07-01"))
        #expect(b.price?["input_mtok"] == PriceValue(base: Self.m("5")))
        let batch = try engine.cost(usage, model: "acme-tiers", tier: .batch)
        #expect(batch.price?["input_mtok"] == PriceValue(base: Self.m("1")))
        #expect(batch.price?["requests_kcount"] == PriceValue(base: Self.m("1")))
        let single = try engine.cost(usage, model: "acme-tiered")
        #expect(single.price?["input_mtok"]?.tiers.first?.start == 200_000)
        #expect(try engine.cost(usage, model: "acme-free").price == nil)
        let ref: ModelRef = "acme-tiers"
        #expect(try engine.catalog.resolve(ref).model.id == "acme-tiers")
    }
}
