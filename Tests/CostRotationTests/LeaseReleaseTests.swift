import CostPricing
import Foundation
import Testing

@testable import CostRotation

@Suite struct LeaseReleaseTests {
    typealias F = Fixture

    @Test func aReleasedLeaseStopsCountingAtOnceLogsNothingAndCannotBeReportedAfter() async throws {
        let clock = TestClock(F.date("2026-11-01T00:00:00Z"))
        let store = try await F.store([try F.key("a", quota: try KeyQuota(tokens: 1_000))], clock: clock)
        let pool = KeyPool(provider: "anthropic")
        let lease = try #require(try await store.acquire(KeyRequest(tokens: 800), from: pool).lease)
        // 800 of 1,000 held: a second 800 does not fit
        #expect(try await store.acquire(KeyRequest(tokens: 800), from: pool).lease == nil)
        #expect(try await store.release(lease))
        #expect(try await store.release(lease) == false)
        #expect(try await store.quotaState(of: "a")?.meters.first?.pending == 0)
        #expect(try await store.usageLog(of: "a", since: nil).isEmpty)
        let second = try #require(try await store.acquire(KeyRequest(tokens: 800), from: pool).lease)
        #expect(second.keyID == "a")
        // a released lease was not reported: reporting it now is refused like a double report
        await #expect(throws: RotationError.self) { _ = try await store.report(lease, outcome: .failed) }
    }

    @Test func anExpiredLeaseIsNotReleased() async throws {
        let clock = TestClock(F.date("2026-11-01T00:00:00Z"))
        let store = try await F.store([try F.key("a")], clock: clock)
        let lease = try #require(try await store.acquire(KeyRequest(tokens: 1), from: KeyPool(provider: "anthropic")).lease)
        clock.advance(by: 301)
        #expect(try await store.release(lease) == false)
    }
}
