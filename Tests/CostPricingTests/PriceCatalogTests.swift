import Foundation
import Testing

@testable import CostPricing

@Suite("Price catalog")
struct PriceCatalogTests {
    @Test(
        "ids people use resolve to the right model",
        arguments: [
            // (provider, id as written, provider id, model id)
            (nil as String?, "gpt-4o", "openai", "gpt-4o"),
            (nil, "GPT-4o-2024-08-06", "openai", "gpt-4o"),
            (nil, "openai/gpt-4o", "openai", "gpt-4o"),
            (nil, "claude-3-5-sonnet-20241022", "anthropic", "claude-3-5-sonnet"),
            (nil, "claude-3-5-sonnet-latest", "anthropic", "claude-3-5-sonnet"),
            (nil, "anthropic/claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-0"),
            (nil, "claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-0"),
            // a Bedrock id is priced as Bedrock bills it
            (nil, "anthropic.claude-3-5-sonnet-20241022-v2:0", "aws", ""),
            (nil, "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "aws", ""),
            (nil, "claude-3-5-sonnet-v2@20241022", "anthropic", "claude-3-5-sonnet"),
            ("aws" as String?, "anthropic.claude-3-5-sonnet-20241022-v2:0", "aws", ""),
            ("bedrock", "bedrock/eu-west-1/qwen.qwen3-coder-next", "aws", "eu-west-1/qwen.qwen3-coder-next"),
            ("vertex_ai", "gemini-2.5-pro", "google", "gemini-2.5-pro"),
            ("google", "gemini-2.5-pro", "google", "gemini-2.5-pro"),
            ("openrouter", "google/palm-2-chat-bison", "openrouter", ""),
        ])
    func aliases(provider: String?, id: String, wantProvider: String, wantModel: String) throws {
        let catalog = try PriceCatalog.bundled()
        let resolved = try catalog.resolve(model: id, provider: provider)
        #expect(resolved.model.provider == wantProvider || resolved.identity.provider == wantProvider, "\(resolved.model)")
        if !wantModel.isEmpty { #expect(resolved.model.id == wantModel, "\(resolved.model)") }
        #expect(resolved.model.isPriced)
    }

    @Test("an unknown model is an error that suggests the nearest ids")
    func unknown() throws {
        let catalog = try PriceCatalog.bundled()
        let error = #expect(throws: PricingError.self) { try catalog.resolve(model: "gpt-4x") }
        #expect(error?.code == .unknownModel)
        #expect(error?.message.hasPrefix("model 'gpt-4x' not in catalog; did you mean") == true)
        #expect(error?.suggestions.contains("gpt-4o") == true || error?.suggestions.contains("gpt-4") == true)
        let provider = #expect(throws: PricingError.self) { try catalog.resolve(model: "gpt-4o", provider: "opanai") }
        #expect(provider?.code == .unknownProvider)
        #expect(provider?.message.contains("'openai'") == true)
    }

    @Test("lookups are cached and return the same entry")
    func cached() throws {
        let catalog = try PriceCatalog.bundled()
        let a = try catalog.resolve(model: "gpt-4o-mini")
        let b = try catalog.resolve(model: "gpt-4o-mini")
        #expect(a.model === b.model)
    }

    @Test("the lookup cache stays exact across many distinct String values of the same ids")
    func cacheIdentity() throws {
        let catalog = try PriceCatalog.bundled()
        let ids = ["claude-3-5-sonnet-20241022", "gemini-2.5-pro-preview-05-06", "gpt-4o-2024-08-06"]
        let want = try ids.map { try catalog.resolve(model: $0).model.id }
        // fresh heap strings every time: fills the identity table past its bound and back
        for i in 0..<40_000 {
            let k = i % ids.count
            let fresh = String(ids[k].utf8.map { Character(Unicode.Scalar($0)) })
            let provider: String? = i % 5 == 0 ? "\(i % 2 == 0 ? "" : "")" + ["anthropic", "google", "openai"][k] : nil
            let got = try catalog.resolve(model: fresh, provider: provider)
            if got.model.id != want[k] {
                Issue.record("\(fresh) resolved to \(got.model.id), want \(want[k])")
                break
            }
        }
    }

    @Test("pricing from many threads at once gives the single-threaded answers")
    func concurrent() async throws {
        let catalog = try PriceCatalog(contentsOf: try #require(PriceCatalog.bundledCatalogURL))  // a fresh, empty cache
        let engine = CostEngine(catalog: catalog)
        let ids = ["gpt-4o", "claude-sonnet-4-20250514", "gemini-2.5-pro", "openai/gpt-4.1-mini", "deepseek-chat",
                   "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "mistral-large-latest", "gpt-4o-mini"]
        let usage = Usage(inputTokens: 300_000, outputTokens: 2_000, cacheReadTokens: 100_000)
        let at = try Timestamp.parse("2026-11-01T12:00:00Z")
        let want = try ids.map { try CostEngine(catalog: PriceCatalog.bundled()).cost(usage, model: $0, at: at).total }
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var bad = 0
                    for i in 0..<2_000 {
                        let k = (i + worker) % ids.count
                        // fresh strings half of the time: both cache levels are exercised
                        let id = i % 2 == 0 ? ids[k] : String(ids[k].utf8.map { Character(Unicode.Scalar($0)) })
                        if try engine.cost(usage, model: id, at: at).total != want[k] { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test("the lock-free first-level table stays exact while it grows under readers")
    func identityTableGrowsUnderReaders() async throws {
        let catalog = try PriceCatalog(contentsOf: try #require(PriceCatalog.bundledCatalogURL))  // a fresh, empty cache
        let engine = CostEngine(catalog: catalog)
        let reference = CostEngine(catalog: try PriceCatalog.bundled())
        // enough distinct ids to grow the table several times (it starts with 1,024 slots)
        let ids = catalog.providers.flatMap { provider in provider.models.prefix(150).map { (provider.id, $0.id) } }
        #expect(ids.count > 1_000)
        let usage = Usage(inputTokens: 250_000, outputTokens: 3_000, cacheReadTokens: 50_000)
        let at = try Timestamp.parse("2026-11-01T12:00:00Z")
        let want = ids.map { try? reference.cost(usage, model: $0.1, provider: $0.0, at: at).total }
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var bad = 0
                    // each worker walks the ids from its own starting point, so inserts and reads interleave
                    for step in 0..<(ids.count * 2) {
                        let k = (step * (worker + 1) + worker * 397) % ids.count
                        if (try? engine.cost(usage, model: ids[k].1, provider: ids[k].0, at: at).total) != want[k] { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    /// A copy of `id` in storage of its own, as a decoder makes for every record it reads.
    static func fresh(_ id: String) -> String { String(decoding: Array(id.utf8), as: UTF8.self) }

    /// Whether the catalog finds `id` on its lock-free first level (the identity of the string).
    static func hitsFirstLevel(_ catalog: PriceCatalog, _ id: String, at date: Date) -> Bool {
        // the prepared price is trivial (its context is interned): nothing to release
        catalog.cachedStandardPrice(model: id, provider: nil, at: date) != nil
    }

    @Test("ids decoded afresh for every request do not fill the first level or stay alive there")
    func freshIdsDoNotFillTheFirstLevel() throws {
        guard MemoryLayout<String>.size == 16 else { return }
        let catalog = try PriceCatalog(contentsOf: try #require(PriceCatalog.bundledCatalogURL))
        let at = try Timestamp.parse("2026-11-01T12:00:00Z")
        // a log importer: 20,000 records, each with its own copy of one id (longer than 15 bytes,
        // so not inline), more than the first level's 16,384 entries
        for _ in 0..<20_000 { _ = try catalog.resolve(model: Self.fresh("claude-sonnet-4-20250514")) }
        // an id a service keeps from now on still gets the first level
        let kept = Self.fresh("gpt-4o-mini-2024-07-18")
        _ = try catalog.resolve(model: kept)
        #expect(Self.hitsFirstLevel(catalog, kept, at: at))
        // of ten live copies of one id, only the first few are recorded
        let copies = (0..<10).map { _ in Self.fresh("gemini-2.5-flash-preview-05-20") }
        for copy in copies { _ = try catalog.resolve(model: copy) }
        let recorded = copies.filter { Self.hitsFirstLevel(catalog, $0, at: at) }.count
        #expect(recorded == LockedLookupCache.identityCopiesPerId)
        // a very long id resolves (by content) but is never recorded: each copy would stay alive
        let long = "claude-3-5-sonnet-" + String(repeating: "x", count: LockedLookupCache.identityMaxBytes)
        #expect(try catalog.resolve(model: long).model.id == "claude-3-5-sonnet")
        _ = try catalog.resolve(model: long)
        #expect(!Self.hitsFirstLevel(catalog, long, at: at))
        // and every answer is still right
        let engine = CostEngine(catalog: catalog)
        let usage = Usage(inputTokens: 10_000, outputTokens: 1_000)
        let want = try CostEngine(catalog: try PriceCatalog.bundled()).cost(usage, model: "claude-sonnet-4-20250514", at: at).total
        #expect(try engine.cost(usage, model: Self.fresh("claude-sonnet-4-20250514"), at: at).total == want)
    }

    @Test("every model a provider lists resolves by its own id with that provider")
    func everyListedIdResolves() throws {
        let catalog = try PriceCatalog.bundled()
        var failures: [String] = []
        for provider in catalog.providers {
            for model in provider.models where (try? catalog.resolve(model: model.id, provider: provider.id)) == nil {
                failures.append("\(provider.id)/\(model.id)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        // one whose match rules do not accept its own id (genai-prices finds no model there)
        let listed = try catalog.resolve(model: "regional.openai.gpt-5.6-luna", provider: "aws")
        #expect(listed.model.id == "regional.openai.gpt-5.6-luna")
    }

    @Test("a model whose prices change on a date is priced at the price in force, on every path")
    func pricesByStartDate() throws {
        let catalog = try PriceCatalog(contentsOf: try #require(PriceCatalog.bundledCatalogURL))
        let engine = CostEngine(catalog: catalog)
        let usage = Usage(inputTokens: 300_000, outputTokens: 20_000, cacheReadTokens: 100_000, cacheWriteTokens: 10_000)
        var checked = 0
        for provider in catalog.providers {
            for model in provider.models where model.prices.count > 1 {
                let resolved = try catalog.resolve(model: model.id, provider: provider.id)
                guard resolved.model === model, let days = resolved.startDays else { continue }
                for day in days where day != .min {
                    for seconds in [-1, 0, 86_399, 86_400] {
                        let at = Date(timeIntervalSince1970: TimeInterval(day * 86_400 + seconds))
                        let price = try #require(model.standardPrice(at: at))
                        let want = try CostEngine.compute(usage, price: price, model: resolved.identity).total
                        // twice by string (the second from the lock-free table), and pre-resolved
                        #expect(try engine.cost(usage, model: model.id, provider: provider.id, at: at).total == want)
                        #expect(try engine.cost(usage, model: model.id, provider: provider.id, at: at).total == want)
                        #expect(try engine.cost(usage, model: resolved, at: at).total == want)
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 20)
    }

    @Test("user overrides win over bundled prices; private and local models can be added")
    func overrides() throws {
        let bundled = try PriceCatalog.bundled()
        let override = """
            {"format": "costctl-catalog", "providers": [
              {"id": "openai", "models": [{"id": "gpt-4o", "match": {"starts_with": "gpt-4o"}, "prices": {"input_mtok": "1", "output_mtok": "4"}}]},
              {"id": "ollama", "name": "Local Ollama", "models": [{"id": "llama3.1:8b", "prices": {"input_mtok": "0", "output_mtok": "0"}}]}
            ]}
            """
        let catalog = try bundled.overlaying(CatalogFile.decode(Data(override.utf8), origin: "negotiated.json"), origin: "negotiated.json")
        let engine = CostEngine(catalog: catalog)
        let usage = Usage(inputTokens: 1_000_000, outputTokens: 1_000_000)
        let gpt = try engine.cost(usage, model: "gpt-4o-2024-08-06")
        #expect(gpt.total == Money("5"))
        #expect(gpt.model.source == "override:negotiated.json")
        // a model the override does not name keeps its bundled price
        #expect(try engine.cost(usage, model: "gpt-4.1").model.source == "genai-prices")
        let local = try engine.cost(usage, model: "llama3.1:8b", provider: "ollama")
        #expect(local.isPriced && local.total == .zero)
        // the bundled catalog is untouched
        #expect(try CostEngine(catalog: bundled).cost(usage, model: "gpt-4o").total != Money("5"))
    }

    @Test("malformed price files are rejected with the place of the problem")
    func malformed() throws {
        let bad = #"{"providers": [{"id": "x", "models": [{"id": "m", "prices": {"input_mtok": "abc"}}]}]}"#
        let error = #expect(throws: PricingError.self) { try CatalogFile.decode(Data(bad.utf8), origin: "bad.json") }
        #expect(error?.message.contains("bad.json") == true)
        let unknownKey = #"{"providers": [{"id": "x", "models": [{"id": "m", "prices": {"input_mtokens": "1"}}]}]}"#
        let file = try CatalogFile.decode(Data(unknownKey.utf8), origin: "k.json")
        let keyError = #expect(throws: PricingError.self) { try PriceCatalog(file: file) }
        #expect(keyError?.message.contains("provider 'x', model 'm'") == true)
        #expect(keyError?.message.contains("input_mtok") == true)
    }

    @Test("the Swift LiteLLM importer agrees with the bundled catalog's LiteLLM entries")
    func litellmImport() throws {
        let url = try #require(Bundle.module.url(forResource: "Vectors/litellm_sample", withExtension: "json"))
        let bundled = try PriceCatalog.bundled()
        let (file, report) = try LiteLLMImporter.convert(Data(contentsOf: url), origin: "litellm_sample.json", catalog: bundled)
        #expect(report.models == 30)  // sample_spec skipped
        #expect(report.unpriced >= 1)
        let imported = try PriceCatalog(file: file)
        var compared = 0
        for provider in imported.providers {
            for model in provider.exactModels {
                let key = try #require(model.litellmKey)
                guard let mine = bundled.providers.first(where: { $0.id == provider.id })?.exactModels.first(where: { $0.litellmKey == key })
                else { continue }  // the proxy-only entry
                #expect(model.prices.map(\.price) == mine.prices.map(\.price), "\(key)")
                #expect(model.prices.map(\.constraint) == mine.prices.map(\.constraint), "\(key)")
                #expect(Set(model.variants.map(\.when)) == Set(mine.variants.map(\.when)), "\(key)")
                for v in model.variants {
                    #expect(mine.variants.first { $0.when == v.when }?.prices == v.prices, "\(key) \(v.when)")
                }
                compared += 1
            }
        }
        #expect(compared == 29)
        // numbers written as strings are accepted
        let proxy = try imported.resolve(model: "my-proxy/llama-local", provider: "openai")
        #expect(proxy.model.standardPrice(at: Date())?["input_mtok"] == PriceValue(base: Money("0.15")!))
    }

    @Test("the bundled catalog covers genai-prices and LiteLLM and names its sources")
    func bundledShape() throws {
        let catalog = try PriceCatalog.bundled()
        #expect(catalog.sources.map(\.name) == ["genai-prices", "litellm"])
        let primary = catalog.providers.reduce(0) { $0 + $1.models.count }
        #expect(primary >= 2_300)
        #expect(catalog.modelCount >= 6_000)
        #expect(try catalog.models(provider: "anthropic", search: "sonnet").count > 3)
    }
}
