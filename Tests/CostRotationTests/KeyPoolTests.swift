import CostPricing
import Foundation
import Testing

@testable import CostRotation

@Suite struct KeyPoolTests {
    typealias F = Fixture
    static let start = F.date("2026-11-01T00:00:00Z")

    /// Picks `count` times without reporting (leases count against the keys) and returns the ids.
    static func picks(_ store: MemoryKeyStore, _ pool: KeyPool, _ count: Int, tokens: Int = 10, report: Bool = true)
        async throws -> [String]
    {
        var ids: [String] = []
        for _ in 0..<count {
            let selection = try await store.acquire(KeyRequest(tokens: tokens), from: pool)
            let lease = try #require(selection.lease)
            ids.append(lease.keyID)
            if report { _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: tokens))) }
        }
        return ids
    }

    @Test func leastUtilizedTakesTheEmptiestKeyAndCountsOpenLeases() async throws {
        let clock = TestClock(Self.start)
        let quota = try KeyQuota(tokens: 1_000)
        let store = try await F.store([try F.key("a", quota: quota), try F.key("b", quota: quota)], clock: clock)
        let pool = KeyPool(provider: "anthropic")
        _ = try await Self.picks(store, pool, 1, tokens: 300)  // a: 300
        // b: 100, 200, 300 leased; then b ties a at 30% and the id decides
        #expect(try await Self.picks(store, pool, 4, tokens: 100, report: false) == ["b", "b", "b", "a"])
    }

    @Test func roundRobinCyclesInIdOrderAndSkipsKeysThatCannotServe() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store(["c", "a", "b"].map { try F.key($0) }, clock: clock)
        let pool = KeyPool(provider: "anthropic").with { $0.strategy = .roundRobin }
        #expect(try await Self.picks(store, pool, 7) == ["a", "b", "c", "a", "b", "c", "a"])
        _ = try await store.setEnabled(false, id: "b", reason: "billing", actor: "alice")
        #expect(try await Self.picks(store, pool, 4) == ["c", "a", "c", "a"])
    }

    @Test func priorityFailsOverAndComesBack() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store(
            [try F.key("main", priority: 0), try F.key("backup", priority: 1), try F.key("last", priority: 2)], clock: clock)
        let pool = KeyPool(provider: "anthropic").with { $0.strategy = .priority }
        #expect(try await Self.picks(store, pool, 3) == ["main", "main", "main"])
        let selection = try await store.acquire(KeyRequest(tokens: 1), from: pool)
        let report = try await store.report(try #require(selection.lease), outcome: .rateLimited(retryAfter: .seconds(30)))
        #expect(report.key.status == .coolingDown(until: Self.start.addingTimeInterval(30)))
        #expect(try await Self.picks(store, pool, 2) == ["backup", "backup"])
        clock.advance(by: 30)
        #expect(try await Self.picks(store, pool, 1) == ["main"])
    }

    @Test func weightedFollowsTheRemainingQuota() async throws {
        let clock = TestClock(Self.start)
        let quota = try KeyQuota(tokens: 1_000_000)
        // an even sweep of [0, 1): the picks follow the weights exactly
        let random = TestRandom(sweep: 1_000)
        let store = try await F.store([try F.key("a", quota: quota), try F.key("b", quota: quota)], clock: clock, random: random)
        // a has 25% left, b all of it: a gets 0.25 / 1.25 = a fifth of the picks
        let aLease = try #require(try await store.acquire(KeyRequest(tokens: 750_000), from: KeyPool(provider: "anthropic")).lease)
        _ = try await store.report(aLease, outcome: .success(KeyCharge(tokens: 750_000)))
        let pool = KeyPool(provider: "anthropic").with { $0.strategy = .weightedByRemaining }
        // 1,000 one-token picks reported at once: the weights move by at most 0.1%
        let ids = try await Self.picks(store, pool, 1_000, tokens: 1, report: false)
        let a = ids.filter { $0 == "a" }.count
        #expect(aLease.keyID == "a")
        #expect((195...205).contains(a), "a was picked \(a) times of 1,000; expected about 200")
    }

    @Test func nothingFitsSaysWhyForEachKeyAndWhenTheEarliestComesBack() async throws {
        let clock = TestClock(F.date("2026-11-20T12:00:00Z"))
        let small = try KeyQuota(tokens: 500)
        let monthly = try KeyQuota(tokens: 10_000, reset: .monthly(day: 1, timeZone: F.zone("Europe/Berlin")))
        let store = try await F.store(
            [try F.key("disabled"), try F.key("full", quota: monthly), try F.key("revoked"), try F.key("small", quota: small),
             try F.key("other", provider: "openai")], clock: clock)
        _ = try await store.setEnabled(false, id: "disabled", reason: "leaked in a screenshot", actor: "alice")
        // fill "full" and revoke "revoked"
        let fullLease = KeyLease(
            keyID: "full", pool: KeyPool(provider: "anthropic"), estimate: KeyCharge(tokens: 9_500),
            createdAt: clock.now, expiresAt: clock.now)
        _ = try await store.report(fullLease, outcome: .success(KeyCharge(tokens: 9_500)))
        let revokedLease = KeyLease(
            keyID: "revoked", pool: KeyPool(provider: "anthropic"), estimate: .zero, createdAt: clock.now, expiresAt: clock.now)
        _ = try await store.report(revokedLease, outcome: .unauthorized(status: 403))

        let selection = try await store.acquire(KeyRequest(tokens: 600), from: KeyPool(provider: "anthropic"))
        #expect(selection.key == nil)
        #expect(selection.lease == nil)
        let reasons = Dictionary(uniqueKeysWithValues: selection.candidates.map { ($0.keyID, $0.skipped) })
        #expect(reasons == [
            "disabled": .disabled(reason: "leaked in a screenshot"),
            "full": .quotaFull(.tokens, until: F.date("2026-11-30T23:00:00Z")),  // midnight in Berlin
            "revoked": .revoked,
            "small": .tooLarge(.tokens),
        ])
        #expect(selection.earliestAvailability == F.date("2026-11-30T23:00:00Z"))
        #expect(selection.summary.contains("small: the request does not fit its tokens quota"))
        #expect(selection.summary.contains("disabled: disabled: leaked in a screenshot"))
        #expect(selection.summary.hasSuffix("earliest 2026-11-30T23:00:00Z"))
        // no keys at all
        let empty = try await store.acquire(KeyRequest(tokens: 1), from: KeyPool(provider: "mistral"))
        #expect(empty.summary == "no key: the pool has no keys")
        guard case .poolPressure(let pressure) = empty.events.first else {
            Issue.record("no pressure for an empty pool: \(empty.events)")
            return
        }
        #expect(pressure.reason == .lastKeyInUse)
        #expect(pressure.totalKeys == 0)
    }

    @Test func projectPoolsUseOnlyTheirKeys() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store(
            [try F.key("shared"), try F.key("mine", project: "search"), try F.key("theirs", project: "ads")], clock: clock)
        let search = KeyPool(provider: "Anthropic", project: "search")
        #expect(try await Self.picks(store, search, 3) == ["mine", "mine", "mine"])
        let all = try await store.acquire(KeyRequest(tokens: 1), from: KeyPool(provider: "anthropic"))
        #expect(all.candidates.map(\.keyID) == ["mine", "shared", "theirs"])
    }

    @Test func pressureIsRaisedOnceWhenUtilizationCrossesTheThreshold() async throws {
        let clock = TestClock(Self.start)
        let quota = try KeyQuota(tokens: 1_000)
        let store = try await F.store(["a", "b", "c"].map { try F.key($0, quota: quota) }, clock: clock)
        let pool = KeyPool(provider: "anthropic")
        var events: [(Int, PoolPressure)] = []
        for step in 0..<27 {  // 100 tokens each: 2,700 of 3,000 at the end
            let selection = try await store.acquire(KeyRequest(tokens: 100), from: pool)
            for case .poolPressure(let pressure) in selection.events { events.append((step, pressure)) }
            _ = try await store.report(try #require(selection.lease), outcome: .success(KeyCharge(tokens: 100)))
        }
        #expect(events.count == 1)
        let (step, pressure) = try #require(events.first)
        // step 23 leases the 2,400th token: mean utilization 0.8
        #expect(step == 23)
        #expect(pressure.reason == .utilization)
        #expect(pressure.pool == "anthropic")
        #expect(abs(pressure.utilization - 0.8) < 1e-9)
    }

    @Test func pressureWhenTheLastUsableKeyIsInUse() async throws {
        let clock = TestClock(Self.start)
        let store = try await F.store([try F.key("a"), try F.key("b")], clock: clock)
        let pool = KeyPool(provider: "anthropic")
        _ = try await store.setEnabled(false, id: "b", reason: "rotating", actor: "alice")
        let selection = try await store.acquire(KeyRequest(tokens: 1), from: pool)
        guard case .poolPressure(let pressure) = selection.events.first else {
            Issue.record("no pressure: \(selection.events)")
            return
        }
        #expect(pressure.reason == .lastKeyInUse)
        #expect(pressure.usableKeys == 1)
        _ = try await store.report(try #require(selection.lease), outcome: .success(KeyCharge(tokens: 1)))
        // the lease is back and two keys are usable again: pressure clears, and is raised anew next time
        _ = try await store.setEnabled(true, id: "b", reason: nil, actor: "alice")
        #expect(try await store.acquire(KeyRequest(tokens: 1), from: pool).events.isEmpty)
    }
}
