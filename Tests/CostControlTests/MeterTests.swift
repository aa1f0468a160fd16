import CostBudget
import CostControl
import Foundation
import Testing

/// The Meter over the real SQLite ledger and the in-memory budget store: reserve, call, record,
/// settle; refusals; failures release the hold.
@Suite("Meter")
struct MeterTests {
    /// gpt-4o input is $2.50 per million tokens: 40,000 input tokens cost exactly $0.10.
    static let tenCents = Usage(inputTokens: 40_000, outputTokens: 0)

    static func withMeter(budgetUSD: String?, _ body: (Meter, MemoryBudgetStore, SQLiteUsageLedger) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-meter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ControlPaths(database: directory.appendingPathComponent("m.db").path, environment: ["HOME": directory.path])
        let ledger = try LedgerStore.open(paths: paths, environment: [:])
        let store = MemoryBudgetStore()
        if let budgetUSD, let limit = Money(budgetUSD) {
            try await store.setBudget(
                Budget(name: "team-search", scope: BudgetScope(.team("search")), limit: .money(limit), period: .monthly(in: .gmt)))
        }
        let engine = try #require(ledger.configuration.engine)
        try await body(Meter(budgets: store, ledger: ledger, engine: engine), store, ledger)
    }

    static let request = MeteredRequest(
        provider: "openai", model: "gpt-4o", estimate: tenCents, dimensions: UsageDimensions(team: "search", user: "alice"))

    @Test("a call under a budget: reserved, run, recorded with its exact cost, settled")
    func completed() async throws {
        try await Self.withMeter(budgetUSD: "1") { meter, store, ledger in
            let outcome = try await meter.run(Self.request) { call in
                #expect(call.model == "gpt-4o" && call.provider == "openai")
                // the provider reports 20,000 input and 1,000 output tokens: $0.05 + $0.01
                return MeteredResult("answer", usage: Usage(inputTokens: 20_000, outputTokens: 1_000))
            }
            guard case .completed(let value, let receipt) = outcome else { Issue.record("refused"); return }
            #expect(value == "answer")
            #expect(receipt.cost.total == Money("0.06") && receipt.estimate == Money("0.10"))
            #expect(receipt.recordStatus == .added && receipt.commit?.actual.cost == Money("0.06"))
            let stored = try #require(try await ledger.event(id: receipt.event.id))
            #expect(stored.cost?.total == Money("0.06") && stored.dimensions.team == "search")
            let state = try #require(try await store.state(of: "team-search"))
            #expect(state.spent.cost == Money("0.06") && state.held.cost == .zero)
        }
    }

    @Test("spend grows to the hard stop: ten $0.10 calls pass a $1 budget, the eleventh is refused and not recorded")
    func hardStop() async throws {
        try await Self.withMeter(budgetUSD: "1") { meter, store, ledger in
            for n in 1...10 {
                let outcome = try await meter.run(Self.request) { _ in MeteredResult(n, usage: Self.tenCents) }
                guard case .completed = outcome else { Issue.record("call \(n) refused"); return }
            }
            let eleventh = try await meter.run(Self.request) { _ in MeteredResult(11, usage: Self.tenCents) }
            guard case .refused(let decision) = eleventh else { Issue.record("the eleventh call ran"); return }
            #expect(decision.deciding?.budget == "team-search" && decision.deciding?.level == .hardStop)
            #expect(try await ledger.info().events == 10)
            #expect(try await store.state(of: "team-search")?.spent.cost == Money("1.00"))
        }
    }

    @Test("a call that throws releases its hold and records nothing")
    func failure() async throws {
        struct ProviderDown: Error {}
        try await Self.withMeter(budgetUSD: "1") { meter, store, ledger in
            await #expect(throws: ProviderDown.self) {
                _ = try await meter.run(Self.request) { _ -> MeteredResult<String> in throw ProviderDown() }
            }
            let state = try #require(try await store.state(of: "team-search"))
            #expect(state.held.cost == .zero && state.spent.cost == .zero)
            #expect(try await ledger.info().events == 0)
        }
    }

    @Test("no budget applies: the call runs and is recorded")
    func noBudget() async throws {
        try await Self.withMeter(budgetUSD: nil) { meter, _, ledger in
            let outcome = try await meter.run(Self.request) { _ in MeteredResult(1, usage: Self.tenCents) }
            guard case .completed(_, let receipt) = outcome else { Issue.record("refused"); return }
            #expect(receipt.decision.deciding == nil && receipt.decision.verdicts.isEmpty && receipt.cost.total == Money("0.10"))
            #expect(try await ledger.info().events == 1)
        }
    }
}
