import Foundation
import Testing

@testable import CostPricing

/// The breakdown's context without a reference count (interned contexts of catalog prices) and the
/// engine's loop without overflow checks (plans with bounded rates).
@Suite("Breakdown contexts and the engine's fast loop")
struct BreakdownContextTests {
    static func m(_ s: String) -> Money { Money(s)! }

    /// A catalog of its own (ids no other test uses), so the contexts it interns are its own.
    static func catalog(output: String = "15") throws -> PriceCatalog {
        let json = """
            {"format": "costctl-catalog", "version": 1, "providers": [
              {"id": "ctxtest", "model_match": {"starts_with": "ctxtest-"}, "models": [
                {"id": "ctxtest-one", "prices": {"input_mtok": "3", "cache_read_mtok": "0.3", "output_mtok": "\(output)"}},
                {"id": "ctxtest-dated", "prices": [
                   {"prices": {"input_mtok": "10", "output_mtok": "30"}},
                   {"constraint": {"start_date": "2026-06-01"}, "prices": {"input_mtok": "5", "output_mtok": "15"}}]},
                {"id": "ctxtest-images", "prices": {"output_mtok": "15", "input_images_unit": "20"}},
                {"id": "ctxtest-free", "prices": []}
              ]}
            ]}
            """
        return try PriceCatalog(file: CatalogFile.decode(Data(json.utf8), origin: "ctxtest"))
    }

    @Test("a catalog built again with the same prices reuses its interned contexts; a changed price gets its own")
    func internedByContent() throws {
        let usage = Usage(inputTokens: 1_000, outputTokens: 100)
        let first = try Self.catalog()
        let a = try CostEngine(catalog: first).cost(usage, model: "ctxtest-one")
        for _ in 0..<3 {
            let again = try Self.catalog()
            let b = try CostEngine(catalog: again).cost(usage, model: "ctxtest-one")
            #expect(b.owner == nil)
            #expect(b.context.toOpaque() == a.context.toOpaque())
            #expect(b == a)
            let dated = try again.resolve(model: "ctxtest-dated")
            let reference = try first.resolve(model: "ctxtest-dated")
            #expect(dated.standard.map { $0.context.toOpaque() } == reference.standard.map { $0.context.toOpaque() })
        }
        let changed = try CostEngine(catalog: try Self.catalog(output: "16")).cost(usage, model: "ctxtest-one")
        #expect(changed.context.toOpaque() != a.context.toOpaque())
        #expect(changed.price?["output_mtok"] == PriceValue(base: Self.m("16")))
        #expect(a.price?["output_mtok"] == PriceValue(base: Self.m("15")))
    }

    @Test("a breakdown outlives its catalog, which is freed")
    func outlivesCatalog() throws {
        weak var weakCatalog: PriceCatalog?
        var breakdowns: [CostBreakdown] = []
        do {
            let catalog = try Self.catalog(output: "17")
            weakCatalog = catalog
            let engine = CostEngine(catalog: catalog)
            let usage = Usage(inputTokens: 2_000_000, outputTokens: 1_000_000)
            breakdowns.append(try engine.cost(usage, model: "ctxtest-one"))
            breakdowns.append(try engine.cost(usage, model: "ctxtest-one", tier: .batch))
            breakdowns.append(try engine.cost(usage, model: "ctxtest-dated", at: Timestamp.parse("2026-07-01")))
            breakdowns.append(try engine.cost(usage, model: "ctxtest-free"))
            breakdowns.append(try engine.cost(usage, model: "ctxtest-nope", unknownModel: .unpriced))
            let resolved = try catalog.resolve(model: "ctxtest-dated")
            breakdowns.append(try engine.cost(usage, model: resolved, at: Timestamp.parse("2026-01-01")))
        }
        #expect(weakCatalog == nil)
        #expect(breakdowns[0].model.model == "ctxtest-one")
        #expect(breakdowns[0].price?["output_mtok"] == PriceValue(base: Self.m("17")))
        #expect(breakdowns[0].total == Self.m("23"))  // 2 × $3 + 1 × $17
        #expect(breakdowns[1].serviceTier == .batch && breakdowns[1].total == Self.m("23"))  // no batch variant: standard rates
        #expect(breakdowns[2].price?["input_mtok"] == PriceValue(base: Self.m("5")))
        #expect(breakdowns[2].total == Self.m("25"))
        #expect(!breakdowns[3].isPriced && breakdowns[3].unpricedReason != nil && breakdowns[3].total == .zero)
        #expect(breakdowns[3].owner != nil)
        #expect(!breakdowns[4].isPriced && breakdowns[4].model.source == "unknown")
        #expect(breakdowns[4].unpricedReason?.contains("not in catalog") == true)
        #expect(breakdowns[5].price?["input_mtok"] == PriceValue(base: Self.m("10")))
        #expect(breakdowns[5].total == Self.m("50"))
    }

    @Test("editing a breakdown's model, price or reason gives it a context of its own; copies are unaffected")
    func editedBreakdowns() throws {
        let engine = CostEngine(catalog: try Self.catalog())
        let original = try engine.cost(Usage(inputTokens: 1_000_000), model: "ctxtest-one")
        var edited = original
        edited.model = ModelIdentity(provider: "elsewhere", model: "other", source: "test")
        #expect(edited.owner != nil)
        #expect(edited.model.provider == "elsewhere")
        #expect(original.model.provider == "ctxtest")
        #expect(edited != original)
        #expect(edited.price == original.price)
        var reason = original
        reason.unpricedReason = "withdrawn"
        #expect(reason.unpricedReason == "withdrawn" && original.unpricedReason == nil)
        var unpriced = original
        unpriced.price = nil
        #expect(unpriced.price == nil && original.price != nil)
        var restored = edited
        restored.model = original.model
        #expect(restored == original)
        #expect(restored.hashValue == original.hashValue)
    }

    @Test("plans with bounded rates take the fast loop; very large or per-several-units rates the checked one")
    func fastSafePlans() throws {
        let catalog = try Self.catalog()
        let one = try #require(try catalog.resolve(model: "ctxtest-one").model.prices.first?.price)
        #expect(one.plan.isFastSafe)
        // $20 per image is 2 × 10^19 units of 10^-18 USD, above 2^63
        let images = try #require(try catalog.resolve(model: "ctxtest-images").model.prices.first?.price)
        #expect(!images.plan.isFastSafe)
        let engine = CostEngine(catalog: catalog)
        var usage = Usage(outputTokens: 1_000)
        usage[.inputImages] = 3
        let b = try engine.cost(usage, model: "ctxtest-images")
        #expect(b.units == Self.m("60") && b.output == Self.m("0.015"))
        #expect(b.inputTotal == Self.m("60") && b.total == Self.m("60.015"))
        usage[.inputImages] = Int.max  // × 2 × 10^19 is above Int128.max
        let overflow = #expect(throws: PricingError.self) { try engine.cost(usage, model: "ctxtest-images") }
        #expect(overflow?.code == .overflow)
        // a rate per several units that does not divide exactly is not exact
        let odd = try ModelPrice(["input_mtok": PriceValue(base: Money(units: 7))])
        #expect(!odd.plan.isFastSafe)
        let anyModel = ModelIdentity(provider: "test", model: "test", source: "test")
        #expect(try CostEngine.compute(Usage(inputTokens: 1_000_000), price: odd, model: anyModel).input == Money(units: 7))
        // the bound depends on the number of steps: 2^62 is safe for one step, not for two
        let single = try ModelPrice(["output_mtok": PriceValue(base: Money(units: Int128(1) << 62 * 1_000_000))])
        #expect(single.plan.isFastSafe)
        let pair = try ModelPrice([
            "input_mtok": PriceValue(base: Money(units: Int128(1) << 62 * 1_000_000)), "output_mtok": PriceValue(base: .zero),
        ])
        #expect(!pair.plan.isFastSafe)
    }

    @Test("the fast loop and the checked loop agree on random usage, extreme counts included")
    func fastEqualsChecked() throws {
        let catalog = try PriceCatalog.bundled()
        var rng = SplitMix64(seed: 20261123)
        let ids: [(String, String?)] = [
            ("claude-sonnet-4-20250514", nil), ("gpt-4o", nil), ("gemini-2.5-pro", nil), ("o3", nil),
            ("gpt-realtime-translate", "openai"), ("claude-opus-4-1", nil),
        ]
        var compared = 0
        for (id, provider) in ids {
            let resolved = try catalog.resolve(model: id, provider: provider)
            for conditional in resolved.model.prices where conditional.price.plan.isFastSafe {
                let price = conditional.price
                for round in 0..<200 {
                    // counts up to 2^20, or (one round in ten) up to 2^62: the bound of the fast loop
                    let limit = round % 10 == 0 ? Int(1) << 62 : 1 << 20
                    let input = Int.random(in: 0...limit, using: &rng)
                    let cacheRead = Int.random(in: 0...(input / 3), using: &rng)
                    let cacheWrite = Int.random(in: 0...(input / 3), using: &rng)
                    let write1h = Int.random(in: 0...cacheWrite, using: &rng)
                    let output = Int.random(in: 0...limit, using: &rng)
                    let reasoning = Int.random(in: 0...output, using: &rng)
                    let audioIn = Int.random(in: 0...(input / 3), using: &rng)
                    let usage = Usage(
                        inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite,
                        cacheWrite1hTokens: write1h, reasoningTokens: reasoning, inputAudioTokens: audioIn,
                        requests: Int.random(in: 0...3, using: &rng))
                    let fast = try CostEngine.compute(usage, price: price, model: resolved.identity)
                    var sums: InlineArray<10, Int128> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
                    let context = CostBreakdown.Context(model: resolved.identity, price: price, unpricedReason: nil)
                    try withExtendedLifetime(context) {
                        try CostEngine.sumChecked(
                            usage, plan: price.plan.view, context: Unmanaged.passUnretained(context), into: &sums)
                    }
                    let checked = (0..<9).map { sums[$0] } + [sums[7] + sums[8] + sums[9]]
                    let got = [fast.input, fast.cacheRead, fast.cacheWrite, fast.output, fast.reasoning, fast.units, fast.fees,
                               fast.inputTotal, fast.outputTotal, fast.total].map(\.units)
                    #expect(got == checked, "\(id) \(usage)")
                    compared += 1
                }
            }
        }
        #expect(compared >= 1_000)
    }
}
