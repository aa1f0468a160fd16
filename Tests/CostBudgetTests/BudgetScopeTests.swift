import CostPricing
import Foundation
import Testing

@testable import CostBudget

@Suite("Budget scopes")
struct BudgetScopeTests {
    static let dimensions = UsageDimensions(
        org: "acme", team: "growth", user: "ana", project: "search", keyID: "key_01", tags: ["env": "prod"])

    struct Case: Sendable, CustomTestStringConvertible {
        var scope: BudgetScope
        var matches: Bool
        var testDescription: String { "\(scope) → \(matches)" }
    }

    static let cases: [Case] = [
        Case(scope: BudgetScope(.global), matches: true),
        Case(scope: BudgetScope(.org("acme")), matches: true),
        Case(scope: BudgetScope(.org("other")), matches: false),
        Case(scope: BudgetScope(.team("growth")), matches: true),
        Case(scope: BudgetScope(.team("Growth")), matches: false),  // dimension values are exact
        Case(scope: BudgetScope(.user("ana")), matches: true),
        Case(scope: BudgetScope(.user("bo")), matches: false),
        Case(scope: BudgetScope(.project("search")), matches: true),
        Case(scope: BudgetScope(.key("key_01")), matches: true),
        Case(scope: BudgetScope(.key("key_02")), matches: false),
        Case(scope: BudgetScope(.tag(key: "env", value: "prod")), matches: true),
        Case(scope: BudgetScope(.tag(key: "env", value: "dev")), matches: false),
        Case(scope: BudgetScope(.tag(key: "tier", value: "prod")), matches: false),
        Case(scope: BudgetScope(.team("growth"), provider: "OpenAI"), matches: true),  // provider and model: any case
        Case(scope: BudgetScope(.team("growth"), provider: "anthropic"), matches: false),
        Case(scope: BudgetScope(.global, model: "GPT-4o"), matches: true),
        Case(scope: BudgetScope(.global, provider: "openai", model: "gpt-4o-mini"), matches: false),
    ]

    @Test("which requests a scope counts", arguments: cases)
    func matching(_ c: Case) {
        #expect(c.scope.matches(Self.dimensions, provider: "openai", model: "gpt-4o") == c.matches)
    }

    @Test("scopes describe themselves as the CLI will write them")
    func descriptions() {
        #expect(BudgetScope(.team("growth")).description == "team=growth")
        #expect(BudgetScope(.tag(key: "env", value: "prod"), provider: "openai").description == "tag:env=prod provider=openai")
    }

    @Test("a custom-range budget does not count requests outside its range")
    func customRangeInStore() async throws {
        let clock = TestClock(Fixture.date("2026-05-31T23:00:00Z"))
        let store = MemoryBudgetStore(now: clock.function)
        let june = BudgetPeriod.custom(start: Fixture.date("2026-06-01T00:00:00Z"), end: Fixture.date("2026-07-01T00:00:00Z"))
        try await store.setBudget(Fixture.budget("june", dollars: 1, period: june))
        let request = BudgetRequest(provider: "acme", model: "acme-pro", estimate: BudgetCharge(cost: Fixture.money("5")))
        let before = try await store.reserve(request, policy: BudgetPolicy())
        #expect(before.decision.verdicts.isEmpty && before.decision.summary == "allow: no budget applies")
        #expect(before.hold?.budgets == [])
        clock.advance(by: 3600)
        let inside = try await store.reserve(request, policy: BudgetPolicy())
        #expect(inside.hold == nil && inside.decision.deciding?.level == .hardStop)
        #expect(inside.decision.deciding?.action == .reject(retryAt: Fixture.date("2026-07-01T00:00:00Z")))
        #expect(inside.decision.summary.contains("budget 'june' at hard-stop (500.0% after this request)"))
    }
}
