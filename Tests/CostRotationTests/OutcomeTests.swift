import CostPricing
import Foundation
import Testing

@testable import CostRotation

@Suite struct OutcomeTests {
    typealias F = Fixture
    static let start = F.date("2026-11-01T00:00:00Z")

    static func pool() -> KeyPool {
        KeyPool(provider: "anthropic").with {
            $0.backoff = BackoffPolicy().with { $0.base = .seconds(1); $0.multiplier = 2; $0.maximum = .seconds(60); $0.jitter = 0.25 }
        }
    }

    /// Leases `id` (the only key that can be chosen) and reports `outcome`.
    static func use(_ store: MemoryKeyStore, _ pool: KeyPool, _ outcome: KeyOutcome) async throws -> KeyReport {
        let selection = try await store.acquire(KeyRequest(tokens: 10), from: pool)
        let lease = try #require(selection.lease)
        return try await store.report(lease, outcome: outcome)
    }

    @Test func rateLimitStormsGrowTheCooldownAndASuccessResetsIt() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store([try F.key("a")], clock: clock, random: TestRandom(fixed: 0.5))
        let pool = Self.pool()
        var cooldowns: [TimeInterval] = []
        for _ in 0..<8 {
            let report = try await Self.use(store, pool, .rateLimited(retryAfter: nil))
            guard case .coolingDown(let until) = report.key.status else {
                Issue.record("not cooling: \(report.key.status)")
                return
            }
            cooldowns.append(until.timeIntervalSince(clock.now))
            // the pool does not hand out a cooling key, and says until when
            clock.set(until.addingTimeInterval(-0.001))
            let refused = try await store.acquire(KeyRequest(tokens: 10), from: pool)
            #expect(refused.key == nil)
            #expect(refused.candidates.first?.skipped == .coolingDown(until: until))
            #expect(refused.earliestAvailability == until)
            clock.set(until)
        }
        // 1, 2, 4, … s capped at 60 s, each × 1.125 (jitter 0.25 × random 0.5)
        #expect(cooldowns == [1, 2, 4, 8, 16, 32, 60, 60].map { $0 * 1.125 })
        // it recovers: a success ends the streak, the next 429 starts over at the base
        let success = try await Self.use(store, pool, .success(KeyCharge(tokens: 10)))
        #expect(success.key.status == .active)
        #expect(success.key.consecutiveRateLimits == 0)
        let again = try await Self.use(store, pool, .rateLimited(retryAfter: nil))
        #expect(again.key.status == .coolingDown(until: clock.now.addingTimeInterval(1.125)))
        let log = try await store.usageLog(of: "a", since: nil)
        #expect(log.count == 10)
        #expect(log.filter { $0.outcome == .rateLimited }.count == 9)
        #expect(log.filter { $0.outcome == .rateLimited }.allSatisfy { $0.tokens == 0 && $0.requests == 0 })
    }

    @Test func retryAfterIsHonouredAndJitterStaysInBounds() {
        let policy = BackoffPolicy().with { $0.base = .seconds(1); $0.maximum = .seconds(60); $0.jitter = 0.25 }
        #expect(policy.cooldown(consecutive: 1, retryAfter: .seconds(30), random: 0.5) == 30)
        #expect(policy.cooldown(consecutive: 7, retryAfter: .seconds(30), random: 0) == 60)
        for random in stride(from: 0.0, to: 1.0, by: 0.01) {
            let seconds = policy.cooldown(consecutive: 3, retryAfter: nil, random: random)
            #expect(seconds >= 4 && seconds < 5)
        }
    }

    @Test func aStormOnOneKeyMovesTheLoadToTheOthers() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store([try F.key("a"), try F.key("b"), try F.key("c")], clock: clock)
        let pool = Self.pool()
        // "a" is hit by 429s whenever it is chosen, for 2 minutes; the others always succeed
        var chosenWhileCooling = 0
        var storm: [String: Int] = [:]
        for step in 0..<240 {
            clock.set(Self.start.addingTimeInterval(Double(step) * 0.5))
            let selection = try await store.acquire(KeyRequest(tokens: 10), from: pool)
            let key = try #require(selection.key)
            let lease = try #require(selection.lease)
            if case .coolingDown(let until) = (try await store.key(id: key.id))?.status, until > clock.now {
                chosenWhileCooling += 1
            }
            storm[key.id, default: 0] += 1
            let outcome: KeyOutcome = key.id == "a" ? .rateLimited(retryAfter: nil) : .success(KeyCharge(tokens: 10))
            _ = try await store.report(lease, outcome: outcome)
        }
        #expect(chosenWhileCooling == 0)
        // the backoff doubles: over 120 s "a" is tried only a handful of times (1.125 + 2.25 + … ≥ 120 s after 7)
        #expect(storm["a", default: 0] <= 8)
        #expect(storm["b", default: 0] + storm["c", default: 0] >= 232)
    }

    @Test func quotaExhaustedLastsUntilTheDailyResetInLosAngelesOnAClockChangeDay() async throws {
        // 2026-03-08 has 23 hours in Los Angeles; the next reset is 2026-03-09T07:00Z (midnight PDT)
        let clock = TestClock(F.date("2026-03-08T18:00:00Z"))
        let quota = try KeyQuota(requestsPerDay: 2, reset: .daily(hour: 0, timeZone: F.zone("America/Los_Angeles")))
        let store = try await F.store([try F.key("g", provider: "gemini", quota: quota)], clock: clock)
        let pool = KeyPool(provider: "gemini")
        let report = try await Self.use(store, pool, .quotaExhausted(resetsAt: nil))
        #expect(report.key.status == .exhausted(until: F.date("2026-03-09T07:00:00Z")))
        clock.set(F.date("2026-03-09T06:59:59Z"))
        #expect(try await store.acquire(KeyRequest(tokens: 1), from: pool).key == nil)
        clock.set(F.date("2026-03-09T07:00:00Z"))
        #expect(try await store.acquire(KeyRequest(tokens: 1), from: pool).key?.id == "g")
    }

    @Test func requestsPerDayComeBackAtMidnightPacific() async throws {
        let clock = TestClock(F.date("2026-11-01T06:00:00Z"))  // 23:00 PDT on Oct 31
        let quota = try KeyQuota(requestsPerDay: 2, reset: .daily(hour: 0, timeZone: F.zone("America/Los_Angeles")))
        let store = try await F.store([try F.key("g", provider: "gemini", quota: quota)], clock: clock)
        let pool = KeyPool(provider: "gemini")
        for _ in 0..<2 { _ = try await Self.use(store, pool, .success(KeyCharge(tokens: 1))) }
        let refused = try await store.acquire(KeyRequest(tokens: 1), from: pool)
        #expect(refused.candidates.first?.skipped == .quotaFull(.requestsPerDay, until: F.date("2026-11-01T07:00:00Z")))
        clock.set(F.date("2026-11-01T07:00:00Z"))
        // the fall-back day has 25 hours: two more requests until 2026-11-02T08:00Z
        for _ in 0..<2 { _ = try await Self.use(store, pool, .success(KeyCharge(tokens: 1))) }
        let next = try await store.acquire(KeyRequest(tokens: 1), from: pool)
        #expect(next.earliestAvailability == F.date("2026-11-02T08:00:00Z"))
    }

    @Test func unauthorizedRevokesTheKeyRaisesAnEventAndIsAudited() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store([try F.key("a"), try F.key("b")], clock: clock)
        let pool = KeyPool(provider: "anthropic")
        let report = try await Self.use(store, pool, .unauthorized(status: 401))
        #expect(report.key.id == "a")
        #expect(report.key.status == .revoked)
        #expect(report.events == [.keyRevoked(keyID: "a", provider: "anthropic", status: 401, at: Self.start)])
        // "b" is the last usable key: leasing it raises pool pressure, once
        var pressures: [PoolPressure] = []
        for _ in 0..<3 {
            let selection = try await store.acquire(KeyRequest(tokens: 1), from: pool)
            #expect(selection.key?.id == "b")
            for case .poolPressure(let pressure) in selection.events { pressures.append(pressure) }
        }
        #expect(pressures.map(\.reason) == [.lastKeyInUse])
        let audit = try await store.auditLog(keyID: "a")
        #expect(audit.map(\.operation) == [.add, .disable])
        #expect(audit.last?.detail == "401 from the provider")
        // enabling brings it back
        _ = try await store.setEnabled(true, id: "a", reason: nil, actor: "alice")
        #expect(try await store.key(id: "a")?.status == .active)
    }

    @Test func aReportThatExhaustsAKeyCanRaisePoolPressure() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store([try F.key("a"), try F.key("b")], clock: clock)
        let pool = KeyPool(provider: "anthropic").with { $0.pressureThreshold = 0.5 }
        let selection = try await store.acquire(KeyRequest(tokens: 1), from: pool)
        #expect(selection.events.isEmpty)
        let report = try await store.report(try #require(selection.lease), outcome: .quotaExhausted(resetsAt: nil))
        // an exhausted key counts as full: the mean of 1 and 0 reaches 0.5
        #expect(report.key.status == .exhausted(until: Self.start.addingTimeInterval(3600)))
        guard case .poolPressure(let pressure) = report.events.first else {
            Issue.record("events: \(report.events)")
            return
        }
        #expect(pressure.reason == .utilization)
        #expect(pressure.utilization == 0.5)
    }

    @Test func aLeaseIsReportedOnceAndNegativeUsageIsRefused() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store([try F.key("a")], clock: clock)
        let selection = try await store.acquire(KeyRequest(tokens: 1), from: KeyPool(provider: "anthropic"))
        let lease = try #require(selection.lease)
        await #expect(throws: RotationError.self) {
            try await store.report(lease, outcome: .success(KeyCharge(tokens: -1)))
        }
        _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 1)))
        await #expect(throws: RotationError.self) { try await store.report(lease, outcome: .success(KeyCharge(tokens: 1))) }
        await #expect(throws: RotationError.self) {
            try await store.acquire(KeyRequest(tokens: -5), from: KeyPool(provider: "anthropic"))
        }
        #expect(try await store.usageLog(of: "a", since: nil).count == 1)
    }
}
