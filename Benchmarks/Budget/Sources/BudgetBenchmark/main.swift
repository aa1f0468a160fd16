import CostBudget
import CostPricing
import Dispatch
import Foundation
import Synchronization

// reserve + commit against 3 applicable budgets (org monthly, team daily, user rolling 24 h):
//   budget-benchmark PAIRS CALLERS [threads|tasks] [STORES]
// threads: CALLERS OS threads call the synchronous reserveNow/commitNow;
// tasks:   CALLERS concurrent tasks call the async BudgetStore API (what the Meter uses).
// STORES (default 1): callers are spread over this many stores, each with its own 3 budgets
// (independent budget sets); 1 means every caller shares the same 3 budgets.
// Prints p50/p99 of each pair's latency and pairs per second over the timed part.

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

// `sqlite …` and `sqlite-child …`: the SQLite store shared between processes (SQLiteBenchmark.swift)
if let first = CommandLine.arguments.dropFirst().first, first.hasPrefix("sqlite") {
    try await SQLiteBenchmark.main(Array(CommandLine.arguments.dropFirst()))
    exit(0)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let pairs = arguments.first.flatMap { Int($0) } ?? 200_000
let callers = max(1, arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1)
let mode = arguments.count > 2 ? arguments[2] : "threads"
let storeCount = max(1, arguments.count > 3 ? Int(arguments[3]) ?? 1 : 1)
let perCaller = pairs / callers
let warmup = max(1, perCaller / 10)

guard let utc = TimeZone(identifier: "UTC"), let estimate = Money("0.01") else {
    throw BenchmarkError(description: "no UTC zone")
}
let limit = BudgetLimit.money(try Money(dollars: 1_000_000_000))
let request = BudgetRequest(
    provider: "openai", model: "gpt-4o", dimensions: UsageDimensions(org: "acme", team: "growth", user: "ana"),
    estimate: BudgetCharge(cost: estimate))
let policy = BudgetPolicy()

/// Runs an async body to completion from this synchronous program (no async main, so the
/// benchmark also runs under valgrind).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<T, any Error>?>(nil)
    Task.detached {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    guard let outcome = result.withLock({ $0 }) else { throw BenchmarkError(description: "no result") }
    return try outcome.get()
}

let stores: [MemoryBudgetStore] = try blocking {
    var made: [MemoryBudgetStore] = []
    for _ in 0..<storeCount {
        let store = MemoryBudgetStore()
        try await store.setBudget(Budget(name: "org", scope: BudgetScope(.org("acme")), limit: limit, period: .monthly(in: utc)))
        try await store.setBudget(Budget(name: "team", scope: BudgetScope(.team("growth")), limit: limit, period: .daily(in: utc)))
        try await store.setBudget(Budget(name: "user", scope: BudgetScope(.user("ana")), limit: limit, period: .rolling(hours: 24)))
        made.append(store)
    }
    return made
}

/// Nanoseconds on the monotonic clock.
@Sendable func nanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// Callers whose last hold was on a stripe of the store (the table nibble of the hold id, the
/// upper half of its fifth byte, is not 0): the store stripes its headroom once callers contend.
let stripedCallers = Atomic<Int>(0)

/// One caller's loop on the synchronous API.
@Sendable func syncCaller(_ store: MemoryBudgetStore, _ count: Int, record: Bool) throws -> [UInt64] {
    var samples: [UInt64] = []
    samples.reserveCapacity(record ? count : 0)
    var last: UUID?
    for _ in 0..<count {
        let start = nanos()
        let reservation = try store.reserveNow(request, policy: policy)
        guard let hold = reservation.hold else { throw BenchmarkError(description: "refused: \(reservation.decision.summary)") }
        _ = try store.commitNow(hold, actual: hold.charge)
        if record { samples.append(nanos() &- start) }
        last = hold.id
    }
    if record, let last, last.uuid.4 >> 4 != 0 { stripedCallers.add(1, ordering: .relaxed) }
    return samples
}

/// One caller's loop on the async `BudgetStore` API, through an existential as the Meter holds it.
@Sendable func asyncCaller(_ store: any BudgetStore, _ count: Int, record: Bool) async throws -> [UInt64] {
    var samples: [UInt64] = []
    samples.reserveCapacity(record ? count : 0)
    for _ in 0..<count {
        let start = nanos()
        let reservation = try await store.reserve(request, policy: policy)
        guard let hold = reservation.hold else { throw BenchmarkError(description: "refused: \(reservation.decision.summary)") }
        _ = try await store.commit(hold, actual: hold.charge)
        if record { samples.append(nanos() &- start) }
    }
    return samples
}

/// CALLERS threads started together; each thread's samples and the wall time from the start
/// signal to the last thread's end.
func runThreads() throws -> (samples: [UInt64], elapsed: UInt64) {
    let ready = Atomic<Int>(0)
    let go = Atomic<Bool>(false)
    let results = Mutex<[Result<[UInt64], any Error>]>([])
    let finished = DispatchSemaphore(value: 0)
    for index in 0..<callers {
        let store = stores[index % stores.count]
        let thread = Thread {
            let outcome: Result<[UInt64], any Error>
            do {
                _ = try syncCaller(store, warmup, record: false)
                ready.add(1, ordering: .acquiringAndReleasing)
                while !go.load(ordering: .acquiring) { sched_yield() }
                outcome = .success(try syncCaller(store, perCaller, record: true))
            } catch {
                ready.add(1, ordering: .acquiringAndReleasing)
                outcome = .failure(error)
            }
            results.withLock { $0.append(outcome) }
            finished.signal()
        }
        thread.start()
    }
    while ready.load(ordering: .acquiring) < callers { sched_yield() }
    let started = nanos()
    go.store(true, ordering: .releasing)
    for _ in 0..<callers { finished.wait() }
    let elapsed = nanos() &- started
    var all: [UInt64] = []
    for outcome in results.withLock({ $0 }) { all += try outcome.get() }
    return (all, elapsed)
}

func runTasks() throws -> (samples: [UInt64], elapsed: UInt64) {
    try blocking {
        for index in 0..<callers { _ = try await asyncCaller(stores[index % stores.count], warmup, record: false) }
        let started = nanos()
        let all = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for index in 0..<callers {
                let store = stores[index % stores.count]
                group.addTask { try await asyncCaller(store, perCaller, record: true) }
            }
            var all: [UInt64] = []
            for try await part in group { all += part }
            return all
        }
        return (all, nanos() &- started)
    }
}

let (samples, elapsed) = try mode == "tasks" ? runTasks() : runThreads()
let sorted = samples.sorted()
func micros(_ ns: UInt64) -> String { String(format: "%.2f", Double(ns) / 1_000) }
let rate = Int(Double(sorted.count) / (Double(elapsed) / 1e9))
print(
    "reserve+commit, 3 budgets, \(callers) \(mode == "tasks" ? "task(s)" : "thread(s)"), \(stores.count) store(s), "
        + "\(sorted.count) pairs: p50 \(micros(sorted[sorted.count / 2])) µs, p99 \(micros(sorted[sorted.count * 99 / 100])) µs, "
        + "\(rate) pairs/s" + (mode == "tasks" ? "" : ", \(stripedCallers.load(ordering: .relaxed))/\(callers) callers on stripes"))
