import CostPricing
import Foundation
import Testing

@testable import CostBudget

@Suite("Budget periods")
struct BudgetPeriodTests {
    typealias F = Fixture

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var period: BudgetPeriod
        var instant: String
        var start: String
        var end: String
        var testDescription: String { name }
    }

    static let berlin = Fixture.zone("Europe/Berlin")
    static let newYork = Fixture.zone("America/New_York")

    /// Hand-computed from the zones' rules: Berlin moves to CEST (UTC+2) on 2026-03-29 at 02:00 and
    /// back to CET on 2026-10-25 at 03:00; New York moves to EDT on 2026-03-08 at 02:00 and back to
    /// EST on 2026-11-01 at 02:00.
    static let cases: [Case] = [
        Case(name: "Berlin spring-forward day has 23 hours", period: .daily(in: berlin),
             instant: "2026-03-29T12:00:00Z", start: "2026-03-28T23:00:00Z", end: "2026-03-29T22:00:00Z"),
        Case(name: "Berlin fall-back day has 25 hours", period: .daily(in: berlin),
             instant: "2026-10-25T01:30:00Z", start: "2026-10-24T22:00:00Z", end: "2026-10-25T23:00:00Z"),
        Case(name: "New York spring-forward day has 23 hours", period: .daily(in: newYork),
             instant: "2026-03-08T07:30:00Z", start: "2026-03-08T05:00:00Z", end: "2026-03-09T04:00:00Z"),
        Case(name: "New York fall-back day has 25 hours", period: .daily(in: newYork),
             instant: "2026-11-01T05:30:00Z", start: "2026-11-01T04:00:00Z", end: "2026-11-02T05:00:00Z"),
        Case(name: "New York: 23:30 local on 2026-11-01 is still that day", period: .daily(in: newYork),
             instant: "2026-11-02T04:30:00Z", start: "2026-11-01T04:00:00Z", end: "2026-11-02T05:00:00Z"),
        Case(name: "Berlin Monday week across the spring switch", period: .weekly(in: berlin),
             instant: "2026-03-29T21:59:59Z", start: "2026-03-22T23:00:00Z", end: "2026-03-29T22:00:00Z"),
        Case(name: "New York Sunday week across the fall switch", period: .weekly(in: newYork, firstWeekday: 1),
             instant: "2026-11-03T12:00:00Z", start: "2026-11-01T04:00:00Z", end: "2026-11-08T05:00:00Z"),
        Case(name: "UTC Monday week across a month start", period: .weekly(in: TimeZone(identifier: "UTC")!),
             instant: "2026-04-01T12:00:00Z", start: "2026-03-30T00:00:00Z", end: "2026-04-06T00:00:00Z"),
        Case(name: "Berlin Monday week across a year start", period: .weekly(in: berlin),
             instant: "2027-01-01T12:00:00Z", start: "2026-12-27T23:00:00Z", end: "2027-01-03T23:00:00Z"),
        Case(name: "Berlin March 2026 (CET start, CEST end)", period: .monthly(in: berlin),
             instant: "2026-03-15T00:00:00Z", start: "2026-02-28T23:00:00Z", end: "2026-03-31T22:00:00Z"),
        Case(name: "New York Q4 2026 (EDT start, EST end)", period: .quarterly(in: newYork),
             instant: "2026-11-15T00:00:00Z", start: "2026-10-01T04:00:00Z", end: "2027-01-01T05:00:00Z"),
        Case(name: "Berlin year 2026", period: .yearly(in: berlin),
             instant: "2026-07-01T00:00:00Z", start: "2025-12-31T23:00:00Z", end: "2026-12-31T23:00:00Z"),
        Case(name: "Berlin: 00:30 local on New Year's Day is already 2027", period: .yearly(in: berlin),
             instant: "2026-12-31T23:30:00Z", start: "2026-12-31T23:00:00Z", end: "2027-12-31T23:00:00Z"),
        Case(name: "UTC day: the end instant belongs to the next day", period: .daily(in: TimeZone(identifier: "UTC")!),
             instant: "2026-05-02T00:00:00Z", start: "2026-05-02T00:00:00Z", end: "2026-05-03T00:00:00Z"),
        Case(name: "Sao Paulo 2018-11-04: midnight did not exist, the day starts at 01:00", period: .daily(in: Fixture.zone("America/Sao_Paulo")),
             instant: "2018-11-04T12:00:00Z", start: "2018-11-04T03:00:00Z", end: "2018-11-05T02:00:00Z"),
        Case(name: "rolling 24 hours", period: .rolling(hours: 24),
             instant: "2026-03-29T12:00:00Z", start: "2026-03-28T12:00:00Z", end: "2026-03-29T12:00:00Z"),
        Case(name: "rolling 7 days are 168 hours, even across a switch", period: .rolling(days: 7),
             instant: "2026-03-30T00:00:00Z", start: "2026-03-23T00:00:00Z", end: "2026-03-30T00:00:00Z"),
    ]

    @Test("the period containing an instant", arguments: cases)
    func window(_ c: Case) throws {
        let window = try #require(c.period.window(containing: F.date(c.instant)))
        #expect(window.start == F.date(c.start))
        #expect(window.end == F.date(c.end))
        #expect(window.contains(F.date(c.instant)) || c.period.isRolling)
    }

    @Test("consecutive Berlin days tile March 2026 with no gap or overlap, 23 hours on the switch day")
    func daysTile() throws {
        let period = BudgetPeriod.daily(in: Self.berlin)
        var cursor = F.date("2026-02-28T23:00:00Z")
        var lengths: [Double] = []
        while cursor < F.date("2026-03-31T22:00:00Z") {
            let window = try #require(period.window(containing: cursor))
            #expect(window.start == cursor)
            lengths.append(window.duration / 3600)
            cursor = window.end
        }
        #expect(lengths.count == 31)
        #expect(lengths.filter { $0 == 23 }.count == 1)
        #expect(lengths[28] == 23)  // the 29th
        #expect(lengths.filter { $0 == 24 }.count == 30)
    }

    @Test("a custom range applies only inside [start, end)")
    func custom() throws {
        let period = BudgetPeriod.custom(start: F.date("2026-06-01T00:00:00Z"), end: F.date("2026-06-15T00:00:00Z"))
        #expect(period.window(containing: F.date("2026-05-31T23:59:59Z")) == nil)
        #expect(period.window(containing: F.date("2026-06-01T00:00:00Z"))?.end == F.date("2026-06-15T00:00:00Z"))
        #expect(period.window(containing: F.date("2026-06-15T00:00:00Z")) == nil)
    }

    @Test("bad periods are refused when the budget is made")
    func invalid() {
        let limit = BudgetLimit.requests(10)
        #expect(throws: BudgetError.self) { try Budget(name: "x", limit: limit, period: .rolling(hours: 0)) }
        #expect(throws: BudgetError.self) { try Budget(name: "x", limit: limit, period: .rolling(days: Int.min)) }
        #expect(BudgetPeriod.rolling(days: Int.max) == .rolling(seconds: Int.max))
        #expect(throws: BudgetError.self) { try Budget(name: "x", limit: limit, period: .weekly(in: Self.berlin, firstWeekday: 8)) }
        let d = F.date("2026-06-01T00:00:00Z")
        #expect(throws: BudgetError.self) { try Budget(name: "x", limit: limit, period: .custom(start: d, end: d)) }
        #expect(throws: BudgetError.self) { try Budget(name: " ", limit: limit, period: .rolling(hours: 1)) }
        #expect(throws: BudgetError.self) { try Budget(name: "x", limit: .tokens(0), period: .rolling(hours: 1)) }
        #expect(throws: BudgetError.self) {
            try Budget(name: "x", limit: .money(Money(units: Int128.max / 2)), period: .rolling(hours: 1))
        }
    }
}
