import CostBudget
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// A request that the ladder moves to another model (a downgrade or a provider switch) is checked
/// again against the budgets of that model, and held and charged there: where the call goes and
/// the ledger will count it. On every store.
@Suite("Budgets of a moved request")
struct BudgetMovedRequestTests {
    typealias F = BudgetFixtures

    /// acme-pro $10/$30 per Mtok, beta-pro $3/$9, both frontier.
    static func policy() throws -> BudgetPolicy {
        let json = """
            {"format": "costctl-catalog", "version": 1, "providers": [
              {"id": "acme", "name": "Acme", "models": [
                {"id": "acme-pro", "capability_class": "frontier", "prices": {"input_mtok": "10", "output_mtok": "30"}}]},
              {"id": "beta", "name": "Beta", "models": [
                {"id": "beta-pro", "capability_class": "frontier", "prices": {"input_mtok": "3", "output_mtok": "9"}}]}
            ]}
            """
        return BudgetPolicy(alternatives: try ModelAlternatives(catalog: PriceCatalog(file: CatalogFile.decode(Data(json.utf8), origin: "test"))))
    }

    /// 1M input and 100k output tokens on acme-pro: $13; on beta-pro: $3.90.
    static let request = BudgetRequest(
        provider: "acme", model: "acme-pro", dimensions: UsageDimensions(team: "growth"), estimate: BudgetCharge(cost: F.money("13")),
        usage: Usage(inputTokens: 1_000_000, outputTokens: 100_000), permittedProviders: ["beta"])

    /// team=growth $100 (spent $85.50: the request takes it to 98.5%, the switch level), a budget
    /// on acme-pro only, and one on provider beta with `betaLimit` dollars.
    static func setUp(_ store: any BudgetStore, betaLimit: Int, betaSpent: String) async throws {
        let quiet = LadderProfile.standard.disabling([.throttling])
        try await store.setBudget(F.budget("team", scope: BudgetScope(.team("growth")), dollars: 100, profile: quiet))
        try await store.setBudget(F.budget("acme-pro-only", scope: BudgetScope(.global, model: "acme-pro"), dollars: 1_000, profile: quiet))
        try await store.setBudget(F.budget("beta-cap", scope: BudgetScope(.global, provider: "beta"), dollars: betaLimit, profile: quiet))
        for (name, spent) in [("team", "85.5"), ("beta-cap", betaSpent)] {
            let window = try #require(try await store.state(of: name)?.window)
            #expect(try await store.replaceSpend(of: name, with: BudgetSpend(window: window, total: BudgetCharge(cost: F.money(spent)))))
        }
    }

    @Test("switched to beta: held and charged on the team and beta budgets, no longer on the acme-pro one", arguments: BudgetStoreKind.allCases)
    func heldWhereTheCallGoes(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(Fixtures.date("2026-05-10T12:00:00Z"))) { store, _ in
            try await Self.setUp(store, betaLimit: 5, betaSpent: "0")
            let reservation = try await store.reserve(Self.request, policy: try Self.policy())
            let decision = reservation.decision
            #expect(decision.provider == "beta" && decision.model == "beta-pro")
            #expect(decision.charge.cost == F.money("3.9"))
            // the switch still decides, named by the budget that asked for it
            #expect(decision.deciding?.budget == "team" && decision.deciding?.level == .providerSwitch)
            #expect(decision.verdicts.map(\.budget) == ["beta-cap", "team"])
            #expect(decision.verdicts.first?.level == .warning)  // $3.90 of $5: 78%
            let hold = try #require(reservation.hold)
            #expect(hold.budgets == ["beta-cap", "team"] && hold.provider == "beta" && hold.model == "beta-pro")
            #expect(try await store.state(of: "beta-cap")?.held.cost == F.money("3.9"))
            #expect(try await store.state(of: "acme-pro-only")?.held == .zero)
            _ = try await store.commit(hold, actual: F.actual("4"))
            #expect(try await store.state(of: "beta-cap")?.spent.cost == F.money("4"))
            #expect(try await store.state(of: "team")?.spent.cost == F.money("89.5"))
            #expect(try await store.state(of: "acme-pro-only")?.spent == .zero)
        }
    }

    @Test("the budget of the provider switched to is at its hard stop: refused there, nothing held", arguments: BudgetStoreKind.allCases)
    func refusedWhereTheCallWouldGo(kind: BudgetStoreKind) async throws {
        try await withBudgetStore(kind, clock: ManualClock(Fixtures.date("2026-05-10T12:00:00Z"))) { store, _ in
            try await Self.setUp(store, betaLimit: 5, betaSpent: "4.5")  // + $3.90: 168%
            let reservation = try await store.reserve(Self.request, policy: try Self.policy())
            #expect(reservation.hold == nil && !reservation.decision.passes)
            let deciding = try #require(reservation.decision.deciding)
            #expect(deciding.budget == "beta-cap" && deciding.level == .hardStop)
            for name in ["team", "acme-pro-only", "beta-cap"] {
                #expect(try await store.state(of: name)?.held == .zero, "\(name)")
            }
        }
    }
}
