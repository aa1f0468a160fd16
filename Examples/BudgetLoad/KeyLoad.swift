// `budget-load keys`: one process that acquires a key of a shared pool and reports a success, in
// a loop, as a service would. Start several at once on one database to see that together they
// never hand a key out past its quota.
//
//   swift run budget-load keys --db /tmp/k.db --create 3 --quota 100   # keys k1…k3, 100 requests a day each
//   swift run budget-load keys --db /tmp/k.db --requests 200 &
//   swift run budget-load keys --db /tmp/k.db --requests 200
//   swift run budget-load keys --db /tmp/k.db --hold 5 --ttl 2          # lease 5 keys, then wait to be killed
//
// Each loop prints one JSON line: {"pid", "granted", "refused", "perKey": {"k1": n, …}, "p50_us", "p99_us"}.
// The tests (CostSQLiteTests, "Key store shared by two processes") run it as their child processes.
import CostRotation
import CostSQLite
import Foundation

struct KeyLoadOptions {
    var database = ""
    var provider = "load"
    var create = 0
    var quota = 100
    var requests = 100
    var hold = 0
    var ttl = 300.0
    var durability = SQLiteKeyStore.Durability.full

    init(_ arguments: [String]) throws {
        var rest = Arguments(arguments)
        func number(_ text: String, _ flag: String) throws -> Int {
            guard let number = Int(text), number >= 0 else { throw LoadError("\(flag) takes a whole number, not '\(text)'") }
            return number
        }
        while let flag = rest.next() {
            switch flag {
            case "--db": database = try rest.value(flag)
            case "--provider": provider = try rest.value(flag)
            case "--create": create = try number(rest.value(flag), flag)
            case "--quota": quota = try number(rest.value(flag), flag)
            case "--requests": requests = try number(rest.value(flag), flag)
            case "--hold": hold = try number(rest.value(flag), flag)
            case "--ttl": ttl = try Double(rest.value(flag)) ?? ttl
            case "--durability":
                guard let d = SQLiteKeyStore.Durability(rawValue: try rest.value(flag)) else {
                    throw LoadError("--durability is full or process-crash")
                }
                durability = d
            default: throw LoadError("unknown option '\(flag)'; see the comment at the top of KeyLoad.swift")
            }
        }
        guard !database.isEmpty else { throw LoadError("--db PATH is required") }
    }
}

enum KeyLoad {
    static func run(_ options: KeyLoadOptions) async throws {
        let store = try SQLiteKeyStore(path: options.database, durability: options.durability)
        if options.create > 0 {
            // not secrets: a load test needs no vault, only bytes in the sealed-secret column
            for index in 1...options.create {
                let id = "k\(index)"
                try await store.addKey(
                    APIKey(
                        id: id, provider: options.provider, label: id, sealedSecret: Data("sealed-\(id)".utf8),
                        fingerprint: "…\(id)", createdAt: Date(), quota: KeyQuota(requestsPerDay: options.quota)),
                    actor: "budget-load")
            }
            return
        }
        let pool = KeyPool(provider: options.provider).with { $0.leaseTTL = .milliseconds(Int(options.ttl * 1000)) }
        let request = KeyRequest(tokens: 1)
        let pid = ProcessInfo.processInfo.processIdentifier
        if options.hold > 0 {
            var held = 0
            for _ in 0..<options.hold where try await store.acquire(request, from: pool).lease != nil { held += 1 }
            // unbuffered, so that the parent reads it while this process sleeps
            FileHandle.standardOutput.write(Data("{\"pid\":\(pid),\"held\":\(held)}\n".utf8))
            try await Task.sleep(for: .seconds(3600))  // until killed
            return
        }
        var granted = 0
        var refused = 0
        var perKey: [String: Int] = [:]
        var samples: [Duration] = []
        samples.reserveCapacity(options.requests)
        let clock = ContinuousClock()
        for _ in 0..<options.requests {
            let start = clock.now
            guard let lease = try await store.acquire(request, from: pool).lease else {
                refused += 1
                continue
            }
            _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 1, requests: 1)))
            samples.append(clock.now - start)
            granted += 1
            perKey[lease.keyID, default: 0] += 1
        }
        samples.sort()
        let keys = perKey.keys.sorted().map { "\"\($0)\":\(perKey[$0] ?? 0)" }.joined(separator: ",")
        print(
            "{\"pid\":\(pid),\"granted\":\(granted),\"refused\":\(refused),\"perKey\":{\(keys)},\"p50_us\":\(micros(samples, samples.count / 2)),\"p99_us\":\(micros(samples, samples.count * 99 / 100))}"
        )
    }
}
