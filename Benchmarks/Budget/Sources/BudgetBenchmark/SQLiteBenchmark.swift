import CostBudget
import CostPricing
import CostSQLite
import Foundation

// reserve + commit against 3 applicable budgets (org monthly, team daily, user rolling 24 h) on one
// SQLiteBudgetStore file shared by PROCESSES processes (this executable, started again as children):
//
//   budget-benchmark sqlite PAIRS PROCESSES [full|process-crash] [--rate R] [--live memory]
//
// Each child times every pair and writes the latencies (nanoseconds, one a line) to a file; the
// parent merges them: p50, p99, p99.9 over all pairs, and pairs per second over the span in which
// the children ran.
//
// Without `--rate` each process runs its pairs back to back (a closed loop: the store saturated,
// every pair queued behind the other processes' transactions). With `--rate R` each process starts
// a pair every 1/R s (an open loop, R pairs per second per process), and a pair's latency runs from
// its scheduled start: a pair held up by a stall makes the pairs scheduled behind it late too, and
// their lateness is counted (no coordinated omission).
//
// `--live memory` opens the store with its live state (accounts, holds, rolling charges) in a
// memory-backed file (`SQLiteBudgetStore.LiveState.memoryBacked`, in /dev/shm here); the database
// file with the definitions stays in the temporary directory, and the children follow the choice.
enum SQLiteBenchmark {
    static func main(_ arguments: [String]) async throws {
        if arguments.first == "sqlite-child" {
            try await child(Array(arguments.dropFirst()))
            return
        }
        var rest = Array(arguments.dropFirst())
        var rate = 0
        if let flag = rest.firstIndex(of: "--rate") {
            guard flag + 1 < rest.count, let value = Int(rest[flag + 1]), value > 0 else {
                throw BenchmarkError(description: "--rate needs a positive number of pairs per second per process")
            }
            rate = value
            rest.removeSubrange(flag...(flag + 1))
        }
        var memoryBacked = false
        if let flag = rest.firstIndex(of: "--live") {
            guard flag + 1 < rest.count, ["memory", "database"].contains(rest[flag + 1]) else {
                throw BenchmarkError(description: "--live is memory or database")
            }
            memoryBacked = rest[flag + 1] == "memory"
            rest.removeSubrange(flag...(flag + 1))
        }
        let numbers = rest.compactMap { Int($0) }
        let pairs = numbers.first ?? 20_000
        let processes = numbers.count > 1 ? numbers[1] : 1
        let durability = arguments.contains("process-crash") ? "process-crash" : "full"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("budget-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("costctl.db").path
        let livePath = try await setUp(path, memoryBacked: memoryBacked)
        defer { if let livePath { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: livePath + suffix) } } }

        var children: [(Process, String)] = []
        for index in 0..<processes {
            let samples = directory.appendingPathComponent("samples-\(index).txt").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = ["sqlite-child", path, String(pairs), durability, samples, String(rate)]
            try process.run()
            children.append((process, samples))
        }
        var all: [Int64] = []
        var first = Double.infinity
        var last = 0.0
        for (process, samples) in children {
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchmarkError(description: "a child failed") }
            let lines = try String(contentsOfFile: samples, encoding: .utf8).split(separator: "\n")
            guard let span = lines.first?.split(separator: " "), span.count == 2,
                let start = Double(span[0]), let end = Double(span[1])
            else { throw BenchmarkError(description: "no span in \(samples)") }
            first = min(first, start)
            last = max(last, end)
            all += lines.dropFirst().compactMap { Int64($0) }
        }
        all.sort()
        func us(_ q: Double) -> String { String(format: "%.0f", Double(all[min(all.count - 1, Int(Double(all.count) * q))]) / 1000) }
        print(
            "SQLite reserve+commit, 3 budgets, \(processes) process(es)\(rate > 0 ? " at \(rate) pairs/s each (open loop)" : ""), synchronous=\(durability == "full" ? "FULL" : "NORMAL")\(livePath.map { ", live state in \($0)" } ?? ""), \(all.count) pairs: p50 \(us(0.5)) µs, p90 \(us(0.9)) µs, p99 \(us(0.99)) µs, p99.9 \(us(0.999)) µs, \(Int(Double(all.count) / (last - first))) pairs/s"
        )
    }

    static func budgets() throws -> [Budget] {
        guard let utc = TimeZone(identifier: "UTC") else { throw BenchmarkError(description: "no UTC zone") }
        let limit = BudgetLimit.money(try Money(dollars: 1_000_000_000))
        return [
            try Budget(name: "org", scope: BudgetScope(.org("acme")), limit: limit, period: .monthly(in: utc)),
            try Budget(name: "team", scope: BudgetScope(.team("growth")), limit: limit, period: .daily(in: utc)),
            try Budget(name: "user", scope: BudgetScope(.user("ana")), limit: limit, period: .rolling(hours: 24)),
        ]
    }

    /// Creates the budgets; returns the memory-backed live file, if any.
    static func setUp(_ path: String, memoryBacked: Bool) async throws -> String? {
        let store = try SQLiteBudgetStore(
            path: path, liveState: memoryBacked ? .memoryBacked(directory: SQLiteBudgetStore.defaultMemoryDirectory) : .inDatabase)
        for budget in try budgets() { try await store.setBudget(budget) }
        return store.liveStatePath
    }

    /// How long before a pair is due an open-loop process stops sleeping and spins on the clock
    /// (`BUDGET_BENCH_SPIN_US`); unset, it spins all the time.
    static var spinMarginMicroseconds: Int64? {
        ProcessInfo.processInfo.environment["BUDGET_BENCH_SPIN_US"].flatMap { Int64($0) }
    }

    /// One process: warm up, then time `pairs` reserve + commit pairs.
    static func child(_ arguments: [String]) async throws {
        guard arguments.count == 5, let pairs = Int(arguments[1]),
            let durability = SQLiteBudgetStore.Durability(rawValue: arguments[2]), let rate = Int(arguments[4])
        else { throw BenchmarkError(description: "sqlite-child PATH PAIRS DURABILITY SAMPLES RATE") }
        let store = try SQLiteBudgetStore(path: arguments[0], durability: durability)
        guard let estimate = Money("0.01") else { throw BenchmarkError(description: "no estimate") }
        let request = BudgetRequest(
            provider: "openai", model: "gpt-4o", dimensions: UsageDimensions(org: "acme", team: "growth", user: "ana"),
            estimate: BudgetCharge(cost: estimate))
        let policy = BudgetPolicy()
        let clock = ContinuousClock()
        func pair(from start: ContinuousClock.Instant) async throws -> Int64 {
            let reservation = try await store.reserve(request, policy: policy)
            guard let hold = reservation.hold else { throw BenchmarkError(description: "refused: \(reservation.decision.summary)") }
            guard hold.budgets.count == 3 else { throw BenchmarkError(description: "\(hold.budgets.count) budgets applied, not 3") }
            _ = try await store.commit(hold, actual: hold.charge)
            let (s, atto) = (clock.now - start).components
            return s * 1_000_000_000 + atto / 1_000_000_000
        }
        for _ in 0..<(pairs / 10) { _ = try await pair(from: clock.now) }
        var samples: [Int64] = []
        samples.reserveCapacity(pairs)
        let began = Date().timeIntervalSince1970
        if rate > 0 {
            // Open loop: pair i is due at first + i/rate. The wait before it spins on the clock:
            // a sleep would let this VM's idle virtual CPU be descheduled, and its wake-up, late by
            // up to milliseconds, would be counted as the store's latency. Spinning all the time
            // keeps both of this machine's two cores busy with two processes, though, so that every
            // other thread (the kernel's, a checkpoint's) takes its time from a pair:
            // `BUDGET_BENCH_SPIN_US=500` sleeps until 500 µs before a pair is due, then spins.
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            let margin = Self.spinMarginMicroseconds.map { Duration.microseconds($0) }
            let first = clock.now
            for i in 0..<pairs {
                let due = first + interval * i
                if let margin {
                    let (seconds, attoseconds) = (due - margin - clock.now).components
                    if seconds > 0 || attoseconds > 0 {
                        usleep(UInt32(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
                    }
                }
                while clock.now < due {}
                samples.append(try await pair(from: due))
            }
        } else {
            for _ in 0..<pairs { samples.append(try await pair(from: clock.now)) }
        }
        var text = "\(began) \(Date().timeIntervalSince1970)\n"
        for sample in samples { text += "\(sample)\n" }
        try text.write(toFile: arguments[3], atomically: true, encoding: .utf8)
    }
}
