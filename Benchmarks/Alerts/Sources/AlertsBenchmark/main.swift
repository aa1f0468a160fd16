// Reserve + commit against three budgets on MemoryBudgetStore, without and with a
// BudgetAlertMonitor noticing both steps (the Meter's pattern), then notice(budgets:) alone.
import CostBudget
import CostPricing
import Foundation

func microseconds(_ sorted: [UInt64], _ share: Double) -> String {
    String(format: "%.2f", Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * share))]) / 1000)
}

/// p50 and p99 of one reserve + commit, and the alerts delivered.
func measure(monitored: Bool, pairs: Int) async throws -> (p50: String, p99: String, alerts: Int) {
    let store = MemoryBudgetStore()
    let utc = TimeZone(identifier: "UTC") ?? .gmt
    // spend crosses warning (10%), notification (20%) and emergency (50%) during the run
    let ladder = try LadderProfile.custom([.warning: 10, .notification: 20, .emergency: 50, .hardStop: 1000])
    let cent = Money(units: 10_000_000_000_000_000)
    let limit = Money(units: cent.units * Int128(pairs))
    for (name, scope) in [("org", BudgetScope(.org("acme"))), ("team", BudgetScope(.team("search"))), ("user", BudgetScope(.user("ana")))] {
        await store.setBudget(try Budget(name: name, scope: scope, limit: .money(limit), period: .monthly(in: utc), profile: ladder))
    }
    let sink = MemoryAlertSink()
    let monitor = monitored ? BudgetAlertMonitor(budgets: store, history: MemoryAlertHistoryStore(), sinks: [sink]) : nil
    let request = BudgetRequest(
        provider: "openai", model: "gpt-4o", dimensions: UsageDimensions(org: "acme", team: "search", user: "ana"),
        estimate: BudgetCharge(cost: cent), priority: .critical)
    let policy = BudgetPolicy()
    var samples: [UInt64] = []
    samples.reserveCapacity(pairs)
    for _ in 0..<pairs {
        let start = DispatchTime.now().uptimeNanoseconds
        let reservation = try await store.reserve(request, policy: policy)
        if let hold = reservation.hold {
            monitor?.notice(budgets: hold.budgets)
            _ = try await store.commit(hold, actual: hold.charge)
            monitor?.notice(budgets: hold.budgets)
        }
        samples.append(DispatchTime.now().uptimeNanoseconds - start)
    }
    await monitor?.flush()
    samples.sort()
    return (microseconds(samples, 0.5), microseconds(samples, 0.99), await sink.alerts.count)
}

let pairs = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
for round in 1...2 {
    for monitored in [false, true] {
        let r = try await measure(monitored: monitored, pairs: pairs)
        print("round \(round), \(monitored ? "with a monitor   " : "without a monitor"): reserve + commit p50 \(r.p50) µs, p99 \(r.p99) µs, \(r.alerts) alerts")
    }
}
let monitor = BudgetAlertMonitor(budgets: MemoryBudgetStore(), history: MemoryAlertHistoryStore(), sinks: [])
let names = ["org", "team", "user"]
let calls = 1_000_000
let start = DispatchTime.now().uptimeNanoseconds
for _ in 0..<calls { monitor.notice(budgets: names) }
let elapsed = DispatchTime.now().uptimeNanoseconds - start
await monitor.flush()
print("notice(budgets:) with 3 names: \(String(format: "%.0f", Double(elapsed) / Double(calls))) ns a call")
