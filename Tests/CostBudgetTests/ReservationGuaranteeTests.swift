import CostPricing
import Foundation
import Testing

@testable import CostBudget

/// The reservation guarantee when actuals exceed estimates (the exact-estimate guarantee runs on
/// both stores in CostSQLiteTests' budget store contract).
@Suite("Reservation guarantee under concurrency")
struct ReservationGuaranteeTests {
    typealias F = Fixture

    /// $100 limit, hard stop at 110%; throttling is off so that only money decides.
    static func store() async throws -> MemoryBudgetStore {
        let clock = TestClock(F.date("2026-05-10T12:00:00Z"))
        let store = MemoryBudgetStore(now: clock.function)
        try await store.setBudget(F.budget("guarded", profile: LadderProfile.standard.disabling([.throttling])))
        return store
    }

    struct Outcome: Sendable {
        var passed = 0
        /// The largest actual − estimate among committed requests.
        var largestOverrun = Money.zero
    }

    /// `tasks` concurrent callers, each sending `requests` critical requests of `estimate`, one at a
    /// time: reserve, yield (so that other callers' holds are open meanwhile), commit the actual.
    static func run(
        _ store: MemoryBudgetStore, tasks: Int, requests: Int, estimate: Money, maxOverrunUnits: UInt64
    ) async throws -> Outcome {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var outcome = Outcome()
                    let request = BudgetRequest(
                        provider: "acme", model: "acme-pro", estimate: BudgetCharge(cost: estimate), priority: .critical)
                    for i in 0..<requests {
                        let reservation = try await store.reserve(request, policy: BudgetPolicy())
                        guard let hold = reservation.hold else { continue }
                        await Task.yield()
                        // a deterministic spread of overruns over 0...max in 5,001 steps
                        let step = Int128((i &* 7_919 &+ task &* 104_729) % 5_001)
                        let overrun = Int128(maxOverrunUnits) * step / 5_000
                        let actual = Money(units: estimate.units + overrun)
                        _ = try await store.commit(hold, actual: BudgetCharge(cost: actual))
                        outcome.passed += 1
                        outcome.largestOverrun = max(outcome.largestOverrun, Money(units: overrun))
                    }
                    return outcome
                }
            }
            var total = Outcome()
            for try await outcome in group {
                total.passed += outcome.passed
                total.largestOverrun = max(total.largestOverrun, outcome.largestOverrun)
            }
            return total
        }
    }

    @Test("one caller with actuals above estimates: spend passes the hard stop by at most the largest overrun")
    func sequentialOverruns() async throws {
        let store = try await Self.store()
        let outcome = try await Self.run(
            store, tasks: 1, requests: 12_000, estimate: F.money("0.01"), maxOverrunUnits: 5_000_000_000_000_000)
        let spent = try #require(try await store.state(of: "guarded")).spent.cost
        let limit = F.money("110")
        #expect(outcome.largestOverrun > .zero)
        #expect(spent >= F.money("109.99"))  // the stop was reached: the next $0.01 would reach $110
        #expect(spent <= limit + outcome.largestOverrun)
    }

    @Test("16 tasks × 10,000 requests with actuals above estimates: the excess is bounded by the open holds' overruns")
    func concurrentOverruns() async throws {
        let store = try await Self.store()
        let maxOverrun: UInt64 = 5_000_000_000_000_000  // $0.005
        let outcome = try await Self.run(
            store, tasks: 16, requests: 10_000, estimate: F.money("0.01"), maxOverrunUnits: maxOverrun)
        let spent = try #require(try await store.state(of: "guarded")).spent.cost
        let limit = F.money("110")
        // at most one hold per task is open when the last request is admitted; each may overrun
        let bound = try limit.adding(outcome.largestOverrun.multiplied(by: 16))
        #expect(spent >= F.money("109.99"))
        #expect(spent <= bound)
        #expect(outcome.passed > 7_000)
        let excess = spent > limit ? spent - limit : .zero
        print("guarantee: 16×10,000, estimate $0.01, overrun up to $0.005: spent \(spent), excess over the hard stop \(excess), largest single overrun \(outcome.largestOverrun)")
    }
}
