import CostPricing
import Foundation
import Testing

@testable import CostBudget

@Suite("Enforcement ladder")
struct LadderTests {
    static func percents(_ profile: LadderProfile) -> [Int?] {
        LadderLevel.allCases.map { level in profile.threshold(of: level).map { $0.basisPoints / 100 } }
    }

    @Test("the named profiles map onto the eight levels as Documentation/Budgets.md tabulates")
    func namedProfiles() {
        #expect(Self.percents(.standard) == [70, 80, 90, 95, 98, 100, 105, 110])
        #expect(Self.percents(.free) == [70, 80, 90, 95, 98, 100, 105, 110])
        #expect(Self.percents(.premium) == [80, 90, 95, nil, 98, 100, 105, 110])
        #expect(Self.percents(.enterprise) == [90, 95, 98, 100, 103, 105, 110, 115])
        #expect(LadderProfile.named["premium"] == .premium)
    }

    @Test("a level starts exactly at its threshold: 70% of $100 is $70, one attodollar less is below")
    func exactBoundaries() throws {
        let limit = try Money(dollars: 100).units
        let seventy = try Money(dollars: 70).units
        #expect(LadderProfile.standard.level(used: seventy, limit: limit) == .warning)
        #expect(LadderProfile.standard.level(used: seventy - 1, limit: limit) == nil)
        #expect(LadderProfile.standard.level(used: try Money(dollars: 110).units, limit: limit) == .hardStop)
        #expect(LadderProfile.standard.level(used: try Money(dollars: 110).units - 1, limit: limit) == .emergency)
        // 1/3 of the way in basis points: 3 of 9 requests is 33.33…%, below a 33.34% threshold
        let odd = try LadderProfile.custom([.warning: Threshold(basisPoints: 3334)])
        #expect(odd.level(used: 3, limit: 9) == nil)
        #expect(odd.level(used: 4, limit: 9) == .warning)
        #expect(LadderProfile.standard.level(used: Int128.max, limit: limit) == .hardStop)
    }

    @Test("custom thresholds: levels left out are off; thresholds must rise with the level")
    func custom() throws {
        let two = try LadderProfile.custom([.notification: 50, .hardStop: 100])
        #expect(Self.percents(two) == [nil, 50, nil, nil, nil, nil, nil, 100])
        #expect(two.level(used: 99, limit: 100) == .notification)
        #expect(two.level(used: 100, limit: 100) == .hardStop)
        #expect(throws: BudgetError.self) { try LadderProfile.custom([.warning: 90, .notification: 80]) }
        #expect(throws: BudgetError.self) { try LadderProfile.custom([.warning: 90, .notification: 90]) }
        #expect(throws: BudgetError.self) { try LadderProfile.custom([.warning: 0]) }
        #expect(throws: BudgetError.self) { try LadderProfile.custom([.hardStop: 1001]) }
        #expect(throws: BudgetError.self) { try LadderProfile.custom([.hardStop: Threshold(percent: Int.max)]) }
        let moved = try LadderProfile.standard.setting(.hardStop, to: 150)
        #expect(Self.percents(moved).last == 150)
        #expect(throws: BudgetError.self) { try LadderProfile.standard.setting(.warning, to: 85) }
    }

    @Test("switching levels off gives their range to the milder level below")
    func disabling() {
        let profile = LadderProfile.standard.disabling([.throttling, .modelDowngrade, .providerSwitch])
        #expect(Self.percents(profile) == [70, 80, nil, nil, nil, 100, 105, 110])
        #expect(profile.level(used: 97, limit: 100) == .notification)
        #expect(profile.name == "standard*")
    }

    @Test("token bucket: a burst, then one token per interval; the wait is what is missing")
    func tokenBucket() {
        let t0 = Fixture.date("2026-01-01T00:00:00Z")
        var bucket = TokenBucket(rate: ThrottleRate(requests: 2, per: .seconds(1), burst: 2), at: t0)
        #expect(bucket.take(at: t0) == .zero)
        #expect(bucket.take(at: t0) == .zero)
        #expect(bucket.wait(at: t0) == .milliseconds(500))
        #expect(bucket.take(at: t0) == .milliseconds(500))  // refused, nothing taken
        #expect(bucket.wait(at: t0.addingTimeInterval(0.25)) == .milliseconds(250))
        #expect(bucket.take(at: t0.addingTimeInterval(0.5)) == .zero)
        // after a long pause the bucket holds at most the burst
        #expect(bucket.available(at: t0.addingTimeInterval(60)) == 2)
    }
}

@Suite("Budget internals")
struct BudgetInternalsTests {
    @Test("hold ids are version-4 UUIDs and distinct")
    func holdIDs() {
        let ids = (0..<1000).map { _ in BudgetHold.makeID() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(20) {
            let text = id.uuidString
            #expect(Array(text)[14] == "4")
            #expect("89AB".contains(Array(text)[19]))
        }
    }

    @Test("the display ratio of Int128 amounts matches Double's own conversion to the last bit")
    func approximateDouble() {
        for value: Int128 in [0, 1, -1, 1 << 64, (1 << 64) - 1, -(1 << 70) + 12_345, 110_000_000_000_000_000_000, .max, .min] {
            let exact = Double(value)
            #expect(abs(value.approximateDouble - exact) <= abs(exact) * 0x1p-52)
        }
    }
}
