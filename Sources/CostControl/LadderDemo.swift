public import CostBudget
public import CostPricing
public import Foundation
import Synchronization

/// The `Meter` walked up the whole budget ladder: a $1.00 monthly budget, a fake provider, and
/// calls whose spend grows through warning, notification, throttling (with a wait), model
/// downgrade, provider switch, request queue (background deferred, normal passes), emergency (only
/// critical passes) and hard stop. Used by the `meter-ladder` example and its test.
///
/// Everything runs in memory on a simulated clock (2026-03-10 12:00 UTC; a throttle wait moves the
/// clock instead of sleeping): a `MemoryBudgetStore`, a `MemoryUsageLedger`, and a price catalog
/// built from ``catalogJSON`` with capability classes, quality scores and fixed prices the walk relies on.
///
/// For example:
/// ```swift
/// let walk = try await LadderDemo().run()
/// for call in walk.calls { print(call.number, call.level?.description ?? "-", call.action) }
/// ```
public struct LadderDemo: Sendable {
    /// One call of the walk: what was asked and what the meter did.
    public struct Call: Sendable, Hashable {
        public var number: Int
        public var priority: RequestPriority
        /// `provider/model` asked for.
        public var requested: String
        /// The estimate on the requested model.
        public var estimate: Money
        /// The level the request reached (spent + held + its estimate).
        public var level: LadderLevel?
        public var action: BudgetAction
        /// `provider/model` called, `nil` when refused.
        public var modelUsed: String?
        /// What the call cost, `nil` when refused.
        public var cost: Money?
        /// Committed spend after the call, and its share of the limit.
        public var spentAfter: Money
        public var utilizationAfter: Double
        /// What the program did about it (a wait before a retry).
        public var note: String

        public var passed: Bool { modelUsed != nil }
    }

    /// The walk's outcome.
    public struct Walk: Sendable {
        public var calls: [Call]
        /// Alerts in the order they were delivered.
        public var alerts: [BudgetAlert]
        /// Where the budget stands at the end.
        public var projection: BudgetProjection
        public var budget: Budget
    }

    /// A planned call: its cost on acme-large, in cents, and its priority.
    public struct Step: Sendable, Hashable {
        public var cents: Int
        public var priority: RequestPriority

        public init(cents: Int, priority: RequestPriority = .normal) {
            self.cents = cents
            self.priority = priority
        }
    }

    /// A custom catalog (the documented `costctl-catalog` format) whose three models share the
    /// capability class `general-chat`: acme-large $2/$8 per million input/output tokens,
    /// acme-small $0.40/$1.60 (a fifth), globex-chat $1/$4 (a half).
    public static let catalogJSON = """
        {"format": "costctl-catalog", "version": 1, "providers": [
          {"id": "acme", "name": "Acme AI", "models": [
            {"id": "acme-large", "capability_class": "general-chat", "quality_score": 0.9, "prices": {"input_mtok": "2", "output_mtok": "8"}},
            {"id": "acme-small", "capability_class": "general-chat", "quality_score": 0.7, "prices": {"input_mtok": "0.4", "output_mtok": "1.6"}}
          ]},
          {"id": "globex", "name": "Globex", "models": [
            {"id": "globex-chat", "capability_class": "general-chat", "quality_score": 0.85, "prices": {"input_mtok": "1", "output_mtok": "4"}}
          ]}
        ]}
        """

    /// The standard walk on a $1.00 budget (cumulative spend in brackets): $0.50 (50%), $0.20
    /// (70% warning), $0.10 (80% notification), $0.10 (90% throttling, the one token), $0.01
    /// (throttled: wait, retry), $0.05 (96% → acme-small at $0.01), $0.07 (99% → globex-chat at
    /// $0.035), $0.05 background (100.5%: queued), $0.05 normal (passes), $0.05 normal (105.5%:
    /// refused), $0.05 critical (passes), $0.05 critical (110.5%: hard stop).
    public static let standardSteps: [Step] = [
        Step(cents: 50), Step(cents: 20), Step(cents: 10), Step(cents: 10), Step(cents: 1), Step(cents: 5),
        Step(cents: 7), Step(cents: 5, priority: .background), Step(cents: 5), Step(cents: 5),
        Step(cents: 5, priority: .critical), Step(cents: 5, priority: .critical),
    ]

    public var steps: [Step]
    public var start: Date

    public init(steps: [Step] = LadderDemo.standardSteps, start: Date = Date(timeIntervalSince1970: 1_773_144_000)) {
        self.steps = steps
        self.start = start
    }

    /// The usage that costs `cents` on acme-large: input and output tokens 4 to 1 ($16 per million
    /// output tokens with their input), so 625 output tokens a cent.
    public static func usage(cents: Int) -> Usage {
        Usage(inputTokens: cents * 2_500, outputTokens: cents * 625)
    }

    /// Runs the walk.
    ///
    /// - throws: ``PricingError`` or ``BudgetError`` (not expected with the built-in catalog).
    public func run() async throws -> Walk {
        let clock = DemoClock(start)
        let now: @Sendable () -> Date = { clock.now }
        let catalog = try PriceCatalog(file: CatalogFile.decode(Data(Self.catalogJSON.utf8), origin: "meter-ladder"))
        let engine = CostEngine(catalog: catalog)
        let store = MemoryBudgetStore(now: now)
        let budget = try Budget(
            name: "team-demo", scope: BudgetScope(.team("demo")), limit: .money(Money(dollars: 1)),
            period: .monthly(in: TimeZone(identifier: "UTC") ?? .gmt),
            throttle: ThrottleRate(requests: 1, per: .seconds(2), burst: 1))
        await store.setBudget(budget)
        let ledger = MemoryUsageLedger(configuration: LedgerConfiguration(engine: engine, now: now))
        let sink = MemoryAlertSink()
        let monitor = BudgetAlertMonitor(budgets: store, history: MemoryAlertHistoryStore(), sinks: [sink], now: now)
        let meter = Meter(
            budgets: store, ledger: ledger, engine: engine, policy: BudgetPolicy(alternatives: try ModelAlternatives(catalog: catalog)),
            alerts: monitor, now: now)

        var calls: [Call] = []
        for step in steps {
            var note = ""
            while true {
                let usage = Self.usage(cents: step.cents)
                let request = MeteredRequest(
                    provider: "acme", model: "acme-large", estimate: usage, dimensions: UsageDimensions(team: "demo", user: "sam"),
                    priority: step.priority, permittedProviders: ["globex"])
                // the fake provider: answers at once and reports exactly the estimated tokens
                let outcome = try await meter.run(request) { call in
                    MeteredResult("reply from \(call.provider)/\(call.model)", usage: usage)
                }
                await monitor.flush()
                let state = try await store.state(of: budget.name)
                var row = Call(
                    number: calls.count + 1, priority: step.priority, requested: "acme/acme-large",
                    estimate: Money(units: Int128(step.cents) * 10_000_000_000_000_000), level: nil, action: .allow,
                    modelUsed: nil, cost: nil, spentAfter: state?.spent.cost ?? .zero, utilizationAfter: state?.utilization ?? 0,
                    note: note)
                switch outcome {
                case .completed(_, let receipt):
                    row.level = receipt.decision.deciding?.level
                    row.action = receipt.decision.action
                    row.modelUsed = "\(receipt.provider)/\(receipt.model)"
                    row.cost = receipt.cost.total
                    calls.append(row)
                case .refused(let decision):
                    row.level = decision.deciding?.level
                    row.action = decision.action
                    if case .throttle(let wait) = decision.action, wait > .zero {
                        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
                        row.note = "waits \(seconds)s, then retries"
                        calls.append(row)
                        clock.advance(by: seconds)
                        note = "retry after the wait"
                        continue
                    }
                    calls.append(row)
                case .noKey(let selection):
                    // this demo's meter has no key pools; a meter with them could land here
                    row.note = selection.summary
                    calls.append(row)
                }
                break
            }
        }
        guard let state = try await store.state(of: budget.name) else {
            throw BudgetError(code: .invalidBudget, message: "budget '\(budget.name)' disappeared during the demo")
        }
        let projection = try await ledger.projection(of: state, at: clock.now)
        return Walk(calls: calls, alerts: await sink.alerts, projection: projection, budget: budget)
    }
}

/// The demo's simulated clock: read by the store, the ledger, the meter and the monitor; moved by
/// the walk when a throttle says wait.
private final class DemoClock: Sendable {
    private let value: Mutex<Date>

    init(_ start: Date) { value = Mutex(start) }

    var now: Date { value.withLock { $0 } }

    func advance(by seconds: Double) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
