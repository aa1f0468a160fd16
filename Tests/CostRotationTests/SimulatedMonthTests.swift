import CostPricing
import Foundation
import Testing

@testable import CostRotation

/// Three keys with 1,000,000 tokens per rolling 30 days under a steady 9,000-token request every
/// hour (216,000 tokens a day; the pool holds 3 × 111 requests, 13.9 days): the pool runs dry,
/// keys come back exactly when their oldest use ages out (day 30), and it runs dry again on day 43.9.
@Suite struct SimulatedMonthTests {
    typealias F = Fixture
    static let limit = 1_000_000
    static let perRequest = 9_000
    static let window: TimeInterval = 30 * 86_400

    @Test func threeKeysUnderSteadyLoadForFortyFiveDays() async throws {
        let start = F.date("2026-11-01T00:00:00Z")
        let clock = TestClock(start)
        let quota = try KeyQuota(tokens: Self.limit, reset: .rolling(days: 30))
        let ids = ["k1", "k2", "k3"]
        let store = try await F.store(ids.map { try F.key($0, quota: quota) }, clock: clock)
        let pool = KeyPool(provider: "anthropic")
        var served: [String: [Date]] = Dictionary(uniqueKeysWithValues: ids.map { ($0, []) })
        func used(_ id: String, at instant: Date) -> Int {
            served[id, default: []].filter { $0 > instant.addingTimeInterval(-Self.window) && $0 <= instant }.count * Self.perRequest
        }

        var grants = 0
        var refusals = 0
        var comebacks = 0
        var firstRefusal: Date?
        var maxSpread = 0.0
        let end = start.addingTimeInterval(45 * 86_400)
        var t = start
        while t < end {
            clock.set(t)
            let selection = try await store.acquire(KeyRequest(tokens: Self.perRequest), from: pool)
            if let key = selection.key, let lease = selection.lease {
                // never past the quota, by the test's own count
                #expect(used(key.id, at: t) + Self.perRequest <= Self.limit)
                _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: Self.perRequest)))
                served[key.id, default: []].append(t)
                grants += 1
                if firstRefusal == nil {
                    let utilizations = ids.map { Double(used($0, at: t)) / Double(Self.limit) }
                    maxSpread = max(maxSpread, (utilizations.max() ?? 0) - (utilizations.min() ?? 0))
                }
                t = t.addingTimeInterval(3600)
                continue
            }
            refusals += 1
            if firstRefusal == nil { firstRefusal = t }
            // every key is full, and the answer says until when
            for candidate in selection.candidates {
                guard case .quotaFull(.tokens, _) = candidate.skipped else {
                    Issue.record("\(candidate.keyID): \(String(describing: candidate.skipped))")
                    return
                }
            }
            let oldest = ids.compactMap { id in served[id, default: []].first { $0 > t.addingTimeInterval(-Self.window) } }
            let expected = try #require(oldest.map { $0.addingTimeInterval(Self.window) }.min())
            let comeback = try #require(selection.earliestAvailability)
            #expect(comeback == expected)
            clock.set(comeback.addingTimeInterval(-1))
            #expect(try await store.acquire(KeyRequest(tokens: Self.perRequest), from: pool).key == nil)
            t = comeback
            comebacks += 1
        }
        // 111 requests fit a key (999,000 tokens) before the pool runs dry on day 13.9
        #expect(firstRefusal == start.addingTimeInterval(Double(3 * 111) * 3600))
        // while every key had room, least-utilized kept them within one request of each other
        #expect(maxSpread <= Double(Self.perRequest) / Double(Self.limit) + 1e-12)
        #expect(refusals == 2)
        #expect(comebacks == 2)
        // the log in the store says what the test counted
        for id in ids {
            let log = try await store.usageLog(of: id, since: nil)
            #expect(log.map(\.at) == served[id])
            let state = try #require(try await store.quotaState(of: id))
            #expect(state.meter(.tokens)?.used == Int128(used(id, at: clock.now)))
        }
        print("simulated 45 days: \(grants) grants, \(refusals) refusals, \(comebacks) comebacks at the reset instant, "
            + "max utilization spread before the first refusal \(maxSpread)")
    }
}
