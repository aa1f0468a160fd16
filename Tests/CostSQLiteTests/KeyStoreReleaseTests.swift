import CostPricing
import CostRotation
import Foundation
import Testing

@testable import CostSQLite

/// `release` (a lease given back unused) on both stores, and the provisioner settings the SQLite
/// store keeps for every process.
@Suite("Key store release and provisioner settings")
struct KeyStoreReleaseTests {
    typealias F = KeyFixtures

    @Test("a released lease stops counting at once, logs nothing, and cannot be released or reported again", arguments: KeyStoreKind.allCases)
    func release(kind: KeyStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withKeyStore(kind, clock: clock) { store, _ in
            try await F.add([try F.key("a", quota: try KeyQuota(tokens: 1_000))], to: store)
            let lease = try #require(try await store.acquire(KeyRequest(tokens: 800), from: F.pool).lease)
            #expect(try await store.acquire(KeyRequest(tokens: 800), from: F.pool).lease == nil)
            #expect(try await store.release(lease))
            #expect(try await store.release(lease) == false)
            #expect(try await store.quotaState(of: "a")?.meter(.tokens)?.pending == 0)
            #expect(try await store.usageLog(of: "a", since: nil).isEmpty)
            #expect(try await store.acquire(KeyRequest(tokens: 800), from: F.pool).lease?.keyID == "a")
            await #expect(throws: RotationError.self) { try await store.report(lease, outcome: .failed) }
            // an expired lease is not released
            let old = try #require(try await store.acquire(KeyRequest(tokens: 1), from: F.pool.with { $0.leaseTTL = .seconds(10) }).lease)
            clock.advance(by: 11)
            #expect(try await store.release(old) == false)
        }
    }

    @Test("provisioner settings: set, replace, list, remove; kept across reopening the file")
    func provisioners() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let la = Fixtures.zone("America/Los_Angeles")
        let quota = try KeyQuota(requestsPerDay: 1_500, reset: .daily(hour: 0, timeZone: la))
        do {
            let store = try SQLiteKeyStore(path: directory.databasePath)
            try await store.setProvisioner(ProvisionerSetting(
                pool: KeyPool(provider: "gemini"), command: "/usr/local/bin/new-key", arguments: ["--fast"], timeLimit: .seconds(30),
                quota: quota, priority: 2, updatedAt: F.start))
            try await store.setProvisioner(ProvisionerSetting(pool: KeyPool(provider: "openai", project: "web"), command: "/bin/a"))
            try await store.setProvisioner(ProvisionerSetting(pool: KeyPool(provider: "openai", project: "web"), command: "/bin/b"))
        }
        let store = try SQLiteKeyStore(path: directory.databasePath)
        let settings = try await store.provisioners()
        #expect(settings.map(\.pool.name) == ["gemini", "openai/web"])
        #expect(settings[0].command == "/usr/local/bin/new-key" && settings[0].arguments == ["--fast"])
        #expect(settings[0].timeLimit == .seconds(30) && settings[0].quota == quota && settings[0].priority == 2)
        #expect(settings[0].updatedAt == F.start)
        #expect(settings[1].command == "/bin/b" && settings[1].quota == .unlimited && settings[1].timeLimit == .seconds(120))
        #expect(try await store.removeProvisioner(pool: "openai/web"))
        #expect(try await store.removeProvisioner(pool: "openai/web") == false)
        #expect(try await store.provisioners().map(\.pool.name) == ["gemini"])
    }
}
