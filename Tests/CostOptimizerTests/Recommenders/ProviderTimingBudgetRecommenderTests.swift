import CostBudget
import CostOptimizer
import CostPricing
import Foundation
import Testing

@Suite("Provider switch, off-peak and budget reallocation generators")
struct ProviderTimingBudgetRecommenderTests {
    static let request = Usage(inputTokens: 20_000, outputTokens: 2_000)

    // MARK: - Provider switch

    @Test func providerSwitchFindsTheSameModelCheaperElsewhere() throws {
        // mistral-large on Azure ($4/$12 per MTok): 300 × $0.104 = $31.20; Mistral's own price ($2/$6): 300 × $0.052 = $15.60
        let events = RecUsage.daily("a", perDay: 10, provider: "azure", model: "mistral-large", usage: Self.request, team: "legal")
        let found = try ProviderSwitchRecommender().recommendations(from: RecUsage.input(events))
        let r = try #require(found.first)
        #expect(found.count == 1)
        #expect(r.kind == .providerSwitch)
        #expect(r.monthlySaving == (try RecUsage.money("15.6")))
        #expect(r.actions == [.routeModel(from: "azure/mistral-large", to: "mistral/mistral-large", scope: "team=legal")])
        #expect(r.risk == .medium)
        #expect(r.confidence.components["equivalence"] == 0.9)
        #expect(r.evidence == "costctl usage --by provider,model --where team=legal --since 30d")
        RecUsage.expectWellFormed(found)
    }

    @Test func providerSwitchFallsBackToAnEquivalentClassWithHighRisk() throws {
        // gpt-4o (openai) and mistral-large (mistral, $2/$6) in one class: 300 × ($0.07 − $0.052) = $5.40
        let catalog = try RecUsage.classed([("openai", "gpt-4o", "large", nil), ("mistral", "mistral-large", "large", nil)])
        let events = RecUsage.daily("o", perDay: 10, provider: "openai", model: "gpt-4o", usage: Self.request, team: "web")
        let found = try ProviderSwitchRecommender().recommendations(from: RecUsage.input(events, catalog: catalog))
        let r = try #require(found.first)
        #expect(r.monthlySaving == (try RecUsage.money("5.4")))
        #expect(r.risk == .high)
        #expect(r.confidence.components["equivalence"] == 0.35)
        #expect(r.confidence.notes.contains { $0.contains("no quality data") })
    }

    @Test func providerSwitchStaysSilentWhenNoProviderIsCheaper() throws {
        // gpt-4o costs the same at Azure as at OpenAI; deepseek-v3.2 is cheapest at DeepSeek itself
        let events = RecUsage.daily("o", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "web")
            + RecUsage.daily("d", perDay: 200, provider: "deepseek", model: "deepseek-v3.2", usage: Self.request, team: "web")
        #expect(try ProviderSwitchRecommender().recommendations(from: RecUsage.input(events)).isEmpty)
    }

    @Test func providerSwitchLeavesTheSameFamilysCheaperModelToTheDowngrade() throws {
        // claude-opus-4-1 at Anthropic: Anthropic's own claude-opus-5-5 is the downgrade; the same
        // model resold elsewhere at (nearly) the same price is not proposed as a provider switch
        let events = RecUsage.daily("o", perDay: 20, provider: "anthropic", model: "claude-opus-4-1", usage: Self.request, team: "web")
        let downgrades = try ModelDowngradeRecommender().recommendations(from: RecUsage.input(events))
        #expect(downgrades.count == 1)
        let switches = try ProviderSwitchRecommender().recommendations(from: RecUsage.input(events))
        let duplicates = switches.filter { r in
            r.actions.contains { action in
                guard case .routeModel(_, let to, _) = action else { return false }
                return to.hasSuffix("claude-opus-5-5") && (r.monthlySaving.units * 100 <= downgrades[0].monthlySaving.units * 105)
            }
        }
        #expect(duplicates.isEmpty, "\(duplicates.map(\.title))")
    }

    // MARK: - Off-peak

    @Test func offPeakMovesBackgroundTrafficToTheCheapHours() throws {
        // deepseek-chat at 10:00 UTC (peak, $0.27/$1.10 per MTok): 600 × $0.0076 = $4.56; off-peak ($0.135/$0.55): $2.28
        let events = RecUsage.daily("p", perDay: 20, hour: 10, provider: "deepseek", model: "deepseek-chat", usage: Self.request,
                                    team: "research", tags: ["priority": "background"])
        let found = try OffPeakRecommender().recommendations(from: RecUsage.input(events))
        let r = try #require(found.first)
        #expect(found.count == 1)
        #expect(r.kind == .offPeak)
        #expect(r.monthlySaving == (try RecUsage.money("2.28")))
        #expect(r.actions == [.shiftHours(window: "16:30–00:30 UTC", scope: "team=research")])
        RecUsage.expectWellFormed(found)

        var input = try RecUsage.input(events)
        input.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let local = try OffPeakRecommender().recommendations(from: input)
        #expect(local.first?.actions == [.shiftHours(window: "16:30–00:30 UTC (00:30–08:30 Asia/Shanghai)", scope: "team=research")])
    }

    @Test func offPeakStaysSilentOffPeakUntaggedOrWithoutTimePrices() throws {
        let already = RecUsage.daily("n", perDay: 20, hour: 20, provider: "deepseek", model: "deepseek-chat", usage: Self.request,
                                     team: "research", tags: ["priority": "background"])
        #expect(try OffPeakRecommender().recommendations(from: RecUsage.input(already)).isEmpty)
        let urgent = RecUsage.daily("u", perDay: 20, hour: 10, provider: "deepseek", model: "deepseek-chat", usage: Self.request, team: "research")
        #expect(try OffPeakRecommender().recommendations(from: RecUsage.input(urgent)).isEmpty)
        let flat = RecUsage.daily("g", perDay: 20, hour: 10, provider: "openai", model: "gpt-4o", usage: Self.request,
                                  team: "research", tags: ["priority": "background"])
        #expect(try OffPeakRecommender().recommendations(from: RecUsage.input(flat)).isEmpty)
    }

    // MARK: - Budget reallocation

    static func budget(_ name: String, team: String, limit: String) throws -> Budget {
        try Budget(name: name, scope: BudgetScope(.team(team)), limit: .money(try RecUsage.money(limit)), period: .monthly(in: RecUsage.utc))
    }

    /// One request a day in November up to the window's end (21 days), each with a stored cost.
    static func spend(_ team: String, perDay: String) throws -> [UsageEvent] {
        let november = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z
        return try (0..<21).map { day in
            RecUsage.event(
                "\(team)-\(day)", at: november.addingTimeInterval(Double(day) * 86_400 + 3_600), provider: "openai", model: "gpt-4o",
                usage: Self.request, team: team, cost: EventCost(total: try RecUsage.money(perDay)))
        }
    }

    @Test func reallocationMovesTheDonorsSpareToTheOverrunningTeam() throws {
        // growth: $84 in 21 of 30 days → $120 projected, $20 over $100; search: $21 → $30, spare $100 − $30 − $10 margin = $60
        let budgets = [try Self.budget("growth", team: "growth", limit: "100"), try Self.budget("search", team: "search", limit: "100")]
        let events = try Self.spend("growth", perDay: "4") + Self.spend("search", perDay: "1")
        let found = try BudgetReallocationRecommender().recommendations(from: RecUsage.input(events, budgets: budgets))
        let r = try #require(found.first)
        #expect(found.count == 1)
        #expect(r.kind == .budgetReallocation)
        #expect(r.scope == "team=growth")
        #expect(r.actions == [.reallocateBudget(from: "search", to: "growth", amount: try RecUsage.money("20"))])
        #expect(r.monthlySaving == .zero)
        #expect(r.rationale.contains("$120.00") && r.rationale.contains("$30.00"))
        #expect(r.confidence.components["cover"] == 1)
        RecUsage.expectWellFormed(found)
    }

    @Test func reallocationGivesOnlyWhatTheDonorCanSpare() throws {
        // growth $8/day → $240 projected, $140 over; search can spare $60
        let budgets = [try Self.budget("growth", team: "growth", limit: "100"), try Self.budget("search", team: "search", limit: "100")]
        let events = try Self.spend("growth", perDay: "8") + Self.spend("search", perDay: "1")
        let found = try BudgetReallocationRecommender().recommendations(from: RecUsage.input(events, budgets: budgets))
        #expect(found.map(\.actions) == [[.reallocateBudget(from: "search", to: "growth", amount: try RecUsage.money("60"))]])
        #expect(abs((found.first?.confidence.components["cover"] ?? 0) - 60.0 / 140.0) < 1e-12)
    }

    @Test func reallocationStaysSilentWhenEveryoneIsOnTrackOrNobodyCanGive() throws {
        let budgets = [try Self.budget("growth", team: "growth", limit: "100"), try Self.budget("search", team: "search", limit: "100")]
        let onTrack = try Self.spend("growth", perDay: "2") + Self.spend("search", perDay: "1")
        #expect(try BudgetReallocationRecommender().recommendations(from: RecUsage.input(onTrack, budgets: budgets)).isEmpty)
        let allOver = try Self.spend("growth", perDay: "4") + Self.spend("search", perDay: "3")
        #expect(try BudgetReallocationRecommender().recommendations(from: RecUsage.input(allOver, budgets: budgets)).isEmpty)
    }

    // MARK: - Every generator

    @Test func everyGeneratorOnMixedTrafficGivesWellFormedNonNegativeRecommendations() throws {
        let catalog = try RecUsage.classed([("openai", "gpt-4o", "general", 0.88), ("openai", "gpt-4o-mini", "general", 0.82)])
        let events = RecUsage.daily("a", perDay: 20, provider: "openai", model: "gpt-4o", usage: Self.request, team: "support",
                                    tags: ["priority": "background"])
            + RecUsage.daily("b", perDay: 10, provider: "azure", model: "mistral-large", usage: Self.request, team: "legal")
            + RecUsage.daily("c", perDay: 20, hour: 3, provider: "deepseek", model: "deepseek-chat", usage: Self.request, team: "research",
                             tags: ["priority": "low"])
            + RecUsage.daily("d", perDay: 5, provider: "anthropic", model: "claude-sonnet-4-5",
                             usage: Usage(inputTokens: 30_000, outputTokens: 400), team: "docs")
            + (try Self.spend("growth", perDay: "4")) + (try Self.spend("search", perDay: "1"))
        let budgets = [try Self.budget("growth", team: "growth", limit: "100"), try Self.budget("search", team: "search", limit: "100")]
        let generators: [any RecommendationGenerator] = [
            ModelDowngradeRecommender(), PromptCachingRecommender(), BatchingRecommender(), ProviderSwitchRecommender(),
            OffPeakRecommender(), BudgetReallocationRecommender(),
        ]
        let input = try RecUsage.input(events, catalog: catalog, budgets: budgets)
        var kinds: Set<Recommendation.Kind> = []
        for generator in generators {
            let found = try generator.recommendations(from: input)
            RecUsage.expectWellFormed(found)
            kinds.formUnion(found.map(\.kind))
            #expect(Set(found.map(\.id)).count == found.count, "\(generator.name) repeats an id")
        }
        #expect(kinds == [.modelDowngrade, .promptCaching, .batching, .providerSwitch, .offPeak, .budgetReallocation])
        let ranked = Recommendation.ranked(try generators.flatMap { try $0.recommendations(from: input) })
        #expect(ranked.allSatisfy { (0...1).contains($0.priority) })
    }
}
