import CostPricing
import Foundation
import Testing

@testable import CostBudget

/// The alert monitor over the in-memory budget store and history: crossings, dedupe, cool-down,
/// periods, restarts, failing sinks.
@Suite("BudgetAlertMonitor")
struct BudgetAlertMonitorTests {
    typealias F = Fixture
    static let start = F.date("2026-03-10T12:00:00Z")

    struct Rig {
        let clock = TestClock(BudgetAlertMonitorTests.start)
        let store: MemoryBudgetStore
        let history = MemoryAlertHistoryStore()
        let sink = MemoryAlertSink()
        let monitor: BudgetAlertMonitor

        init(budget: Budget, coolDown: Duration = .seconds(3600)) async {
            store = MemoryBudgetStore(now: clock.function)
            await store.setBudget(budget)
            monitor = BudgetAlertMonitor(budgets: store, history: history, sinks: [sink], coolDown: coolDown, now: clock.function)
        }

        /// Reserves and commits `dollars` as a critical request (passes everything but hard stop),
        /// notices the budget and waits for the monitor.
        func spend(_ dollars: String) async throws {
            let request = BudgetRequest(
                provider: "acme", model: "acme-pro", estimate: BudgetCharge(cost: F.money(dollars)), priority: .critical)
            let reservation = try await store.reserve(request, policy: BudgetPolicy())
            let hold = try #require(reservation.hold)
            monitor.notice(reservation.decision)
            _ = try await store.commit(hold, actual: hold.charge)
            monitor.notice(budgets: hold.budgets)
            await monitor.flush()
        }

        func state(_ spent: String, held: String = "0") async throws -> BudgetState {
            let budget = try #require(await store.budgets().first)
            return BudgetState(
                budget: budget, window: budget.period.window(containing: clock.now),
                spent: BudgetCharge(cost: F.money(spent)), held: BudgetCharge(cost: F.money(held)))
        }
    }

    @Test("spend growing through the ladder sends exactly one alert per level, with its severity")
    func ladder() async throws {
        let rig = await Rig(budget: try F.budget(dollars: 100))
        try await rig.spend("50")
        #expect(await rig.sink.alerts.isEmpty)
        // 70, 75, 80, 90, 92, 95, 98, 100, 105, 109.99 (a request reaching hard stop is refused, so spend stays below it)
        for dollars in ["20", "5", "5", "10", "2", "3", "3", "2", "5", "4.99"] {
            try await rig.spend(dollars)
        }
        let alerts = await rig.sink.alerts
        #expect(alerts.map(\.level) == [.warning, .notification, .throttling, .modelDowngrade, .providerSwitch, .requestQueue, .emergency])
        #expect(alerts.map(\.severity) == [.info, .info, .warning, .warning, .warning, .critical, .critical])
        #expect(alerts.allSatisfy { !$0.isRepeat && $0.period == PeriodWindow(start: F.date("2026-03-01T00:00:00Z"), end: F.date("2026-04-01T00:00:00Z")) })
        #expect(alerts.first?.message == "budget 'b' (global) reached warning (70%): $70.00 of $100.00 (70.0%)")
        #expect(try await rig.history.alerts().count == 7)
        #expect(await rig.monitor.failures == 0)
    }

    @Test("a jump over several levels sends one alert, for the highest")
    func jump() async throws {
        let rig = await Rig(budget: try F.budget(dollars: 100))
        try await rig.spend("101")
        #expect(await rig.sink.alerts.map(\.level) == [.requestQueue])
        // the levels jumped over do not alert later in the period
        try await rig.spend("1")
        #expect(await rig.sink.alerts.count == 1)
    }

    @Test("falling below and crossing again: suppressed within the cool-down, a repeat after it")
    func coolDown() async throws {
        let rig = await Rig(budget: try F.budget(dollars: 100))
        #expect(try await rig.monitor.observe(rig.state("72")).map(\.level) == [.warning])
        #expect(try await rig.monitor.observe(rig.state("60")).isEmpty)
        rig.clock.advance(by: 59 * 60)
        #expect(try await rig.monitor.observe(rig.state("60", held: "12")).isEmpty)
        #expect(try await rig.monitor.observe(rig.state("60")).isEmpty)
        rig.clock.advance(by: 60)
        let again = try await rig.monitor.observe(rig.state("71"))
        #expect(again.map(\.level) == [.warning] && again.first?.isRepeat == true)
        #expect(again.first?.message.contains("reached warning (70%) again") == true)
        // staying at the level sends nothing more
        rig.clock.advance(by: 7200)
        #expect(try await rig.monitor.observe(rig.state("75")).isEmpty)
        #expect(await rig.sink.alerts.count == 2)
    }

    @Test("a new period re-arms every level")
    func newPeriod() async throws {
        let rig = await Rig(budget: try F.budget(dollars: 100))
        #expect(try await rig.monitor.observe(rig.state("85")).map(\.level) == [.notification])
        rig.clock.set(F.date("2026-04-01T00:05:00Z"))
        let april = try await rig.monitor.observe(rig.state("85"))
        #expect(april.map(\.level) == [.notification] && april.first?.isRepeat == false)
        #expect(april.first?.periodStart == F.date("2026-04-01T00:00:00Z"))
    }

    @Test("a restarted monitor takes the levels already alerted in the period from the history")
    func restart() async throws {
        let rig = await Rig(budget: try F.budget(dollars: 100))
        try await rig.spend("91")
        #expect(await rig.sink.alerts.map(\.level) == [.throttling])
        rig.clock.advance(by: 3 * 3600)
        let sink = MemoryAlertSink()
        let restarted = BudgetAlertMonitor(budgets: rig.store, history: rig.history, sinks: [sink], now: rig.clock.function)
        restarted.notice(budgets: ["b"])
        await restarted.flush()
        #expect(await sink.alerts.isEmpty)
        // but a higher level is a crossing
        #expect(try await restarted.observe(rig.state("96")).map(\.level) == [.modelDowngrade])
    }

    @Test("rolling windows: one period, so a level alerts again only after the cool-down")
    func rolling() async throws {
        let rig = await Rig(budget: try F.budget(dollars: 100, period: .rolling(hours: 24)), coolDown: .seconds(600))
        let first = try await rig.monitor.observe(rig.state("80"))
        #expect(first.map(\.level) == [.notification] && first.first?.period == nil)
        #expect(try await rig.monitor.observe(rig.state("10")).isEmpty)
        #expect(try await rig.monitor.observe(rig.state("80")).isEmpty)
        rig.clock.advance(by: 600)
        #expect(try await rig.monitor.observe(rig.state("10")).isEmpty)
        #expect(try await rig.monitor.observe(rig.state("80")).first?.isRepeat == true)
    }

    @Test("a failing sink is counted; the alert is stored and the other sinks still get it")
    func failingSink() async throws {
        struct Down: AlertSink {
            struct Failure: Error, CustomStringConvertible { var description: String { "webhook returned 503" } }
            func deliver(_ alert: BudgetAlert) async throws { throw Failure() }
        }
        let store = MemoryBudgetStore(now: TestClock(Self.start).function)
        await store.setBudget(try F.budget(dollars: 100))
        let history = MemoryAlertHistoryStore()
        let sink = MemoryAlertSink()
        let monitor = BudgetAlertMonitor(budgets: store, history: history, sinks: [Down(), sink], now: { Self.start })
        let budget = try F.budget(dollars: 100)
        let state = BudgetState(
            budget: budget, window: budget.period.window(containing: Self.start), spent: BudgetCharge(cost: F.money("99")),
            held: .zero)
        #expect(try await monitor.observe(state).map(\.level) == [.providerSwitch])
        #expect(await sink.alerts.count == 1)
        #expect(try await history.alerts().count == 1)
        #expect(await monitor.failures == 1)
        #expect(await monitor.lastFailure == "alert sink: webhook returned 503")
    }

    @Test("budgets outside a custom range, removed budgets and unknown names send nothing")
    func nothingToSay() async throws {
        let rig = await Rig(
            budget: try F.budget(dollars: 100, period: .custom(start: F.date("2026-04-01T00:00:00Z"), end: F.date("2026-05-01T00:00:00Z"))))
        #expect(try await rig.monitor.observe(rig.state("99")).isEmpty)
        rig.monitor.notice(budgets: ["b", "no-such-budget"])
        await rig.monitor.flush()
        #expect(await rig.sink.alerts.isEmpty)
        #expect(await rig.monitor.failures == 0)
    }
}
