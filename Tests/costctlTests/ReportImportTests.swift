import CostControl
import Foundation
import Testing

/// Every format but Claude Code, from Fixtures/Import (written by make_reports.py), through the
/// real SQLite ledger. Expected figures are computed by hand from the fixtures and the catalog's
/// published prices per million tokens (µ$ below means millionths of a dollar per token count).
@Suite("import codex, reports, litellm, csv, jsonl")
struct ReportImportTests {
    /// gpt-5-codex is priced as gpt-5: $1.25 input, $0.125 cached input, $10 output (reasoning included).
    /// 1: 4000 uncached + 8000 cached + 600 out = 5000 + 1000 + 6000 µ$ = 0.012
    /// 2: last_token_usage 18000 (12000 cached) + 900 out = 7500 + 1500 + 9000 = 0.018
    /// 3: totals only, minus the previous totals: 10000 (6000 cached) + 500 out = 5000 + 750 + 5000 = 0.01075
    @Test("codex: token_count deltas, repeats skipped, OpenAI cache semantics")
    func codex() async throws {
        let bench = try ImportBench()
        let summary = try await bench.run(.codex, [ImportBench.fixture("codex")])
        #expect(summary.added == 3)
        #expect(summary.skipped["repeated token_count (no new usage)"] == 1)
        #expect(summary.skipped["malformed line (not JSON)"] == 1)
        #expect(summary.skipped["token_count without usage (info is null)"] == 1)
        let totals = try await bench.totals()
        #expect(totals.usage.inputTokens == 40000)
        #expect(totals.usage.cacheReadTokens == 26000)
        #expect(totals.usage.outputTokens == 2000)
        #expect(totals.usage.reasoningTokens == 600)
        #expect(totals.cost == ImportBench.usd("0.04075"))
        let byProject = try await bench.rows(by: .project)
        #expect(byProject["shop"]?.events == 3)
        #expect(try await bench.run(.codex, [ImportBench.fixture("codex")]).added == 0)
        #expect(try await bench.totals() == totals)
    }

    /// gpt-4o: $2.50 in, $1.25 cached, $10 out; gpt-4o-mini batch: $0.075 in, $0.30 out.
    /// 60000×2.5 + 40000×1.25 + 5000×10 = 250000 µ$; 50000×0.075 + 10000×0.3 = 6750; 80000×2.5 + 4000×10 = 240000.
    @Test("openai-usage: buckets priced per kind, batch tier, results without a model skipped")
    func openAIUsage() async throws {
        let bench = try ImportBench()
        let summary = try await bench.run(.openAIUsage, [ImportBench.fixture("openai-usage")])
        #expect(summary.records == 4)
        #expect(summary.added == 3)
        #expect(summary.skippedTotal == 1)
        let totals = try await bench.totals()
        #expect(totals.usage.inputTokens == 230_000)
        #expect(totals.usage.cacheReadTokens == 40000)
        #expect(totals.usage.outputTokens == 19000)
        #expect(totals.usage.requests == 80)
        #expect(totals.cost == ImportBench.usd("0.49675"))
        let byModel = try await bench.rows(by: .model)
        #expect(byModel["gpt-4o-mini-2024-07-18"]?.cost == ImportBench.usd("0.00675"))
        #expect(try await bench.run(.openAIUsage, [ImportBench.fixture("openai-usage")]).alreadyStored == 3)
    }

    /// claude-sonnet-4-5: the 0-200k bucket sums 630,000 input tokens but is priced at base rates:
    /// 100000×3 + 500000×0.30 + 20000×3.75 + 10000×6 + 30000×15 = 1,035,000 µ$, plus 4 web searches
    /// at $10/K = $0.04 → $1.075. The 200k-1M bucket at long-context rates: 10000×6 + 400000×0.60 +
    /// 5000×22.50 = 412,500 µ$. Haiku 3.5: 200000×0.80 + 40000×4 = 320,000 µ$. Total $1.8075.
    @Test("anthropic-usage: uncached input normalised, 5m/1h writes, context window tiers, web searches")
    func anthropicUsage() async throws {
        let bench = try ImportBench()
        let summary = try await bench.run(.anthropicUsage, [ImportBench.fixture("anthropic-usage")])
        #expect(summary.added == 3)
        #expect(summary.skipped["empty result (no tokens)"] == 1)
        let totals = try await bench.totals()
        #expect(totals.usage.inputTokens == 630_000 + 410_000 + 200_000)
        #expect(totals.usage.cacheReadTokens == 900_000)
        #expect(totals.usage.cacheWrite5mTokens == 20000)
        #expect(totals.usage.cacheWrite1hTokens == 10000)
        #expect(totals.usage.outputTokens == 75000)
        #expect(totals.usage[.webSearches] == 4)
        #expect(totals.cost == ImportBench.usd("1.8075"))
        let byKey = try await bench.rows(by: .keyID)
        #expect(byKey["apikey_01A"]?.events == 3)
    }

    /// Spend as LiteLLM computed it: 0.0075 + 0.00092 + 0 (a failed call); the repeated row is one event.
    @Test("litellm: CSV spend logs with quoted JSON and newlines, spend kept, failures as errors")
    func liteLLM() async throws {
        let bench = try ImportBench()
        let summary = try await bench.run(.liteLLM, [ImportBench.fixture("litellm")])
        #expect(summary.records == 5)
        #expect(summary.added == 3)
        #expect(summary.alreadyStored == 1)
        #expect(summary.skippedTotal == 1)
        let totals = try await bench.totals()
        #expect(totals.usage.inputTokens == 3000)
        #expect(totals.usage.cacheReadTokens == 1500)
        #expect(totals.usage.outputTokens == 600)
        #expect(totals.errors == 1)
        #expect(totals.cost == ImportBench.usd("0.00842"))
        let event = try #require(try await bench.ledger.event(id: "litellm:chatcmpl-7Hx1"))
        #expect(event.dimensions.keyID == "search-prod")
        #expect(event.dimensions.team == "team-search")
        #expect(event.dimensions.tags["env"] == "prod")
        #expect(event.dimensions.tags["search"] == "true")
        // calculate: haiku 500×0.80 + 1500×0.08 + 100×4 = 920 µ$; gpt-4o 1000×2.5 + 500×10 = 7500 µ$.
        let calculated = try ImportBench()
        _ = try await calculated.run(.liteLLM, [ImportBench.fixture("litellm")]) { $0.costMode = .calculate }
        #expect(try await calculated.totals().cost == ImportBench.usd("0.00842"))
    }

    /// gpt-4o-mini: 6000×0.15 + 4000×0.075 + 2000×0.60 = 2400 µ$; the gpt-4o row reports $0.123.
    @Test("csv with --map: mapped columns, reported cost, tags; bad rows counted")
    func csv() async throws {
        let bench = try ImportBench()
        let mapping = try FieldMapping(parsing: [
            "timestamp=created_at,input=prompt_tokens,output=completion_tokens,cache_read=cached_tokens", "cost=cost_usd,tag.env=env",
        ])
        let summary = try await bench.run(.csv, [ImportBench.fixture("csv")]) { $0.mapping = mapping }
        #expect(summary.added == 2)
        #expect(summary.skipped["no model"] == 1)
        #expect(summary.skipped["malformed count 'input' (not a whole number)"] == 1)
        let totals = try await bench.totals()
        #expect(totals.cost == ImportBench.usd("0.1254"))
        #expect(totals.usage.cacheReadTokens == 4000)
        let byUser = try await bench.rows(by: .user)
        #expect(byUser["carol"]?.cost == ImportBench.usd("0.0024"))
        #expect(try await bench.run(.csv, [ImportBench.fixture("csv")]) { $0.mapping = mapping }.added == 0)
        #expect(throws: ControlError.self) { try FieldMapping(parsing: ["inptu=prompt_tokens"]) }
    }

    /// gpt-4o: 3000×2.5 + 300×10 = 10500 µ$; 1000×2.5 + 100×10 = 3500 µ$; the fine-tune is unpriced (not $0).
    @Test("jsonl with --map: dotted paths, Unix seconds and milliseconds, unknown models unpriced")
    func jsonl() async throws {
        let bench = try ImportBench()
        let mapping = try FieldMapping(parsing: ["id=request_id,timestamp=ts,input=usage.prompt_tokens,output=usage.completion_tokens"])
        let summary = try await bench.run(.jsonl, [ImportBench.fixture("jsonl")]) { $0.mapping = mapping }
        #expect(summary.added == 3)
        #expect(summary.skipped["no timestamp"] == 1)
        let totals = try await bench.totals()
        #expect(totals.cost == ImportBench.usd("0.014"))
        #expect(totals.unpriced == 1)
        let r2 = try #require(try await bench.ledger.event(id: "jsonl:r-002"))
        #expect(r2.timestamp == ImportBench.date("2026-11-10T02:00:00Z"))
        #expect(r2.dimensions.team == "search")
    }

    @Test("openai-costs and anthropic-costs are stored as billed amounts, idempotent, and read back by day and model")
    func billedCosts() async throws {
        let bench = try ImportBench()
        let openai = try await bench.run(.openAICosts, [ImportBench.fixture("openai-costs")])
        #expect(openai.billed?.added == 6)
        let anthropic = try await bench.run(.anthropicCosts, [ImportBench.fixture("anthropic-costs")])
        #expect(anthropic.billed?.added == 7)
        #expect(try await bench.totals().events == 0)

        let again = try await bench.run(.openAICosts, [ImportBench.fixture("openai-costs")])
        #expect(again.billed?.unchanged == 6)
        #expect(again.billed?.added == 0)

        func sum(_ costs: [BilledCost]) -> Money { costs.reduce(Money.zero) { $0 + $1.amount } }
        let all = try await bench.ledger.billedCosts(matching: BilledCostQuery())
        #expect(all.count == 13)
        // OpenAI: 0.2 + 0.05 + 0.00375 + 0.2 + 0.04 + 0.01.
        let openAIRows = try await bench.ledger.billedCosts(matching: BilledCostQuery(provider: "openai"))
        #expect(sum(openAIRows) == ImportBench.usd("0.50375"))
        // Anthropic, cents: 30 + 15 + 7.5 + 6 + 45 + 4 + 32 = 139.5.
        #expect(sum(try await bench.ledger.billedCosts(matching: BilledCostQuery(provider: "anthropic"))) == ImportBench.usd("1.395"))
        let day = try await bench.ledger.billedCosts(
            matching: BilledCostQuery(since: ImportBench.date("2026-11-10T00:00:00Z"), until: ImportBench.date("2026-11-11T00:00:00Z"), provider: "openai"))
        #expect(sum(day) == ImportBench.usd("0.25"))
        let model = try await bench.ledger.billedCosts(matching: BilledCostQuery(provider: "openai", model: "gpt-4o-2024-08-06"))
        #expect(sum(model) == ImportBench.usd("0.49"))
        #expect(model.allSatisfy { $0.lineItem?.hasPrefix("gpt-4o-2024-08-06, ") == true })
        let sonnet = try await bench.ledger.billedCosts(matching: BilledCostQuery(model: "claude-sonnet-4-5-20250929"))
        #expect(sum(sonnet) == ImportBench.usd("1.035"))
    }

    @Test("a newer copy of a cost report replaces the amount; memory and SQLite stores agree")
    func billedUpsert() async throws {
        let bench = try ImportBench()
        let memory = MemoryBilledCostStore()
        let day = ImportBench.date("2026-11-10T00:00:00Z")
        let first = BilledCost(provider: "openai", start: day, end: day.addingTimeInterval(86_400), lineItem: "gpt-4o, input",
                               amount: ImportBench.usd("1.5"), source: "openai-costs")
        var newer = first
        newer.amount = ImportBench.usd("2.25")
        for store in [bench.ledger as any BilledCostStore, memory] {
            #expect(try await store.recordBilledCosts([first]).added == 1)
            #expect(try await store.recordBilledCosts([first]).unchanged == 1)
            #expect(try await store.recordBilledCosts([newer]).updated == 1)
            let stored = try await store.billedCosts(matching: BilledCostQuery(provider: "openai"))
            #expect(stored == [newer])
            var bad = first
            bad.provider = ""
            await #expect(throws: PricingError.self) { _ = try await store.recordBilledCosts([bad]) }
        }
    }

    @Test("openai-usage: audio is added to text counts in the first shape, already inside them in the current one")
    func openAIUsageShapes() async throws {
        let bench = try ImportBench()
        let day = 1_794_268_800
        let old = #"{"object":"bucket","start_time":\#(day),"end_time":\#(day + 86400),"results":[{"model":"gpt-4o-audio-preview","input_tokens":1000,"input_cached_tokens":0,"input_audio_tokens":500,"output_tokens":100,"output_audio_tokens":50,"num_model_requests":2,"project_id":"old"}]}"#
        let new = #"{"object":"bucket","start_time":\#(day),"end_time":\#(day + 86400),"results":[{"model":"gpt-4o-audio-preview","input_tokens":1500,"input_text_tokens":1000,"input_cached_tokens":0,"input_audio_tokens":500,"output_tokens":150,"output_text_tokens":100,"output_audio_tokens":50,"num_model_requests":2,"project_id":"new"}]}"#
        let file = bench.directory.appendingPathComponent("shapes.jsonl")
        try (#"{"data":["# + old + "]}\n" + #"{"data":["# + new + "]}\n").write(to: file, atomically: true, encoding: .utf8)
        let summary = try await bench.run(.openAIUsage, [file.path])
        #expect(summary.added == 2)
        let byProject = try await bench.rows(by: .project)
        for project in ["old", "new"] {
            #expect(byProject[project]?.usage.inputTokens == 1500)
            #expect(byProject[project]?.usage.inputAudioTokens == 500)
            #expect(byProject[project]?.usage.outputTokens == 150)
            #expect(byProject[project]?.usage.outputAudioTokens == 50)
        }
        #expect(byProject["old"]?.cost == byProject["new"]?.cost)
    }

    static let everyFixture: [(ImportFormat, String, [String])] = [
        (.claudeCode, "claude-code", []), (.codex, "codex", []), (.openAIUsage, "openai-usage", []),
        (.anthropicUsage, "anthropic-usage", []), (.liteLLM, "litellm", []),
        (.csv, "csv", ["timestamp=created_at,input=prompt_tokens,output=completion_tokens,cache_read=cached_tokens,cost=cost_usd"]),
        (.jsonl, "jsonl", ["id=request_id,timestamp=ts,input=usage.prompt_tokens,output=usage.completion_tokens"]),
        (.openAICosts, "openai-costs", []), (.anthropicCosts, "anthropic-costs", []),
    ]

    @Test("importing any fixture a second time adds nothing and changes no total", arguments: 0..<9)
    func secondImportChangesNothing(index: Int) async throws {
        let (format, directory, map) = Self.everyFixture[index]
        let bench = try ImportBench()
        let mapping = try FieldMapping(parsing: map)
        let first = try await bench.run(format, [ImportBench.fixture(directory)]) { $0.mapping = mapping }
        let totals = try await bench.totals()
        let billed = try await bench.ledger.billedCosts(matching: BilledCostQuery())
        #expect(first.added + (first.billed?.added ?? 0) > 0)
        let second = try await bench.run(format, [ImportBench.fixture(directory)]) { $0.mapping = mapping }
        #expect(second.added == 0)
        #expect(second.billed?.added ?? 0 == 0)
        #expect(second.billed?.updated ?? 0 == 0)
        #expect(try await bench.totals() == totals)
        #expect(try await bench.ledger.billedCosts(matching: BilledCostQuery()) == billed)
    }
}
