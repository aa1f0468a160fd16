import CostBudget
import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostRotation

/// `KeyProvisioning` over a `MemoryKeyStore` with real provisioner scripts; the clock is the
/// test's and the waits between attempts advance it instead of sleeping.
@Suite struct KeyProvisioningTests {
    typealias F = Fixture
    static let start = F.date("2026-11-01T00:00:00Z")
    static let secret = "sk-ant-api03-PROVISIONEDa8Kd3Lq9Zx2Vn7Bm4Tr6Yw1"
    static let pool = KeyPool(provider: "anthropic")

    /// A script that appends a line to `calls` each time it runs, then `then`.
    static func counting(_ scripts: ScriptDirectory, _ then: String) throws -> String {
        try scripts.script("provision", "echo \"$(date +%s.%N) $COSTCTL_POOL\" >> '\(scripts.file("calls"))'\n\(then)")
    }

    static func coordinator(
        store: MemoryKeyStore, clock: TestClock, events: EventLog, provisioner: any KeyProvisioner,
        quota: KeyQuota = .unlimited, policy: KeyProvisioning.Policy = KeyProvisioning.Policy()
    ) -> KeyProvisioning {
        let counter = Counter()
        return KeyProvisioning(
            store: store, sealer: F.sealer,
            targets: [KeyProvisioning.Target(pool: pool, provisioner: provisioner, quota: quota)], policy: policy,
            now: clock.function, sleep: { clock.advance(by: $0.seconds) },
            makeKeyID: { pool, _ in "\(pool.name)-new\(counter.next())" }, alert: events.sink)
    }

    /// A store with `keys`, a counting script that runs `then`, and a coordinator for the pool.
    struct Bench {
        let scripts: ScriptDirectory
        let clock = TestClock(KeyProvisioningTests.start)
        let store: MemoryKeyStore
        let events = EventLog()
        let provisioning: KeyProvisioning

        init(keys: [APIKey] = [], then: String, quota: KeyQuota = .unlimited, policy: KeyProvisioning.Policy = KeyProvisioning.Policy())
            async throws
        {
            scripts = try ScriptDirectory()
            store = try await F.store(keys, clock: clock)
            let script = try KeyProvisioningTests.counting(scripts, then)
            provisioning = KeyProvisioningTests.coordinator(
                store: store, clock: clock, events: events, provisioner: CommandProvisioner(executable: script),
                quota: quota, policy: policy)
        }

        var calls: Int { scripts.lines(of: "calls").count }
    }

    @Test func crossingTheThresholdCallsTheScriptOnceAndItsKeyIsUsableAtOnce() async throws {
        let quota = try KeyQuota(tokens: 1_000)
        let bench = try await Bench(
            keys: [try F.key("a", quota: quota), try F.key("b", quota: quota)],
            then: "echo '\(Self.secret)'; echo 'label: provisioned-by-script'", quota: quota)
        let (scripts, clock, store, events, provisioning) = (bench.scripts, bench.clock, bench.store, bench.events, bench.provisioning)

        // 100 tokens a request over two keys of 1,000: the mean reaches 80% at the 16th request
        var provisioned: APIKey?
        var requests = 0
        while provisioned == nil && requests < 30 {
            requests += 1
            let selection = try await store.acquire(KeyRequest(tokens: 100), from: Self.pool)
            let report = try await store.report(try #require(selection.lease), outcome: .success(KeyCharge(tokens: 100)))
            for outcome in await provisioning.handle(selection.events + report.events) {
                guard case .provisioned(let key) = outcome else {
                    Issue.record("expected a key, got \(outcome)")
                    return
                }
                provisioned = key
            }
            clock.advance(by: 1)
        }
        let key = try #require(provisioned)
        #expect(requests == 16)
        #expect(scripts.lines(of: "calls").count == 1)
        #expect(scripts.lines(of: "calls").first?.hasSuffix(" anthropic") == true)
        #expect(key.label == "provisioned-by-script")
        #expect(key.fingerprint == "sk-ant-…6Yw1")
        #expect(key.quota == quota)
        #expect(try F.sealer.open(key.sealedSecret, associatedData: Data(key.id.utf8)) == Data(Self.secret.utf8))

        // the next acquire hands the new key out: no restart, no reload
        let next = try await store.acquire(KeyRequest(tokens: 100), from: Self.pool)
        #expect(next.key?.id == key.id)
        #expect(try await store.auditLog(keyID: key.id).map(\.operation) == [.provision])
        #expect(try await store.auditLog(keyID: key.id).first?.actor == "provisioner")
        #expect(events.all.contains(.keyProvisioned(keyID: key.id, pool: "anthropic", fingerprint: key.fingerprint, at: clock.now.addingTimeInterval(-1))))
        #expect(events.all.contains { if case .poolPressure = $0 { true } else { false } })

        // more pressure later, while the pool is fine, calls nothing: the store reports pressure once
        for _ in 0..<5 {
            let selection = try await store.acquire(KeyRequest(tokens: 10), from: Self.pool)
            _ = await provisioning.handle(selection.events)
        }
        #expect(scripts.lines(of: "calls").count == 1)
    }

    @Test func aFailingScriptIsRetriedWithBackoffAlertedAuditedThenGivenUp() async throws {
        let bench = try await Bench(then: "echo 'login failed for \(Self.secret)' >&2; echo '\(Self.secret)'; exit 2")
        let (scripts, clock, store, events, provisioning) = (bench.scripts, bench.clock, bench.store, bench.events, bench.provisioning)

        let outcome = await provisioning.provisionNow(pool: "anthropic")
        guard case .failed(attempts: 3, let error) = outcome else {
            Issue.record("expected 3 failed attempts, got \(outcome)")
            return
        }
        #expect(error.contains("exited with status 2"))
        #expect(scripts.lines(of: "calls").count == 3)

        // attempts at 0, +60 s, +60+120 s (the default policy: 60 s, doubling)
        let failures = try await store.auditLog(keyID: nil).filter { $0.operation == .provisionFailed }
        #expect(failures.map(\.at) == [0, 60, 180].map { Self.start.addingTimeInterval($0) })
        #expect(failures.map(\.actor) == ["provisioner", "provisioner", "provisioner"])
        #expect(failures.map(\.keyID) == ["anthropic-new1", "anthropic-new2", "anthropic-new3"])
        #expect(failures.last?.detail?.hasPrefix("pool anthropic, attempt 3 of 3: provisioner '") == true)
        let expected: [KeyEvent] = [
            .provisioningFailed(pool: "anthropic", attempt: 1, error: error, nextAttemptAt: Self.start.addingTimeInterval(60)),
            .provisioningFailed(pool: "anthropic", attempt: 2, error: error, nextAttemptAt: Self.start.addingTimeInterval(180)),
            .provisioningFailed(pool: "anthropic", attempt: 3, error: error, nextAttemptAt: nil),
            .provisioningGaveUp(pool: "anthropic", attempts: 3, error: error, at: Self.start.addingTimeInterval(180)),
        ]
        #expect(events.all == expected)
        #expect(try await store.keys(provider: nil).isEmpty)

        // 3 attempts in the hour: the next pressure waits for the first attempt to leave the window
        let limited = await provisioning.handle([.poolPressure(PoolPressure(
            pool: "anthropic", reason: .lastKeyInUse, utilization: 0, threshold: 0.8, usableKeys: 0, totalKeys: 0,
            at: clock.now))])
        #expect(limited == [.rateLimited(until: Self.start.addingTimeInterval(3_600))])
        #expect(scripts.lines(of: "calls").count == 3)
        clock.set(Self.start.addingTimeInterval(3_600))
        guard case .failed(attempts: 3, _) = await provisioning.provisionNow(pool: "anthropic") else {
            Issue.record("expected another episode after the window")
            return
        }
        #expect(scripts.lines(of: "calls").count == 6)

        // nothing of the key in any error, audit entry or event
        let texts = [
            error, String(describing: outcome), String(describing: events.all),
            String(describing: try await store.auditLog(keyID: nil)),
            String(decoding: try JSONEncoder().encode(try await store.auditLog(keyID: nil)), as: UTF8.self),
        ]
        for text in texts { CommandProvisionerTests.expectNoSecret(text, Self.secret) }
    }

    @Test func anotherCoordinatorOnTheSameStoreKeepsTheRateLimit() async throws {
        // two processes (a cron-run CLI, a daemon) share one store: the audit log carries the count
        let bench = try await Bench(then: "exit 1")
        guard case .failed(attempts: 3, _) = await bench.provisioning.provisionNow(pool: "anthropic") else {
            Issue.record("expected 3 failed attempts")
            return
        }
        let second = Self.coordinator(
            store: bench.store, clock: bench.clock, events: EventLog(),
            provisioner: CommandProvisioner(executable: try Self.counting(bench.scripts, "exit 1")))
        #expect(await second.provisionNow(pool: "anthropic") == .rateLimited(until: Self.start.addingTimeInterval(3_600)))
        #expect(bench.calls == 3)
        // a provisioned key of the pool counts too
        bench.clock.set(Self.start.addingTimeInterval(7_200))
        let ok = try await Bench(then: "echo '\(Self.secret)'")
        for _ in 0..<3 {
            ok.clock.advance(by: 1)
            guard case .provisioned = await ok.provisioning.provisionNow(pool: "anthropic") else {
                Issue.record("expected a key")
                return
            }
        }
        let third = Self.coordinator(
            store: ok.store, clock: ok.clock, events: EventLog(),
            provisioner: CommandProvisioner(executable: try Self.counting(ok.scripts, "exit 1")))
        guard case .rateLimited = await third.provisionNow(pool: "anthropic") else {
            Issue.record("three provisioned keys in the hour did not count")
            return
        }
        #expect(ok.calls == 3)
    }

    @Test func theRetryDelayGrowsUpToItsMaximumAndTheWindowCanPushItLater() async throws {
        let policy = KeyProvisioning.Policy()
        #expect((1...6).map { policy.delay(afterFailure: $0) } == [60, 120, 240, 480, 900, 900].map { .seconds($0) })

        let tight = policy.with {
            $0.attemptsPerWindow = 2
            $0.window = .seconds(600)
        }
        let bench = try await Bench(then: "exit 1", policy: tight)
        _ = await bench.provisioning.provisionNow(pool: "anthropic")
        // attempt 2 at +60 s; attempt 3 would be at +180 s but two attempts fill the 10-minute window until +600 s
        let failures = try await bench.store.auditLog(keyID: nil).filter { $0.operation == .provisionFailed }
        #expect(failures.map(\.at) == [0, 60, 600].map { Self.start.addingTimeInterval($0) })
    }

    @Test func concurrentPressureCallsTheScriptOnce() async throws {
        let bench = try await Bench(then: "sleep 0.5; echo '\(Self.secret)'")
        let (scripts, clock, store, events, provisioning) = (bench.scripts, bench.clock, bench.store, bench.events, bench.provisioning)
        let pressure = KeyEvent.poolPressure(PoolPressure(
            pool: "anthropic", reason: .lastKeyInUse, utilization: 0, threshold: 0.8, usableKeys: 0, totalKeys: 0,
            at: clock.now))
        let outcomes = await withTaskGroup(of: [KeyProvisioning.Outcome].self) { group in
            for _ in 0..<8 { group.addTask { await provisioning.handle([pressure]) } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(scripts.lines(of: "calls").count == 1)
        #expect(outcomes.count == 8)
        #expect(Set(outcomes).count == 1)
        guard case .provisioned(let key) = outcomes.first else {
            Issue.record("expected a key, got \(outcomes)")
            return
        }
        #expect(try await store.keys(provider: "anthropic").map(\.id) == [key.id])
        for text in [String(describing: outcomes), String(describing: events.all), String(describing: key)] {
            CommandProvisionerTests.expectNoSecret(text, Self.secret)
        }
    }

    @Test func checkNowProvisionsAnEmptyPoolAndNotAHealthyOne() async throws {
        let bench = try await Bench(then: "echo '\(Self.secret)'")
        let provisioning = bench.provisioning
        guard case .provisioned = try await provisioning.checkNow(pool: "anthropic") else {
            Issue.record("an empty pool is under pressure")
            return
        }
        #expect(try await provisioning.checkNow(pool: "anthropic") == .notUnderPressure)
        #expect(try await provisioning.checkNow(pool: "gemini") == .noProvisioner(pool: "gemini"))
        #expect(bench.calls == 1)
    }

    @Test func aKeyOfTheWrongShapeFromAnyProvisionerIsRefused() async throws {
        struct Handwritten: KeyProvisioner {
            func provisionKey(for pool: KeyPool) async throws -> ProvisionedKey {
                ProvisionedKey(secret: Data("AIzaSyPLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5X".utf8))
            }
        }
        let clock = TestClock(Self.start)
        let store = try await F.store([], clock: clock)
        let events = EventLog()
        let provisioning = Self.coordinator(
            store: store, clock: clock, events: events, provisioner: Handwritten(),
            policy: KeyProvisioning.Policy().with { $0.maximumAttempts = 1 })
        let outcome = await provisioning.provisionNow(pool: "anthropic")
        #expect(outcome == .failed(attempts: 1, error: "anthropic keys start with 'sk-ant-'; this one does not"))
        #expect(try await store.keys(provider: nil).isEmpty)
    }
}

/// 1, 2, 3, … for key ids.
final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}
