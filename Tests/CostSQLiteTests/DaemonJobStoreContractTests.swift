import CostBudget
import Foundation
import Testing

@testable import CostSQLite

/// The daemon job store's contract, run on the in-memory store and on a SQLite file.
@Suite("Daemon job store contract")
struct DaemonJobStoreContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, sqlite
        var testDescription: String { rawValue }
    }

    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func withStore(_ kind: Kind, _ body: (any DaemonJobStore, TemporaryDirectory?) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(MemoryDaemonJobStore(), nil)
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try await body(try SQLiteDaemonJobStore(path: directory.databasePath), directory)
        }
    }

    @Test("prepare creates each job once, with the first instant as its start", arguments: Kind.allCases)
    func prepare(_ kind: Kind) async throws {
        try await withStore(kind) { store, _ in
            let first = try await store.prepare(jobs: ["a", "b"], at: Self.t0)
            #expect(first.map(\.job) == ["a", "b"] && first.allSatisfy { $0.since == Self.t0 && $0.lastSlot == nil && $0.runs == 0 })
            let again = try await store.prepare(jobs: ["a", "c"], at: Self.t0.addingTimeInterval(60))
            #expect(again.first { $0.job == "a" }?.since == Self.t0)
            #expect(again.first { $0.job == "c" }?.since == Self.t0.addingTimeInterval(60))
            #expect(try await store.records().map(\.job) == ["a", "b", "c"])
        }
    }

    @Test("a claimed slot runs once: finish records it, the same or an earlier slot is done", arguments: Kind.allCases)
    func claimFinish(_ kind: Kind) async throws {
        try await withStore(kind) { store, _ in
            let slot = Self.t0
            let claim = try await store.claim(job: "report", slot: slot, owner: "A", at: slot, lease: .seconds(60))
            let lease = try #require(claim.lease)
            #expect(lease.job == "report" && lease.owner == "A" && lease.expiresAt == slot.addingTimeInterval(60))
            #expect(try await store.finish(lease, outcome: .succeeded, error: nil, at: slot.addingTimeInterval(5)))
            #expect(try await store.claim(job: "report", slot: slot, owner: "B", at: slot.addingTimeInterval(6), lease: .seconds(60)) == .done(lastSlot: slot))
            #expect(try await store.claim(job: "report", slot: slot.addingTimeInterval(-3600), owner: "A", at: slot, lease: .seconds(60)) == .done(lastSlot: slot))
            let record = try #require(try await store.records().first)
            #expect(record.lastSlot == slot && record.lastOutcome == .succeeded && record.runs == 1 && record.lease == nil)
            #expect(record.lastStartedAt == slot && record.lastFinishedAt == slot.addingTimeInterval(5))
            // finishing twice records nothing more
            #expect(try await !store.finish(lease, outcome: .succeeded, error: nil, at: slot.addingTimeInterval(7)))
            #expect(try await store.records().first?.runs == 1)
        }
    }

    @Test("a live lease keeps others out; an expired one is taken over and the old owner cannot finish", arguments: Kind.allCases)
    func leases(_ kind: Kind) async throws {
        try await withStore(kind) { store, _ in
            let slot = Self.t0
            let a = try #require(try await store.claim(job: "optimize", slot: slot, owner: "A", at: slot, lease: .seconds(60)).lease)
            let blocked = try await store.claim(job: "optimize", slot: slot, owner: "B", at: slot.addingTimeInterval(59), lease: .seconds(60))
            guard case .leased(let held) = blocked else {
                Issue.record("expected .leased, got \(blocked)")
                return
            }
            #expect(held.owner == "A")
            // the owner itself may claim again (a retry after a lost answer)
            #expect(try await store.claim(job: "optimize", slot: slot, owner: "A", at: slot.addingTimeInterval(10), lease: .seconds(60)).lease != nil)
            let b = try #require(try await store.claim(job: "optimize", slot: slot, owner: "B", at: slot.addingTimeInterval(200), lease: .seconds(60)).lease)
            #expect(try await !store.finish(a, outcome: .succeeded, error: nil, at: slot.addingTimeInterval(201)))
            #expect(try await store.finish(b, outcome: .failed, error: "boom", at: slot.addingTimeInterval(202)))
            let record = try #require(try await store.records().first)
            #expect(record.lastOutcome == .failed && record.lastError == "boom" && record.failures == 1 && record.runs == 1)
        }
    }

    @Test("release gives the slot back: it is due again, and a stale owner cannot release", arguments: Kind.allCases)
    func release(_ kind: Kind) async throws {
        try await withStore(kind) { store, _ in
            let slot = Self.t0
            let lease = try #require(try await store.claim(job: "snapshot", slot: slot, owner: "A", at: slot, lease: .seconds(600)).lease)
            #expect(try await store.release(lease))
            #expect(try await !store.release(lease))
            let again = try #require(try await store.claim(job: "snapshot", slot: slot, owner: "B", at: slot.addingTimeInterval(1), lease: .seconds(600)).lease)
            #expect(try await !store.finish(lease, outcome: .succeeded, error: nil, at: slot.addingTimeInterval(2)))
            #expect(try await store.finish(again, outcome: .succeeded, error: nil, at: slot.addingTimeInterval(3)))
            #expect(try await store.records().first?.lastSlot == slot)
        }
    }

    @Test("a later slot after a finished one is claimable; lastSlot never goes back")
    func laterSlots() async throws {
        try await withStore(.sqlite) { store, _ in
            for hour in [0, 1, 5] {
                let slot = Self.t0.addingTimeInterval(Double(hour) * 3600)
                let lease = try #require(try await store.claim(job: "quota-check", slot: slot, owner: "A", at: slot, lease: .seconds(60)).lease)
                #expect(try await store.finish(lease, outcome: .succeeded, error: nil, at: slot))
            }
            let record = try #require(try await store.records().first)
            #expect(record.runs == 3 && record.lastSlot == Self.t0.addingTimeInterval(5 * 3600))
        }
    }

    @Test("two connections racing for the same slots: exactly one claim wins each")
    func twoConnections() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try SQLiteDaemonJobStore(path: directory.databasePath)
        let second = try SQLiteDaemonJobStore(path: directory.databasePath)
        let won = await withTaskGroup(of: [Int].self) { group in
            for (store, owner) in [(first, "A"), (second, "B")] {
                group.addTask {
                    var won: [Int] = []
                    for index in 0..<100 {
                        let slot = Self.t0.addingTimeInterval(Double(index) * 60)
                        guard let lease = try? await store.claim(job: "alerts-deliver", slot: slot, owner: owner, at: slot, lease: .seconds(600)).lease
                        else { continue }
                        if (try? await store.finish(lease, outcome: .succeeded, error: nil, at: slot)) == true { won.append(index) }
                    }
                    return won
                }
            }
            var all: [Int] = []
            for await indices in group { all += indices }
            return all
        }
        let counts = Dictionary(won.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 == 1 })
        let record = try #require(try await first.records().first)
        #expect(record.runs == counts.count && record.lastSlot == Self.t0.addingTimeInterval(99 * 60))
    }

    @Test("the job table survives reopening (migration 0011-daemon-jobs applied once)")
    func reopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try SQLiteDaemonJobStore(path: directory.databasePath)
            let lease = try #require(try await store.claim(job: "report", slot: Self.t0, owner: "A", at: Self.t0, lease: .seconds(60)).lease)
            #expect(try await store.finish(lease, outcome: .succeeded, error: nil, at: Self.t0))
        }
        let reopened = try SQLiteDaemonJobStore(path: directory.databasePath)
        #expect(try await reopened.records().first?.lastSlot == Self.t0)
        let ledger = try SQLiteUsageLedger(path: directory.databasePath)
        #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM schema_migrations WHERE name = '0011-daemon-jobs'") == 1)
    }
}
