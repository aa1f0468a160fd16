import CostOptimizer
import CostPricing
import Foundation
import Testing

@Suite("Model downgrade, prompt caching and batching generators")
struct ModelAndCachingRecommenderTests {
    /// 20,000 input and 2,000 output tokens: $0.07 on gpt-4o ($2.50/$10 per MTok), $0.0042 on gpt-4o-mini
    /// ($0.15/$0.60), $0.035 in OpenAI's batch tier for gpt-4o ($1.25/$5).
    static let request = Usage(inputTokens: 20_000, outputTokens: 2_000)

    static func classedCatalog(quality: Bool = true) throws -> PriceCatalog {
        try RecUsage.classed([
            ("openai", "gpt-4o", "general", quality ? 0.88 : nil),
            ("openai", "gpt-4o-mini", "general", quality ? 0.82 : nil),
            ("openai", "gpt-4.1-mini", "general", quality ? 0.85 : nil),
        ])
    }

    // MARK: - Model downgrade

    @Test func downgradeFindsTheCheapestModelOfTheClassWithTheExactSaving() throws {
        // support/classify: 20 gpt-4o requests a day for 30 days = 600 × $0.07 = $42.00; on gpt-4o-mini 600 × $0.0042 = $2.52
        let events = RecUsage.daily("s", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "support", operation: "classify")
        let found = try ModelDowngradeRecommender().recommendations(from: RecUsage.input(events, catalog: Self.classedCatalog()))
        let r = try #require(found.first)
        #expect(found.count == 1)
        #expect(r.kind == .modelDowngrade)
        #expect(r.scope == "team=support")
        #expect(r.monthlySaving == (try RecUsage.money("39.48")))
        #expect(r.baselineMonthlySpend == (try RecUsage.money("42")))
        #expect(r.actions == [.routeModel(from: "openai/gpt-4o", to: "openai/gpt-4o-mini", scope: "team=support operation=classify")])
        #expect(r.evidence == "costctl usage --by model --where team=support --where operation=classify --since 30d")
        #expect(r.rationale.contains("$42.00") && r.rationale.contains("$2.52") && r.rationale.contains("$39.48"))
        #expect(r.rationale.contains("0.82") && r.rationale.contains("0.88"))
        // quality 0.82 / 0.88; 600 requests (volume 1); usage in every week (regularity 1); 30 of 30 days
        #expect(abs((r.confidence.components["quality"] ?? 0) - 0.82 / 0.88) < 1e-12)
        #expect(r.confidence.components["coverage"] == 1)
        #expect(abs(r.confidence.value - (0.5 * 0.82 / 0.88 + 0.25 + 0.25)) < 1e-12)
        #expect(r.risk == .medium)
        #expect(r.difficulty == .easy)
        RecUsage.expectWellFormed(found)
    }

    @Test func downgradeWithoutQualityDataSaysSoAndLowersConfidence() throws {
        let events = RecUsage.daily("s", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "support")
        let found = try ModelDowngradeRecommender().recommendations(from: RecUsage.input(events, catalog: Self.classedCatalog(quality: false)))
        let r = try #require(found.first)
        #expect(r.monthlySaving == (try RecUsage.money("39.48")))
        #expect(r.confidence.components["quality"] == 0.5)
        #expect(r.confidence.notes.contains { $0.contains("no quality data") })
        #expect(r.risk == .high)
        #expect(abs(r.confidence.value - 0.75) < 1e-12)
    }

    @Test func downgradeStaysSilentOnTheCheapestModelOnImmaterialSpendAndWithoutClasses() throws {
        // already on the cheapest model of the class
        let cheapest = RecUsage.daily("c", perDay: 200, provider: "openai", model: "gpt-4o-mini", usage: Self.request, team: "ops")
        #expect(try ModelDowngradeRecommender().recommendations(from: RecUsage.input(cheapest, catalog: Self.classedCatalog())).isEmpty)
        // $2.10 a month on gpt-4o (one request a day): under the $10 material-spend threshold
        let small = RecUsage.daily("m", perDay: 1, provider: "openai", model: "gpt-4o", usage: Self.request, team: "tiny")
        #expect(try ModelDowngradeRecommender().recommendations(from: RecUsage.input(small, catalog: Self.classedCatalog())).isEmpty)
        // the bundled catalog gives deepseek-chat no capability class: no equivalent is known, none is guessed
        let big = RecUsage.daily("b", perDay: 200, provider: "deepseek", model: "deepseek-chat", usage: Self.request, team: "support")
        #expect(try ModelDowngradeRecommender().recommendations(from: RecUsage.input(big)).isEmpty)
    }

    @Test func theBundledCatalogsClassesFindANewerCheaperModelOfTheSameFamily() throws {
        // claude-opus-4-1 ($15/$75 per MTok) is in class claude-opus (Fixtures/Pricing/capabilities.json);
        // every model the generator proposes is an Anthropic model of that class and cheaper
        let events = RecUsage.daily("o", perDay: 20, provider: "anthropic", model: "claude-opus-4-1", usage: Self.request, team: "support")
        let found = try ModelDowngradeRecommender().recommendations(from: RecUsage.input(events))
        let r = try #require(found.first)
        guard case .routeModel(let from, let to, _)? = r.actions.first else {
            Issue.record("expected a route action, got \(r.actions)")
            return
        }
        #expect(from == "anthropic/claude-opus-4-1")
        let target = try PriceCatalog.bundled().resolve(model: String(to.dropFirst("anthropic/".count)), provider: "anthropic").model
        #expect(to.hasPrefix("anthropic/claude-opus-"))
        #expect(target.capabilityClass == "claude-opus")
        #expect(r.rationale.contains("'claude-opus'"))
        // no quality score for the Claude family in the bundled data: said, and confidence lowered
        #expect(r.confidence.components["quality"] == 0.5)
        #expect(r.monthlySaving > .zero && r.monthlySaving < (r.baselineMonthlySpend ?? .zero))
        RecUsage.expectWellFormed(found)
    }

    @Test func theBundledEmbeddingClassCarriesOpenAIsPublishedQualityScores() throws {
        // ada-002 ($0.10/MTok, MTEB 61.0) → text-embedding-3-small ($0.02/MTok, MTEB 62.3): better and cheaper
        let embed = Usage(inputTokens: 50_000)
        let events = RecUsage.daily("e", perDay: 200, provider: "openai", model: "text-embedding-ada-002", usage: embed, team: "search")
        let found = try ModelDowngradeRecommender().recommendations(from: RecUsage.input(events))
        let r = try #require(found.first)
        #expect(r.actions.first == .routeModel(from: "openai/text-embedding-ada-002", to: "openai/text-embedding-3-small", scope: "team=search"))
        #expect(r.confidence.components["quality"] == 1)
        #expect(r.risk == .low)
    }

    @Test func downgradeScalesAShortWindowToAMonthAndHonoursTheScope() throws {
        // 15 days of the same traffic: $21.00 observed, $19.74 saved in the window, $39.48 a month
        let window = DateInterval(start: RecUsage.end.addingTimeInterval(-15 * 86_400), end: RecUsage.end)
        let events = RecUsage.daily("s", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "support")
            + RecUsage.daily("o", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "other")
        let found = try ModelDowngradeRecommender().recommendations(
            from: RecUsage.input(events, catalog: Self.classedCatalog(), scope: "team=support", window: window))
        #expect(found.count == 1)
        #expect(found.first?.scope == "team=support")
        #expect(found.first?.monthlySaving == (try RecUsage.money("39.48")))
        #expect(throws: OptimizerError.self) {
            try ModelDowngradeRecommender().recommendations(from: RecUsage.input(events, scope: "nonsense"))
        }
    }

    // MARK: - Prompt caching

    /// docs/qa on Claude Sonnet 4.5 ($3 input, $3.75 cache write, $0.30 cache read, $15 output per MTok):
    /// 4 sessions a day of 5 requests a minute apart, 20,000 uncached input and 500 output tokens each.
    static func sessions(cacheRead: Int = 0, input: Int = 20_000) -> [UsageEvent] {
        (0..<RecUsage.days).flatMap { day in
            (0..<4).flatMap { s in
                (0..<5).map { i in
                    RecUsage.event(
                        "q-\(day)-\(s)-\(i)", at: RecUsage.at(day: day, hour: 8 + 2 * s, minute: i), provider: "anthropic",
                        model: "claude-sonnet-4-5", usage: Usage(inputTokens: input, outputTokens: 500, cacheReadTokens: cacheRead),
                        team: "docs", operation: "qa", session: "s-\(day)-\(s)")
                }
            }
        }
    }

    @Test func cachingPricesTheAssumedPrefixAtObservedVolumes() throws {
        // per session: observed 5 × $0.0675 = $0.3375; cached: one write (10,000 × $3.75 + 10,000 × $3 + 500 × $15 = $0.075)
        // and four reads (10,000 × $0.30 + 10,000 × $3 + 500 × $15 = $0.0405) = $0.237; 120 sessions save $12.06
        let found = try PromptCachingRecommender().recommendations(from: RecUsage.input(Self.sessions()))
        let r = try #require(found.first)
        #expect(found.count == 1)
        #expect(r.kind == .promptCaching)
        #expect(r.monthlySaving == (try RecUsage.money("12.06")))
        #expect(r.baselineMonthlySpend == (try RecUsage.money("40.5")))
        #expect(r.confidence.components["assumption"] == 0.5)
        #expect(r.confidence.components["reuse"] == 0.8)
        #expect(r.confidence.notes.contains { $0.contains("50.0%") })
        #expect(r.actions.first == .enableCaching(model: "anthropic/claude-sonnet-4-5", scope: "team=docs operation=qa"))
        RecUsage.expectWellFormed(found)
    }

    @Test func cachingStaysSilentOnCachedTrafficSmallPromptsAndLoneRequests() throws {
        // already 75% read from the cache
        #expect(try PromptCachingRecommender().recommendations(from: RecUsage.input(Self.sessions(cacheRead: 15_000))).isEmpty)
        // prompts under 1,024 tokens
        #expect(try PromptCachingRecommender().recommendations(from: RecUsage.input(Self.sessions(input: 800))).isEmpty)
        // one request an hour: every prefix would be written and never read
        let lone = RecUsage.daily("l", perDay: 1, provider: "anthropic", model: "claude-sonnet-4-5",
                                  usage: Usage(inputTokens: 50_000, outputTokens: 500), team: "docs")
        #expect(try PromptCachingRecommender().recommendations(from: RecUsage.input(lone)).isEmpty)
    }

    // MARK: - Batching

    @Test func batchingPricesBackgroundTrafficInTheBatchTier() throws {
        // 600 background gpt-4o requests: $42.00 standard, $21.00 batch; 300 untagged requests are not counted
        let background = RecUsage.daily("b", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "data",
                                        operation: "enrich", tags: ["priority": "background"])
        let interactive = RecUsage.daily("i", perDay: 10, hour: 14, provider: "openai", model: "gpt-4o", usage: Self.request,
                                         team: "data", operation: "enrich")
        let found = try BatchingRecommender().recommendations(from: RecUsage.input(background + interactive))
        let r = try #require(found.first)
        #expect(found.count == 1)
        #expect(r.kind == .batching)
        #expect(r.monthlySaving == (try RecUsage.money("21")))
        #expect(r.rationale.contains("66.7%") && r.rationale.contains("50.0% less"))
        #expect(r.confidence.components["signal"] == 1)
        #expect(r.actions == [.useBatch(provider: "openai", scope: "team=data operation=enrich")])
        #expect(r.confidence.notes.contains { $0.contains("priority=") })
        RecUsage.expectWellFormed(found)
    }

    @Test func batchingStaysSilentWithoutMarksAlreadyBatchedOrWithoutABatchPrice() throws {
        let untagged = RecUsage.daily("u", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "data")
        #expect(try BatchingRecommender().recommendations(from: RecUsage.input(untagged)).isEmpty)
        let batched = RecUsage.daily("d", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "data",
                                     tags: ["priority": "background"], cost: EventCost(total: try RecUsage.money("0.035"), serviceTier: .batch))
        #expect(try BatchingRecommender().recommendations(from: RecUsage.input(batched)).isEmpty)
        // DeepSeek publishes no batch price in the catalog
        let deepseek = RecUsage.daily("k", perDay: 200, provider: "deepseek", model: "deepseek-chat", usage: Self.request,
                                      team: "data", tags: ["priority": "background"])
        #expect(try BatchingRecommender().recommendations(from: RecUsage.input(deepseek)).isEmpty)
    }
}
