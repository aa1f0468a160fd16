import CostBudget
import CostPricing
import Foundation

// reserve + commit against 3 applicable budgets (org monthly, team daily, user rolling 24 h) on one
// MemoryBudgetStore, by CALLERS concurrent tasks; latency of each pair, and pairs per second.

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

// `sqlite …` and `sqlite-child …`: the SQLite store shared between processes (SQLiteBenchmark.swift)
if let mode = CommandLine.arguments.dropFirst().first, mode.hasPrefix("sqlite") {
    try await SQLiteBenchmark.main(Array(CommandLine.arguments.dropFirst()))
    exit(0)
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let pairs = arguments.first ?? 200_000
let callers = arguments.count > 1 ? arguments[1] : 1
let warmup = pairs / 10

guard let utc = TimeZone(identifier: "UTC"), let estimate = Money("0.01") else {
    throw BenchmarkError(description: "no UTC zone")
}
let store = MemoryBudgetStore()
let limit = BudgetLimit.money(try Money(dollars: 1_000_000_000))
try await store.setBudget(Budget(name: "org", scope: BudgetScope(.org("acme")), limit: limit, period: .monthly(in: utc)))
try await store.setBudget(Budget(name: "team", scope: BudgetScope(.team("growth")), limit: limit, period: .daily(in: utc)))
try await store.setBudget(Budget(name: "user", scope: BudgetScope(.user("ana")), limit: limit, period: .rolling(hours: 24)))
let request = BudgetRequest(
    provider: "openai", model: "gpt-4o", dimensions: UsageDimensions(org: "acme", team: "growth", user: "ana"),
    estimate: BudgetCharge(cost: estimate))
let policy = BudgetPolicy()

/// One caller's loop, off the main actor so that calls into the store do not hop threads.
@Sendable func caller(_ count: Int, record: Bool) async throws -> [Duration] {
    let clock = ContinuousClock()
    var samples: [Duration] = []
    samples.reserveCapacity(record ? count : 0)
    for _ in 0..<count {
        let start = clock.now
        let reservation = try await store.reserve(request, policy: policy)
        guard let hold = reservation.hold else { throw BenchmarkError(description: "refused: \(reservation.decision.summary)") }
        _ = try await store.commit(hold, actual: hold.charge)
        if record { samples.append(clock.now - start) }
    }
    return samples
}

_ = try await Task.detached { try await caller(warmup, record: false) }.value
let wall = ContinuousClock()
let started = wall.now
let per = pairs / callers
let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
    for _ in 0..<callers { group.addTask { try await caller(per, record: true) } }
    var all: [Duration] = []
    for try await part in group { all += part }
    return all
}
let elapsed = wall.now - started
let sorted = samples.sorted()
func micros(_ d: Duration) -> String {
    let (s, atto) = d.components
    return String(format: "%.2f", Double(s) * 1e6 + Double(atto) / 1e12)
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("reserve+commit, 3 budgets, \(callers) caller(s), \(sorted.count) pairs: p50 \(micros(sorted[sorted.count / 2])) µs, p99 \(micros(sorted[sorted.count * 99 / 100])) µs, \(Int(Double(sorted.count) / seconds)) pairs/s")
