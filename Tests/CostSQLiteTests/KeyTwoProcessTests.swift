import CostRotation
import Foundation
import Testing

@testable import CostSQLite

/// Two OS processes sharing one key pool: `budget-load keys` (Examples/BudgetLoad/KeyLoad.swift),
/// built with the tests, is the child process.
@Suite("Key store shared by two processes")
struct KeyTwoProcessTests {
    typealias Child = BudgetTwoProcessTests.Child

    /// What one `budget-load keys` loop reports.
    struct LoopReport: Decodable {
        var pid: Int
        var granted: Int
        var refused: Int
        var perKey: [String: Int]
    }


    /// A new database with keys k1, k2, k3 of provider `load`, `quota` requests a day each.
    static func storeWithKeys(_ path: String, quota: Int) async throws -> SQLiteKeyStore {
        let store = try SQLiteKeyStore(path: path)
        for id in ["k1", "k2", "k3"] {
            try await store.addKey(
                APIKey(
                    id: id, provider: "load", label: id, sealedSecret: Data("sealed-\(id)".utf8), fingerprint: "…\(id)",
                    createdAt: Date(), quota: KeyQuota(requestsPerDay: quota)),
                actor: "test")
        }
        return store
    }

    @Test("two processes acquire and report on one pool of 3 keys: no key past its quota, every grant logged")
    func twoProcesses() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.databasePath
        // 3 keys × 60 requests a day = 180 grants in all, asked for 2 × 150 times
        let store = try await Self.storeWithKeys(path, quota: 60)
        let arguments = ["keys", "--db", path, "--requests", "150"]
        let children = try [Child(arguments), Child(arguments)]
        var granted = 0
        var perKey: [String: Int] = [:]
        for result in children.map({ $0.finish() }) {
            #expect(result.status == 0, "child failed: \(result.errors)")
            #expect(!result.errors.lowercased().contains("locked"))
            let report = try JSONDecoder().decode(LoopReport.self, from: Data(result.output.utf8))
            #expect(report.granted + report.refused == 150)
            #expect(report.granted > 0, "each child got some keys")
            granted += report.granted
            perKey.merge(report.perKey, uniquingKeysWith: +)
        }
        #expect(granted == 180)
        var logged = 0
        for id in ["k1", "k2", "k3"] {
            let log = try await store.usageLog(of: id, since: nil)
            #expect(log.count == perKey[id], "\(id): the log holds every grant the children saw")
            #expect(log.count <= 60, "\(id) was handed out past its quota")
            #expect(try await store.quotaState(of: id)?.meter(.requestsPerDay)?.used == Int128(log.count))
            logged += log.count
        }
        #expect(logged == granted)
        #expect(try await store.acquire(KeyRequest(tokens: 1), from: KeyPool(provider: "load")).key == nil)
    }

    @Test("a child killed with SIGKILL while holding leases: they expire after the TTL and the quota comes back")
    func killedWhileHolding() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.databasePath
        // 3 keys × 2 requests: the child leases all 6 with a 2 s TTL
        let store = try await Self.storeWithKeys(path, quota: 2)
        let child = try Child(["keys", "--db", path, "--hold", "6", "--ttl", "2"])
        let line = child.firstLine()
        #expect(line.contains("\"held\":6"))
        let killedAt = Date()
        kill(child.process.processIdentifier, SIGKILL)
        child.process.waitUntilExit()
        #expect(child.process.terminationReason == .uncaughtSignal)
        let pool = KeyPool(provider: "load")
        #expect(try await store.quotaState(of: "k1")?.meter(.requestsPerDay)?.pending == 2)
        #expect(try await store.acquire(KeyRequest(tokens: 1), from: pool).key == nil)
        // wait out the TTL (counted from the leases' creation, before the kill)
        try await Task.sleep(for: .milliseconds(Int(max(0, 2.2 - Date().timeIntervalSince(killedAt)) * 1000)))
        #expect(try await store.quotaState(of: "k1")?.meter(.requestsPerDay)?.pending == 0)
        var granted = 0
        while let lease = try await store.acquire(KeyRequest(tokens: 1), from: pool).lease {
            _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 1)))
            granted += 1
        }
        #expect(granted == 6)
    }
}
