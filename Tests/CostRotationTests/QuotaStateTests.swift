import CostPricing
import Foundation
import Testing

@testable import CostRotation

@Suite struct QuotaStateTests {
    typealias F = Fixture

    static func entry(_ at: String, tokens: Int, cost: String = "0") -> KeyUsageEntry {
        KeyUsageEntry(keyID: "k", at: F.date(at), tokens: tokens, requests: 1, cost: F.money(cost), outcome: .success)
    }

    @Test func rollingUsageAgesOutEntryByEntry() throws {
        let quota = try KeyQuota(tokens: 1_000, reset: .rolling(days: 30))
        let log = [
            Self.entry("2026-11-01T00:00:00Z", tokens: 400),
            Self.entry("2026-11-02T00:00:00Z", tokens: 300),
            Self.entry("2026-11-03T00:00:00Z", tokens: 200),
        ]
        let state = QuotaState(log: log, quota: quota, at: F.date("2026-11-10T00:00:00Z"))
        let meter = try #require(state.meter(.tokens))
        #expect(meter.used == 900)
        #expect(meter.remaining == 100)
        #expect(state.nextReset == F.date("2026-12-01T00:00:00Z"))
        // 500 more needs the first two entries gone: 900 + 500 − 1000 = 400 → the first is enough
        #expect(state.fit(KeyCharge(tokens: 500)) == .blocked(.tokens, until: F.date("2026-12-01T00:00:00Z")))
        #expect(state.fit(KeyCharge(tokens: 600)) == .blocked(.tokens, until: F.date("2026-12-02T00:00:00Z")))
        #expect(state.fit(KeyCharge(tokens: 100)) == .fits)
        #expect(state.fit(KeyCharge(tokens: 1_001)) == .never(.tokens, limit: 1_000, requested: 1_001))
        // exactly 30 days after an entry it no longer counts
        let later = QuotaState(log: log, quota: quota, at: F.date("2026-12-01T00:00:00Z"))
        #expect(later.meter(.tokens)?.used == 500)
        let justBefore = QuotaState(log: log, quota: quota, at: F.date("2026-11-30T23:59:59Z"))
        #expect(justBefore.meter(.tokens)?.used == 900)
    }

    @Test func pendingLeasesCountAndTheStateIsAFunctionOfTheLog() throws {
        let quota = try KeyQuota(tokens: 1_000, spend: F.money("1.00"), reset: .monthly(day: 1, timeZone: .gmt))
        let log = [Self.entry("2026-11-05T00:00:00Z", tokens: 100, cost: "0.75"), Self.entry("2026-10-31T23:59:59Z", tokens: 900)]
        let at = F.date("2026-11-10T00:00:00Z")
        let state = QuotaState(log: log, quota: quota, at: at, pending: KeyCharge(tokens: 50, cost: F.money("0.20")))
        #expect(state.meter(.tokens)?.used == 100)
        #expect(state.meter(.tokens)?.remaining == 850)
        #expect(state.meter(.spend)?.remaining == F.money("0.05").units)
        #expect(state.fit(KeyCharge(tokens: 10, cost: F.money("0.05"))) == .fits)
        #expect(state.fit(KeyCharge(tokens: 10, cost: F.money("0.06"))) == .blocked(.spend, until: F.date("2026-12-01T00:00:00Z")))
        // the same log in another order: the same state (a restart reads it back in any order)
        #expect(QuotaState(log: log.reversed(), quota: quota, at: at, pending: KeyCharge(tokens: 50, cost: F.money("0.20"))) == state)
    }

    @Test func requestsPerMinuteAndPerDay() throws {
        let quota = try KeyQuota(requestsPerMinute: 2, requestsPerDay: 3, reset: .daily(hour: 0, timeZone: .gmt))
        let log = [
            Self.entry("2026-11-01T10:00:00Z", tokens: 1), Self.entry("2026-11-01T12:00:00Z", tokens: 1),
            Self.entry("2026-11-01T12:00:30Z", tokens: 1),
        ]
        let state = QuotaState(log: log, quota: quota, at: F.date("2026-11-01T12:00:40Z"))
        #expect(state.meter(.requestsPerMinute)?.used == 2)
        #expect(state.meter(.requestsPerDay)?.used == 3)
        // both full: the later of the two decides (per day: local midnight)
        #expect(state.fit(KeyCharge(tokens: 1)) == .blocked(.requestsPerDay, until: F.date("2026-11-02T00:00:00Z")))
    }
}
