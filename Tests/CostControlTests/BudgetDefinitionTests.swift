import CostBudget
import CostControl
import Foundation
import Testing

/// Budgets as people type them, and checks that reserve nothing.
@Suite("Budget definitions and checks")
struct BudgetDefinitionTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func definition(_ name: String = "b", limit: String? = "500", _ edit: (inout BudgetDefinition) -> Void = { _ in }) -> BudgetDefinition {
        var d = BudgetDefinition(name: name, limit: limit)
        edit(&d)
        return d
    }

    @Test("scope, limit, period, profile and thresholds become the budget")
    func fullDefinition() throws {
        let budget = try Self.definition("growth") {
            $0.scope = "team=growth"
            $0.provider = "openai"
            $0.period = "monthly"
            $0.profile = "premium"
            $0.thresholds = ["hard-stop=150", "emergency=120.5%"]
            $0.disabledLevels = ["throttling"]
            $0.throttle = "10/min,burst=3"
            $0.queueRetryAfterSeconds = 30
        }.budget(timeZone: Self.berlin)
        #expect(budget.scope == BudgetScope(.team("growth"), provider: "openai"))
        #expect(budget.limit == .money(Money("500")!))
        #expect(budget.period == .monthly(in: Self.berlin))
        #expect(budget.profile.threshold(of: .hardStop) == Threshold(percent: 150))
        #expect(budget.profile.threshold(of: .emergency) == Threshold(basisPoints: 12_050))
        #expect(budget.profile.threshold(of: .throttling) == nil)
        #expect(budget.profile.threshold(of: .warning) == Threshold(percent: 80))  // premium
        #expect(budget.throttle == ThrottleRate(requests: 10, per: .seconds(60), burst: 3))
        #expect(budget.queueRetryAfter == .seconds(30))
        let summary = BudgetSummary(budget)
        #expect(summary.scope == "team=growth" && summary.limit == "500" && summary.period == "monthly")
        #expect(summary.timeZone == "Europe/Berlin" && summary.thresholds["hard-stop"] == .some(150))
        #expect(summary.thresholds["throttling"] == .some(nil))
    }

    @Test("every scope word", arguments: [
        ("global", BudgetScope.Subject.global), ("org=acme", .org("acme")), ("TEAM=growth", .team("growth")),
        ("user=ana", .user("ana")), ("project=p1", .project("p1")), ("key=k-1", .key("k-1")),
        ("tag:env=prod", .tag(key: "env", value: "prod")), ("tag.env=a=b", .tag(key: "env", value: "a=b")),
    ])
    func scopes(text: String, subject: BudgetScope.Subject) throws {
        #expect(try BudgetDefinition.subject(text) == subject)
    }

    @Test("periods: calendar words, rolling windows, inclusive date ranges in the time zone")
    func periods() throws {
        #expect(try BudgetDefinition.period("daily", timeZone: Self.berlin) == .daily(in: Self.berlin))
        #expect(try BudgetDefinition.period("weekly", timeZone: Self.berlin, firstWeekday: 1) == .weekly(in: Self.berlin, firstWeekday: 1))
        #expect(try BudgetDefinition.period("quarterly", timeZone: Self.berlin) == .quarterly(in: Self.berlin))
        #expect(try BudgetDefinition.period("24h", timeZone: Self.berlin) == .rolling(hours: 24))
        #expect(try BudgetDefinition.period("rolling-7d", timeZone: Self.berlin) == .rolling(days: 7))
        // November 2026 in Berlin: from 2026-10-31T23:00Z to 2026-11-30T23:00Z (CET, +1)
        let range = try BudgetDefinition.period("2026-11-01..2026-11-30", timeZone: Self.berlin)
        #expect(range == .custom(start: Date(timeIntervalSince1970: 1_793_487_600), end: Date(timeIntervalSince1970: 1_796_079_600)))
    }

    @Test("mistakes are named with what to type instead")
    func mistakes() {
        let cases: [((inout BudgetDefinition) -> Void, String)] = [
            ({ $0.scope = "teem=growth" }, "did you mean 'team'?"),
            ({ $0.scope = "team=" }, "has no value"),
            ({ $0.period = "fortnightly" }, "use daily, weekly"),
            ({ $0.period = "2026-11-30..2026-11-01" }, "before the first"),
            ({ $0.profile = "premum" }, "did you mean 'premium'?"),
            ({ $0.thresholds = ["hardstop=90"] }, "must rise with the level"),
            ({ $0.thresholds = ["throttling=9.125"] }, "at most two decimals"),
            ({ $0.disabledLevels = ["panic"] }, "is not a ladder level"),
            ({ $0.throttle = "10/week" }, "N/s, N/min or N/h"),
            ({ $0.limit = "-5" }, "not a positive dollar amount"),
            ({ $0.tokens = 100 }, "takes one limit"),
            ({ $0.limit = nil }, "needs a limit"),
        ]
        for (edit, message) in cases {
            let definition = Self.definition("b", edit)
            #expect {
                _ = try definition.budget(timeZone: Self.berlin)
            } throws: { error in
                guard let error = error as? ControlError else { return false }
                return error.code == .invalidInput && error.message.contains(message)
            }
        }
    }

    static let noon = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18

    /// A $1 team budget 96% spent and a user budget with room; the checks reserve nothing.
    static func store() async throws -> MemoryBudgetStore {
        let store = MemoryBudgetStore(now: { noon })
        try await store.setBudget(Self.definition("team", limit: "1") { $0.scope = "team=growth" }.budget(timeZone: .gmt))
        try await store.setBudget(Self.definition("ana", limit: "10") { $0.scope = "user=ana" }.budget(timeZone: .gmt))
        let request = BudgetRequest(
            provider: "openai", model: "gpt-4o", dimensions: UsageDimensions(team: "growth"),
            estimate: BudgetCharge(cost: Money("0.96")!))
        let reservation = try await store.reserve(request, policy: BudgetPolicy())
        _ = try await store.commit(try #require(reservation.hold), actual: request.estimate)
        return store
    }

    @Test("a check names the strictest budget and reserves nothing")
    func check() async throws {
        let store = try await Self.store()
        let check = BudgetCheck(store: store, engine: CostEngine(catalog: try .bundled()))
        let request = BudgetCheck.Request(
            model: "gpt-4o", dimensions: UsageDimensions(team: "growth", user: "ana"), estimate: Money("0.05"), priority: .background)
        // 0.96 + 0.05 = 101%: request queue for a background request
        let decision = try await check.decide(request, at: Self.noon)
        #expect(decision.provider == "openai")
        #expect(decision.deciding?.budget == "team" && decision.deciding?.level == .requestQueue)
        #expect(!decision.passes && decision.verdicts.count == 2)
        let report = BudgetDecisionReport(decision, requestedModel: "gpt-4o")
        #expect(report.action == "queue" && report.retryAfterSeconds == 60 && !report.rewritten)
        #expect(report.deciding?.usedAfter == "$1.01" && report.deciding?.utilization == 1.01)
        // nothing held: the same check again gives the same answer, and the state is unchanged
        #expect(try await check.decide(request, at: Self.noon) == decision)
        #expect(try await store.state(of: "team")?.held == .zero)
        // a critical request passes the queue level
        var critical = request
        critical.priority = .critical
        #expect(try await check.decide(critical, at: Self.noon).passes)
    }

    @Test("a check prices token counts on the model, and says what is missing")
    func pricedCheck() async throws {
        let store = try await Self.store()
        let check = BudgetCheck(store: store, engine: CostEngine(catalog: try .bundled()))
        // gpt-4o: 4,000 input tokens at $2.50/M = $0.01 → 97%: model downgrade level, which falls
        // through (the bundled catalog has no capability classes) to the request-queue rule
        let tokens = BudgetCheck.Request(model: "gpt-4o", dimensions: UsageDimensions(team: "growth"), usage: Usage(inputTokens: 4_000, outputTokens: 0))
        let budgetRequest = try check.budgetRequest(tokens, at: Self.noon)
        #expect(budgetRequest.estimate.cost == Money("0.01") && budgetRequest.estimate.tokens == 4_000)
        let decision = try await check.decide(tokens, at: Self.noon)
        #expect(decision.deciding?.level == .modelDowngrade && decision.passes)
        #expect {
            _ = try check.budgetRequest(BudgetCheck.Request(model: "gpt-4o"), at: Self.noon)
        } throws: { ($0 as? ControlError)?.message.contains("--estimate") == true }
        #expect {
            _ = try check.budgetRequest(BudgetCheck.Request(model: "no-such-model-xyz", usage: Usage(inputTokens: 1)), at: Self.noon)
        } throws: { ($0 as? ControlError)?.message.contains("cannot price") == true }
    }
}
