import CostPricing
import CostRotation
import Foundation
import Testing

@testable import CostSQLite

// MARK: - The two implementations

/// Every key-store contract test runs once per implementation.
enum KeyStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh store of `kind` on `clock` (SQLite on a temporary file, removed
/// afterwards); `random` is the stores' random source.
func withKeyStore(
    _ kind: KeyStoreKind, clock: ManualClock, random: Double = 0.5,
    _ body: (any KeyStore, TemporaryDirectory?) async throws -> Void
) async throws {
    let draw: @Sendable () -> Double = { random }
    switch kind {
    case .memory:
        try await body(MemoryKeyStore(now: clock.now, random: draw), nil)
    case .sqlite:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await body(SQLiteKeyStore(path: directory.databasePath, now: clock.now, random: draw), directory)
    }
}

enum KeyFixtures {
    static let start = Fixtures.date("2026-11-01T00:00:00Z")
    static let losAngeles = Fixtures.zone("America/Los_Angeles")

    /// A key whose "sealed secret" is `sealed-<id>` (the contract does not open secrets).
    static func key(
        _ id: String, provider: String = "anthropic", project: String? = nil, quota: KeyQuota = .unlimited,
        priority: Int = 0
    ) throws -> APIKey {
        try APIKey(
            id: id, provider: provider, project: project, label: "label-\(id)", sealedSecret: Data("sealed-\(id)".utf8),
            fingerprint: "sk-…\(id)", createdAt: start, quota: quota, priority: priority)
    }

    static func add(_ keys: [APIKey], to store: any KeyStore) async throws {
        for key in keys { try await store.addKey(key, actor: "test") }
    }

    static let pool = KeyPool(provider: "anthropic")
}

/// The behaviour every ``KeyStore`` must have, checked on ``MemoryKeyStore`` (the reference) and
/// ``SQLiteKeyStore`` alike.
@Suite("Key store contract")
struct KeyStoreContractTests {
    typealias F = KeyFixtures

    @Test("add, duplicate, read back, list by provider (case-insensitive) in id order", arguments: KeyStoreKind.allCases)
    func addAndList(kind: KeyStoreKind) async throws {
        try await withKeyStore(kind, clock: ManualClock(F.start)) { store, _ in
            let quota = try KeyQuota(
                tokens: 1_000_000, requestsPerMinute: 15, requestsPerDay: 1_500, spend: Money("12.5"),
                reset: .daily(hour: 0, timeZone: F.losAngeles))
            let b = try F.key("b", quota: quota, priority: 2)
            try await F.add([b, try F.key("a", project: "web"), try F.key("g", provider: "Gemini")], to: store)
            await #expect(throws: RotationError.self) { try await store.addKey(try F.key("a"), actor: "test") }
            #expect(try await store.key(id: "b") == b)
            #expect(try await store.key(id: "zz") == nil)
            #expect(try await store.keys(provider: "ANTHROPIC").map(\.id) == ["a", "b"])
            #expect(try await store.keys(provider: "gemini").map(\.id) == ["g"])
            #expect(try await store.keys(provider: nil).map(\.id) == ["a", "b", "g"])
            #expect(try await store.key(id: "a")?.project == "web")
        }
    }

    @Test("each strategy chooses as the reference does, and the lease counts until reported", arguments: KeyStoreKind.allCases)
    func strategies(kind: KeyStoreKind) async throws {
        try await withKeyStore(kind, clock: ManualClock(F.start), random: 0.9) { store, _ in
            let quota = try KeyQuota(tokens: 1_000)
            try await F.add(
                [try F.key("a", quota: quota, priority: 3), try F.key("b", quota: quota, priority: 1), try F.key("c", quota: quota, priority: 2)],
                to: store)
            // least utilized: all empty, ties by id → a; its lease of 400 counts, so next is b, then c
            var chosen: [String] = []
            var leases: [KeyLease] = []
            for _ in 0..<3 {
                let selection = try await store.acquire(KeyRequest(tokens: 400), from: F.pool)
                chosen.append(try #require(selection.key?.id))
                leases.append(try #require(selection.lease))
            }
            #expect(chosen == ["a", "b", "c"])
            #expect(try await store.quotaState(of: "a")?.meter(.tokens)?.pending == 400)
            // 400 held on each: 700 does not fit any (never, only leases stand in the way)
            let full = try await store.acquire(KeyRequest(tokens: 700), from: F.pool)
            #expect(full.key == nil && full.lease == nil)
            #expect(full.candidates.map(\.skipped) == [.tooLarge(.tokens), .tooLarge(.tokens), .tooLarge(.tokens)])
            for lease in leases { _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 100))) }
            #expect(try await store.quotaState(of: "a")?.meter(.tokens)?.used == 100)
            #expect(try await store.quotaState(of: "a")?.meter(.tokens)?.pending == 0)

            // round robin: the next id after the last chosen, wrapping
            let roundRobin = F.pool.with { $0.strategy = .roundRobin }
            var order: [String] = []
            for _ in 0..<4 {
                let selection = try await store.acquire(KeyRequest(tokens: 1), from: roundRobin)
                order.append(try #require(selection.key?.id))
                _ = try await store.report(try #require(selection.lease), outcome: .failed)
            }
            #expect(order == ["a", "b", "c", "a"])

            // priority: the lowest priority number first
            let priority = F.pool.with { $0.strategy = .priority }
            let first = try await store.acquire(KeyRequest(tokens: 1), from: priority)
            #expect(first.key?.id == "b")
            _ = try await store.report(try #require(first.lease), outcome: .failed)

            // weighted by remaining with r = 0.9: equal weights → the last of three
            let weighted = F.pool.with { $0.strategy = .weightedByRemaining }
            let pick = try await store.acquire(KeyRequest(tokens: 1), from: weighted)
            #expect(pick.key?.id == "c")
        }
    }

    @Test("success logs usage; a second report is refused; a late report is logged as expired", arguments: KeyStoreKind.allCases)
    func reports(kind: KeyStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withKeyStore(kind, clock: clock) { store, _ in
            try await F.add([try F.key("a", quota: try KeyQuota(tokens: 10_000))], to: store)
            let pool = F.pool.with { $0.leaseTTL = .seconds(60) }
            let lease = try #require(try await store.acquire(KeyRequest(tokens: 500), from: pool).lease)
            clock.advance(by: 5)
            let report = try await store.report(lease, outcome: .success(KeyCharge(tokens: 480, requests: 1, cost: Money("0.01") ?? .zero)))
            #expect(report.entry == KeyUsageEntry(
                keyID: "a", at: F.start.addingTimeInterval(5), tokens: 480, requests: 1, cost: Money("0.01") ?? .zero, outcome: .success))
            #expect(!report.leaseWasExpired)
            #expect(report.key.lastUsedAt == F.start.addingTimeInterval(5))
            await #expect(throws: RotationError.self) { try await store.report(lease, outcome: .failed) }

            let late = try #require(try await store.acquire(KeyRequest(tokens: 500), from: pool).lease)
            clock.advance(by: 61)
            _ = try await store.acquire(KeyRequest(tokens: 1), from: pool).lease  // purges the expired lease
            let lateReport = try await store.report(late, outcome: .success(KeyCharge(tokens: 20)))
            #expect(lateReport.leaseWasExpired)
            #expect(try await store.usageLog(of: "a", since: nil).map(\.tokens) == [480, 20])
            #expect(try await store.usageLog(of: "a", since: F.start.addingTimeInterval(6)).map(\.tokens) == [20])
            #expect(try await store.quotaState(of: "a")?.meter(.tokens)?.used == 500)
            await #expect(throws: RotationError.self) {
                try await store.report(late, outcome: .success(KeyCharge(tokens: -1)))
            }
            await #expect(throws: RotationError.self) { try await store.acquire(KeyRequest(tokens: -5), from: pool) }
        }
    }

    @Test("429s cool a key with growing backoff; a success resets the streak", arguments: KeyStoreKind.allCases)
    func rateLimits(kind: KeyStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withKeyStore(kind, clock: clock, random: 0.5) { store, _ in
            try await F.add([try F.key("a")], to: store)
            var cooldowns: [TimeInterval] = []
            for _ in 0..<4 {
                let lease = try #require(try await store.acquire(KeyRequest(tokens: 1), from: F.pool).lease)
                let report = try await store.report(lease, outcome: .rateLimited(retryAfter: nil))
                guard case .coolingDown(let until) = report.key.status else {
                    Issue.record("not cooling: \(report.key.status)")
                    return
                }
                cooldowns.append(until.timeIntervalSince(clock.now()))
                let refused = try await store.acquire(KeyRequest(tokens: 1), from: F.pool)
                #expect(refused.key == nil && refused.candidates.first?.skipped == .coolingDown(until: until))
                clock.advance(by: until.timeIntervalSince(clock.now()))
            }
            // 1, 2, 4, 8 s × (1 + 0.25 × 0.5)
            #expect(cooldowns == [1.125, 2.25, 4.5, 9])
            #expect(try await store.key(id: "a")?.consecutiveRateLimits == 4)
            let lease = try #require(try await store.acquire(KeyRequest(tokens: 1), from: F.pool).lease)
            let report = try await store.report(lease, outcome: .success(KeyCharge(tokens: 1)))
            #expect(report.key.consecutiveRateLimits == 0 && report.key.status == .active)
            #expect(try await store.key(id: "a")?.consecutiveRateLimits == 0)
        }
    }

    @Test("quota exhausted until the provider's reset; 401 revokes with an event and an audit entry", arguments: KeyStoreKind.allCases)
    func exhaustionAndRevocation(kind: KeyStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withKeyStore(kind, clock: clock) { store, _ in
            try await F.add([try F.key("a"), try F.key("b")], to: store)
            let resetsAt = F.start.addingTimeInterval(3_600)
            let lease = try #require(try await store.acquire(KeyRequest(tokens: 1), from: F.pool).lease)
            #expect(lease.keyID == "a")
            let exhausted = try await store.report(lease, outcome: .quotaExhausted(resetsAt: resetsAt))
            #expect(exhausted.key.status == .exhausted(until: resetsAt))
            #expect(try await store.key(id: "a")?.status == .exhausted(until: resetsAt))
            let next = try #require(try await store.acquire(KeyRequest(tokens: 1), from: F.pool).lease)
            #expect(next.keyID == "b")
            let revoked = try await store.report(next, outcome: .unauthorized(status: 401))
            #expect(revoked.key.status == .revoked)
            #expect(revoked.events.contains(.keyRevoked(keyID: "b", provider: "anthropic", status: 401, at: F.start)))
            let audit = try await store.auditLog(keyID: "b")
            #expect(audit.last == KeyAuditEntry(at: F.start, actor: "provider", operation: .disable, keyID: "b", detail: "401 from the provider"))
            let none = try await store.acquire(KeyRequest(tokens: 1), from: F.pool)
            #expect(none.key == nil && none.earliestAvailability == resetsAt)
            clock.advance(by: 3_600)
            #expect(try await store.acquire(KeyRequest(tokens: 1), from: F.pool).key?.id == "a")
            #expect(try await store.usageLog(of: "b", since: nil).map(\.outcome) == [.unauthorized])
        }
    }

    @Test("pool pressure is raised once when the pool enters it, again only after it left", arguments: KeyStoreKind.allCases)
    func pressureOnce(kind: KeyStoreKind) async throws {
        try await withKeyStore(kind, clock: ManualClock(F.start)) { store, _ in
            let quota = try KeyQuota(tokens: 1_000)
            try await F.add([try F.key("a", quota: quota), try F.key("b", quota: quota)], to: store)
            // 850 on each: mean utilization 0.85 ≥ 0.8
            var events: [KeyEvent] = []
            var leases: [KeyLease] = []
            for _ in 0..<2 {
                let selection = try await store.acquire(KeyRequest(tokens: 850), from: F.pool)
                events += selection.events
                leases.append(try #require(selection.lease))
            }
            let pressure = events.compactMap { event -> PoolPressure? in
                if case .poolPressure(let pressure) = event { return pressure }
                return nil
            }
            #expect(pressure.count == 1)
            #expect(pressure.first?.pool == "anthropic" && pressure.first?.reason == .utilization)
            // still under pressure: no second event
            let again = try await store.acquire(KeyRequest(tokens: 100), from: F.pool)
            #expect(again.events.isEmpty)
            // the leases end with nothing used: pressure leaves, and comes back with the next rise
            for lease in leases + [try #require(again.lease)] { _ = try await store.report(lease, outcome: .failed) }
            let low = try await store.acquire(KeyRequest(tokens: 10), from: F.pool)
            #expect(low.events.isEmpty)
            _ = try await store.report(try #require(low.lease), outcome: .failed)
            let rise = try await store.acquire(KeyRequest(tokens: 900), from: F.pool)
            #expect(rise.events.isEmpty)  // one key at 0.9, the other at 0: mean 0.45
            let second = try await store.acquire(KeyRequest(tokens: 900), from: F.pool)
            #expect(second.events.count == 1)
        }
    }

    @Test("every key operation is audited with time and actor; remove drops the log and leases", arguments: KeyStoreKind.allCases)
    func auditAndRemove(kind: KeyStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withKeyStore(kind, clock: clock) { store, _ in
            try await store.addKey(try F.key("a"), actor: "alice")
            clock.advance(by: 60)
            try await store.addKey(try F.key("p"), actor: "provisioner", operation: .provision)
            let disabled = try await store.setEnabled(false, id: "a", reason: "leaked", actor: "bob")
            #expect(disabled.status == .disabled(reason: "leaked"))
            #expect(try await store.key(id: "a")?.status == .disabled(reason: "leaked"))
            _ = try await store.setEnabled(true, id: "a", reason: nil, actor: "bob")
            let rotated = try await store.replaceSecret(id: "a", sealedSecret: Data("sealed-new".utf8), fingerprint: "sk-…new", actor: "carol")
            #expect(rotated.sealedSecret == Data("sealed-new".utf8))
            #expect(try await store.key(id: "a")?.fingerprint == "sk-…new")
            try await store.recordReveal(id: "a", actor: "dave")
            let lease = try #require(try await store.acquire(KeyRequest(tokens: 1), from: F.pool.with { $0.project = nil }).lease)
            _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 5)))
            #expect(try await store.removeKey(id: lease.keyID, actor: "erin"))
            #expect(try await store.removeKey(id: lease.keyID, actor: "erin") == false)
            #expect(try await store.usageLog(of: lease.keyID, since: nil).isEmpty)
            #expect(try await store.quotaState(of: lease.keyID) == nil)

            let audit = try await store.auditLog(keyID: nil)
            #expect(audit.map(\.operation) == [.add, .provision, .disable, .enable, .rotate, .reveal, .remove])
            #expect(audit.map(\.actor) == ["alice", "provisioner", "bob", "bob", "carol", "dave", "erin"])
            #expect(audit[0].at == F.start && audit[1].at == F.start.addingTimeInterval(60))
            #expect(audit[2].detail == "leaked")
            #expect(try await store.auditLog(keyID: "p").map(\.operation) == [.provision])
            await #expect(throws: RotationError.self) { try await store.recordReveal(id: "zz", actor: "dave") }
            await #expect(throws: RotationError.self) { try await store.setEnabled(true, id: "zz", reason: nil, actor: "x") }
            await #expect(throws: RotationError.self) {
                try await store.replaceSecret(id: "zz", sealedSecret: Data(), fingerprint: "", actor: "x")
            }
        }
    }

    @Test("a rolling quota state counts exactly the window, and the refusal names when the oldest use ages out", arguments: KeyStoreKind.allCases)
    func rollingWindow(kind: KeyStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withKeyStore(kind, clock: clock) { store, _ in
            try await F.add([try F.key("a", quota: try KeyQuota(tokens: 1_000, reset: .rolling(days: 1)))], to: store)
            for _ in 0..<4 {
                let lease = try #require(try await store.acquire(KeyRequest(tokens: 250), from: F.pool).lease)
                _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 250)))
                clock.advance(by: 3_600)
            }
            let refused = try await store.acquire(KeyRequest(tokens: 250), from: F.pool)
            #expect(refused.candidates.first?.skipped == .quotaFull(.tokens, until: F.start.addingTimeInterval(86_400)))
            clock.advance(by: 86_400 - 4 * 3_600)
            #expect(try await store.quotaState(of: "a")?.meter(.tokens)?.used == 750)
            #expect(try await store.acquire(KeyRequest(tokens: 250), from: F.pool).key?.id == "a")
        }
    }
}

/// What only a file can do: survive a restart.
@Suite("SQLite key store")
struct SQLiteKeyStoreTests {
    typealias F = KeyFixtures

    @Test("quota state, statuses, cursors, pressure and the audit log are exact after reopening the file")
    func restart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let quota = try KeyQuota(tokens: 10_000, requestsPerDay: 50, spend: Money("3"), reset: .daily(hour: 0, timeZone: F.losAngeles))
        let reference = MemoryKeyStore(now: clock.now, random: { 0.5 })
        var store = try SQLiteKeyStore(path: directory.databasePath, now: clock.now, random: { 0.5 })
        let keys = [try F.key("a", quota: quota), try F.key("b", quota: quota), try F.key("c", quota: quota)]
        try await F.add(keys, to: store)
        try await F.add(keys, to: reference)
        let pool = F.pool.with { $0.strategy = .roundRobin }
        for step in 0..<30 {
            for target in [store as any KeyStore, reference] {
                let selection = try await target.acquire(KeyRequest(tokens: 100 + step), from: pool)
                let lease = try #require(selection.lease)
                let outcome: KeyOutcome = step == 7 ? .rateLimited(retryAfter: .seconds(30)) : .success(
                    KeyCharge(tokens: 90 + step, requests: 1, cost: Money(units: Int128(step) * 1_000_000_000_000_001)))
                _ = try await target.report(lease, outcome: outcome)
            }
            clock.advance(by: 600)
        }
        // an open lease too
        _ = try await store.acquire(KeyRequest(tokens: 777), from: pool)
        _ = try await reference.acquire(KeyRequest(tokens: 777), from: pool)
        store = try SQLiteKeyStore(path: directory.databasePath, now: clock.now, random: { 0.5 })
        for id in ["a", "b", "c"] {
            #expect(try await store.quotaState(of: id) == reference.quotaState(of: id))
            #expect(try await store.key(id: id) == reference.key(id: id))
            #expect(try await store.usageLog(of: id, since: nil) == reference.usageLog(of: id, since: nil))
        }
        #expect(try await store.auditLog(keyID: nil) == reference.auditLog(keyID: nil))
        // the round-robin cursor survived: both choose the same next key
        let next = try await store.acquire(KeyRequest(tokens: 1), from: pool).key?.id
        let expected = try await reference.acquire(KeyRequest(tokens: 1), from: pool).key?.id
        #expect(next != nil && next == expected)
    }

    @Test("the wrapped data key: created once (a second create gets the first back), replaced only when expected")
    func dataKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteKeyStore(path: directory.databasePath)
        #expect(try await store.wrappedDataKey() == nil)
        let first = Data(#"{"version":1,"id":"d1","masterKeyID":"m1","nonce":"","ciphertext":"","tag":""}"#.utf8)
        let second = Data(#"{"version":1,"id":"d2","masterKeyID":"m2","nonce":"","ciphertext":"","tag":""}"#.utf8)
        #expect(try await store.saveWrappedDataKey(first, replacing: nil) == first)
        #expect(try SQLiteDataKeyStore(path: directory.databasePath).saveWrappedDataKey(second, replacing: nil) == first)
        let rewrapped = Data(#"{"version":1,"id":"d1","masterKeyID":"m3","nonce":"","ciphertext":"","tag":""}"#.utf8)
        // a stale expectation, or another data key, replaces nothing
        #expect(throws: SQLiteError.self) { try SQLiteDataKeyStore(path: directory.databasePath).saveWrappedDataKey(rewrapped, replacing: "m9") }
        await #expect(throws: SQLiteError.self) { try await store.saveWrappedDataKey(second, replacing: "m1") }
        await #expect(throws: SQLiteError.self) { try await store.saveWrappedDataKey(Data("{}".utf8), replacing: nil) }
        #expect(try await store.saveWrappedDataKey(rewrapped, replacing: "m1") == rewrapped)
        #expect(try SQLiteDataKeyStore(path: directory.databasePath).wrappedDataKey() == rewrapped)
    }
}
