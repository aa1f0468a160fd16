import CostPricing
import Foundation
import Testing

@testable import CostBudget

@Suite("Budget decisions")
struct BudgetPolicyTests {
    typealias F = Fixture
    static let now = Fixture.date("2026-03-15T12:00:00Z")

    /// A $100 budget with `spent` committed and `held` reserved.
    static func state(
        _ budget: Budget, spent: String, held: String = "0", wait: Duration = .zero
    ) -> BudgetState {
        BudgetState(
            budget: budget, window: budget.period.window(containing: now),
            spent: BudgetCharge(cost: F.money(spent)), held: BudgetCharge(cost: F.money(held)), throttleWait: wait)
    }

    static func request(
        _ estimate: String, model: String = "acme-pro", priority: RequestPriority = .normal,
        permitted: Set<String> = [], usage: Usage? = Fixture.usage, team: String? = nil
    ) -> BudgetRequest {
        BudgetRequest(
            provider: "acme", model: model, dimensions: UsageDimensions(team: team),
            estimate: BudgetCharge(cost: F.money(estimate)), usage: usage, priority: priority, permittedProviders: permitted)
    }

    struct LevelCase: Sendable, CustomTestStringConvertible {
        var spent: String
        var held: String
        var estimate: String
        var level: LadderLevel?
        var action: BudgetAction
        var testDescription: String { "\(spent)+\(held)+\(estimate) → \(level?.description ?? "none")" }
    }

    /// $100 standard ladder, normal priority, no catalog (downgrade and switch fall through).
    static let levelCases: [LevelCase] = [
        LevelCase(spent: "60", held: "0", estimate: "9.99", level: nil, action: .allow),
        LevelCase(spent: "60", held: "5", estimate: "5", level: .warning, action: .allowAndLog),
        LevelCase(spent: "79", held: "0", estimate: "1", level: .notification, action: .allowAndAlert),
        LevelCase(spent: "85", held: "4", estimate: "1", level: .throttling, action: .throttle(wait: .zero)),
        LevelCase(spent: "95", held: "0", estimate: "0", level: .modelDowngrade, action: .allowAndAlert),
        LevelCase(spent: "99.5", held: "0.5", estimate: "0", level: .requestQueue, action: .allowAndAlert),
        LevelCase(spent: "100", held: "4", estimate: "1", level: .emergency, action: .reject(retryAt: F.date("2026-04-01T00:00:00Z"))),
        LevelCase(spent: "100", held: "9.999999999999999999", estimate: "0.000000000000000001", level: .hardStop,
                  action: .reject(retryAt: F.date("2026-04-01T00:00:00Z"))),
    ]

    @Test("the level after the request and its action, exactly", arguments: levelCases)
    func levels(_ c: LevelCase) throws {
        let budget = try F.budget()
        let decision = try BudgetPolicy().decide(
            Self.request(c.estimate), states: [Self.state(budget, spent: c.spent, held: c.held)], at: Self.now)
        let verdict = try #require(decision.deciding)
        #expect(verdict.level == c.level)
        #expect(verdict.action == c.action)
        #expect(verdict.budget == "b")
        let used = try F.money(c.spent).adding(F.money(c.held)).adding(F.money(c.estimate))
        #expect(verdict.usedAfter == used.units)
    }

    @Test("throttling: over the reduced rate the caller is told how long to wait")
    func throttleWait() throws {
        let decision = try BudgetPolicy().decide(
            Self.request("1"), states: [Self.state(try F.budget(), spent: "90", wait: .milliseconds(250))], at: Self.now)
        #expect(decision.action == .throttle(wait: .milliseconds(250)))
        #expect(!decision.passes)
        #expect(decision.throttledBudgets.isEmpty)
    }

    @Test("priorities: background is queued at request queue; normal refused and critical passes at emergency")
    func priorities() throws {
        let budget = try F.budget()
        let queue = Self.state(budget, spent: "100")
        let q = try BudgetPolicy().decide(Self.request("1", priority: .background), states: [queue], at: Self.now)
        #expect(q.action == .queue(retryAfter: .seconds(60)))
        #expect(try BudgetPolicy().decide(Self.request("1", priority: .normal), states: [queue], at: Self.now).passes)
        let emergency = Self.state(budget, spent: "105")
        #expect(try !BudgetPolicy().decide(Self.request("1", priority: .normal), states: [emergency], at: Self.now).passes)
        #expect(try BudgetPolicy().decide(Self.request("1", priority: .critical), states: [emergency], at: Self.now).passes)
        let stop = Self.state(budget, spent: "110")
        let s = try BudgetPolicy().decide(Self.request("0", priority: .critical), states: [stop], at: Self.now)
        #expect(s.action == .reject(retryAt: F.date("2026-04-01T00:00:00Z")))
        #expect(s.deciding?.reason == "hard-stop level: nothing passes")
    }

    @Test("downgrade: the cheapest model of the same class and provider; equal cost goes to the higher quality")
    func downgrade() throws {
        let policy = BudgetPolicy(alternatives: try F.alternatives())
        let decision = try policy.decide(Self.request("13"), states: [Self.state(try F.budget(), spent: "82")], at: Self.now)
        let choice = ModelChoice(provider: "acme", model: "acme-lite2", estimate: F.money("5.2"), capabilityClass: "frontier", qualityScore: 0.9)
        #expect(decision.action == .downgrade(to: choice))
        #expect(decision.model == "acme-lite2")
        #expect(decision.charge.cost == F.money("5.2"))
        #expect(decision.passes)
    }

    @Test("downgrade without a known class says so and falls through to the switch, then the queue")
    func downgradeFallsThrough() throws {
        let policy = BudgetPolicy(alternatives: try F.alternatives())
        let state = Self.state(try F.budget(), spent: "95")
        let plain = try policy.decide(Self.request("0.5", model: "acme-plain", permitted: ["beta"]), states: [state], at: Self.now)
        #expect(plain.action == .allowAndAlert)
        #expect(plain.model == "acme-plain")
        let reason = try #require(plain.deciding?.reason)
        #expect(reason.contains("model-downgrade level: the catalog gives no capability class for acme/acme-plain"))
        #expect(reason.contains("provider-switch level: the catalog gives no capability class"))
        #expect(reason.hasSuffix("request-queue level: a normal request passes"))
        // the cheapest frontier model of acme is already acme-lite: nothing cheaper in class
        let lite = try policy.decide(Self.request("5.2", model: "acme-lite", priority: .background), states: [state], at: Self.now)
        #expect(lite.action == .queue(retryAfter: .seconds(60)))
        // no token counts: cannot be priced elsewhere
        let blind = try policy.decide(Self.request("1", usage: nil), states: [state], at: Self.now)
        #expect(blind.deciding?.reason.contains("gives no token counts") == true)
    }

    @Test("provider switch: the cheapest equivalent of a permitted provider; none permitted falls through")
    func providerSwitch() throws {
        let policy = BudgetPolicy(alternatives: try F.alternatives())
        let state = Self.state(try F.budget(), spent: "94")  // + $4 = 98%: provider switch
        let beta = try policy.decide(Self.request("4", model: "acme-lite", permitted: ["beta"]), states: [state], at: Self.now)
        #expect(beta.action == .switchProvider(to: ModelChoice(provider: "beta", model: "beta-pro", estimate: F.money("3.9"), capabilityClass: "frontier")))
        let both = try policy.decide(Self.request("4", model: "acme-lite", permitted: ["beta", "gamma", "acme"]), states: [state], at: Self.now)
        #expect(both.model == "gamma-pro" && both.provider == "gamma" && both.charge.cost == F.money("2.6"))
        let none = try policy.decide(Self.request("1", model: "acme-lite"), states: [state], at: Self.now)
        #expect(none.deciding?.reason.contains("the request permits no other provider") == true)
    }

    @Test("several budgets: all are checked, the strictest decides and is named")
    func strictestWins() throws {
        let team = try F.budget("team", scope: BudgetScope(.team("growth")), dollars: 50)
        let org = try F.budget("org", dollars: 1000)
        let other = try F.budget("other-team", scope: BudgetScope(.team("ops")), dollars: 1)
        let states = [Self.state(org, spent: "700"), Self.state(team, spent: "52"), Self.state(other, spent: "5")]
        let decision = try BudgetPolicy().decide(Self.request("3", team: "growth"), states: states, at: Self.now)
        #expect(decision.verdicts.map(\.budget) == ["org", "team"])
        #expect(decision.verdicts[0].level == .warning)  // 703 of 1000
        let deciding = try #require(decision.deciding)
        #expect(deciding.budget == "team" && deciding.level == .hardStop)  // 52 + 3 = 55 of 50: 110%
        #expect(decision.summary.hasPrefix("reject"))
        #expect(deciding.utilization == 1.1)
    }

    @Test("tokens and requests budgets count their own measure")
    func otherMeasures() throws {
        let tokens = try Budget(name: "tokens", limit: .tokens(1000), period: .rolling(hours: 1))
        let requests = try Budget(name: "requests", limit: .requests(10), period: .rolling(hours: 1))
        let states = [
            BudgetState(budget: tokens, window: tokens.period.window(containing: Self.now), spent: BudgetCharge(cost: .zero, tokens: 600, requests: 3), held: .zero),
            BudgetState(budget: requests, window: requests.period.window(containing: Self.now), spent: BudgetCharge(cost: .zero, tokens: 600, requests: 9), held: .zero),
        ]
        let request = BudgetRequest(provider: "acme", model: "acme-pro", estimate: BudgetCharge(cost: F.money("1"), tokens: 100, requests: 1))
        let decision = try BudgetPolicy().decide(request, states: states, at: Self.now)
        #expect(decision.verdicts.map(\.level) == [.warning, .requestQueue])  // 700/1000, 10/10
        #expect(decision.verdicts[1].action == .allowAndAlert)
        #expect(decision.verdicts[0].action == .allowAndLog)
        #expect(decision.deciding?.budget == "requests")
        #expect(decision.verdicts[1].reason == "request-queue level: a normal request passes")
    }

    @Test("a negative estimate is refused")
    func negative() throws {
        #expect(throws: BudgetError.self) {
            try BudgetPolicy().decide(Self.request("-1"), states: [Self.state(try F.budget(), spent: "0")], at: Self.now)
        }
    }
}
