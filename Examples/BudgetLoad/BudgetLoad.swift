// A load generator for the SQLite budget store: one process that reserves and commits against one
// budget in a loop, as a service would, and reports what it committed. Start several at once on
// one database to see that together they never pass the hard stop.
//
//   swift run budget-load --db /tmp/b.db --create 1 --budget load             # a $1 budget, hard stop $1.10
//   swift run budget-load --db /tmp/b.db --budget load --requests 2000 --estimate 0.001 &
//   swift run budget-load --db /tmp/b.db --budget load --requests 2000 --estimate 0.001
//   swift run budget-load --db /tmp/b.db --budget load --hold 5 --ttl 2     # hold, then wait to be killed
//
// Each loop prints one JSON line: {"pid", "passed", "refused", "committed", "p50_us", "p99_us"}.
// `budget-load keys …` does the same against a shared key pool (KeyLoad.swift).
// The tests (CostSQLiteTests, "Two processes") run it as their child processes.
import CostBudget
import CostPricing
import CostSQLite
import Foundation

struct Options {
    var database = ""
    var budget = "load"
    var create: Money?
    var requests = 1_000
    var estimate = Money(units: 1_000_000_000_000_000)  // $0.001
    var ttl = 300.0
    var hold = 0
    var durability = SQLiteBudgetStore.Durability.full

    init(_ arguments: [String]) throws {
        var rest = Arguments(arguments)
        while let flag = rest.next() {
            switch flag {
            case "--db": database = try rest.value(flag)
            case "--budget": budget = try rest.value(flag)
            case "--create":
                let text = try rest.value(flag)
                guard let limit = Money(text) else { throw LoadError("--create takes a dollar amount, not '\(text)'") }
                create = limit
            case "--requests": requests = try Int(rest.value(flag)) ?? requests
            case "--estimate":
                let text = try rest.value(flag)
                guard let money = Money(text) else { throw LoadError("--estimate takes a dollar amount, not '\(text)'") }
                estimate = money
            case "--ttl": ttl = try Double(rest.value(flag)) ?? ttl
            case "--hold": hold = try Int(rest.value(flag)) ?? hold
            case "--durability":
                let text = try rest.value(flag)
                guard let d = SQLiteBudgetStore.Durability(rawValue: text) else { throw LoadError("--durability is full or process-crash") }
                durability = d
            default: throw LoadError("unknown option '\(flag)'; see the comment at the top of BudgetLoad.swift")
            }
        }
        guard !database.isEmpty else { throw LoadError("--db PATH is required") }
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The command line, flag by flag.
struct Arguments {
    private var rest: ArraySlice<String>

    init(_ arguments: [String]) { rest = arguments[...] }

    mutating func next() -> String? { rest.popFirst() }

    /// The value after `flag`.
    mutating func value(_ flag: String) throws -> String {
        guard let next = rest.popFirst() else { throw LoadError("\(flag) needs a value") }
        return next
    }
}

/// The `index`-th of sorted latencies in microseconds (0 when there are none).
func micros(_ samples: [Duration], _ index: Int) -> Int {
    guard !samples.isEmpty else { return 0 }
    let (s, atto) = samples[min(index, samples.count - 1)].components
    return Int(s) * 1_000_000 + Int(atto / 1_000_000_000_000)
}

@main
struct BudgetLoad {
    static func main() async {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "keys" {
                try await KeyLoad.run(KeyLoadOptions(Array(arguments.dropFirst())))
            } else {
                try await run(Options(arguments))
            }
        } catch {
            FileHandle.standardError.write(Data("budget-load: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: Options) async throws {
        let store = try SQLiteBudgetStore(path: options.database, durability: options.durability)
        if let limit = options.create {
            // only money decides: throttling is off, the hard stop is at 110%
            try await store.setBudget(
                Budget(
                    name: options.budget, limit: .money(limit), period: .rolling(days: 3650),
                    profile: LadderProfile.standard.disabling([.throttling])))
            return
        }
        let request = BudgetRequest(
            provider: "load", model: "load", dimensions: UsageDimensions(team: "load"),
            estimate: BudgetCharge(cost: options.estimate, tokens: 0, requests: 1), priority: .critical)
        let pid = ProcessInfo.processInfo.processIdentifier
        if options.hold > 0 {
            for _ in 0..<options.hold {
                _ = try await store.reserve(request, policy: BudgetPolicy(), ttl: .seconds(options.ttl))
            }
            // unbuffered, so that the parent reads it while this process sleeps
            FileHandle.standardOutput.write(Data("{\"pid\":\(pid),\"held\":\(options.hold)}\n".utf8))
            try await Task.sleep(for: .seconds(3600))  // until killed
            return
        }
        var passed = 0
        var refused = 0
        var committed = Money.zero
        var samples: [Duration] = []
        samples.reserveCapacity(options.requests)
        let clock = ContinuousClock()
        for _ in 0..<options.requests {
            let start = clock.now
            let reservation = try await store.reserve(request, policy: BudgetPolicy(), ttl: .seconds(options.ttl))
            guard let hold = reservation.hold else {
                refused += 1
                continue
            }
            _ = try await store.commit(hold, actual: hold.charge)
            samples.append(clock.now - start)
            passed += 1
            committed = try committed.adding(hold.charge.cost)
        }
        samples.sort()
        print(
            "{\"pid\":\(pid),\"passed\":\(passed),\"refused\":\(refused),\"committed\":\"\(committed.decimalString)\",\"p50_us\":\(micros(samples, samples.count / 2)),\"p99_us\":\(micros(samples, samples.count * 99 / 100))}"
        )
    }
}
