import CostOptimizer
import CostPricing
import Foundation
import Testing

/// How long the six generators take on a large window. Long: run with `COSTCTL_RECOMMENDERS_SCALE=1`.
@Suite("Recommendation generators at scale")
struct RecommenderScaleTests {
    @Test(
        "30 days, 100,000 requests over 40 slices: every generator",
        .enabled(if: ProcessInfo.processInfo.environment["COSTCTL_RECOMMENDERS_SCALE"] != nil))
    func hundredThousand() throws {
        var random = SplitMix64(seed: 5)
        let models = [
            ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4-5"), ("deepseek", "deepseek-chat"),
            ("azure", "mistral-large"),
        ]
        let events = (0..<100_000).map { i in
            let (provider, model) = models[i % models.count]
            let team = "team-\(i % 8)"
            return RecUsage.event(
                "e\(i)", at: RecUsage.window.start.addingTimeInterval(Double(i) * 30 * 86_400 / 100_000), provider: provider, model: model,
                usage: Usage(inputTokens: Int.random(in: 1_000...40_000, using: &random), outputTokens: Int.random(in: 100...3_000, using: &random)),
                team: team, session: "s\(i / 20)", tags: i % 3 == 0 ? ["priority": "background"] : [:])
        }
        let catalog = try RecUsage.classed([("openai", "gpt-4o", "general", 0.88), ("openai", "gpt-4o-mini", "general", 0.82)])
        let input = try RecUsage.input(events, catalog: catalog)
        let generators: [any RecommendationGenerator] = [
            ModelDowngradeRecommender(), PromptCachingRecommender(), BatchingRecommender(), ProviderSwitchRecommender(),
            OffPeakRecommender(), BudgetReallocationRecommender(),
        ]
        let clock = ContinuousClock()
        var total = 0
        for generator in generators {
            var found: [Recommendation] = []
            let elapsed = try clock.measure { found = try generator.recommendations(from: input) }
            print("\(generator.name): \(found.count) recommendations from \(events.count) requests in \(elapsed)")
            RecUsage.expectWellFormed(found)
            total += found.count
        }
        #expect(total > 0)
    }
}
