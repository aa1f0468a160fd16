import CostBudget
import Foundation
import Testing

@testable import CostRotation

@Suite struct QuotaResetTests {
    typealias F = Fixture

    @Test func dailyAtMidnightLosAngelesAcrossSpringForward() throws {
        let reset = QuotaReset.daily(hour: 0, timeZone: F.zone("America/Los_Angeles"))
        // 2026-03-08: clocks go from 02:00 PST to 03:00 PDT; the day has 23 hours
        let window = try #require(reset.window(containing: F.date("2026-03-08T12:00:00Z")))
        #expect(window.start == F.date("2026-03-08T08:00:00Z"))
        #expect(window.end == F.date("2026-03-09T07:00:00Z"))
        #expect(window.duration == 23 * 3600)
        let before = try #require(reset.window(containing: F.date("2026-03-08T07:59:59Z")))
        #expect(before.start == F.date("2026-03-07T08:00:00Z"))
        #expect(before.end == F.date("2026-03-08T08:00:00Z"))
    }

    @Test func dailyAtMidnightLosAngelesAcrossFallBack() throws {
        let reset = QuotaReset.daily(hour: 0, timeZone: F.zone("America/Los_Angeles"))
        let window = try #require(reset.window(containing: F.date("2026-11-01T20:00:00Z")))
        #expect(window.start == F.date("2026-11-01T07:00:00Z"))
        #expect(window.end == F.date("2026-11-02T08:00:00Z"))
        #expect(window.duration == 25 * 3600)
    }

    @Test func dailyAtThreeBerlinAcrossSpringForward() throws {
        let reset = QuotaReset.daily(hour: 3, timeZone: F.zone("Europe/Berlin"))
        // 2026-03-29: 02:00 CET → 03:00 CEST
        let after = try #require(reset.window(containing: F.date("2026-03-29T12:00:00Z")))
        #expect(after.start == F.date("2026-03-29T01:00:00Z"))
        #expect(after.end == F.date("2026-03-30T01:00:00Z"))
        let before = try #require(reset.window(containing: F.date("2026-03-29T00:30:00Z")))
        #expect(before.start == F.date("2026-03-28T02:00:00Z"))
        #expect(before.end == F.date("2026-03-29T01:00:00Z"))
        #expect(before.duration == 23 * 3600)
    }

    @Test func monthlyOnTheLastDaysClampsToShortMonths() throws {
        let reset = QuotaReset.monthly(day: 31, timeZone: F.zone("UTC"))
        let february = try #require(reset.window(containing: F.date("2026-02-15T00:00:00Z")))
        #expect(february.start == F.date("2026-01-31T00:00:00Z"))
        #expect(february.end == F.date("2026-02-28T00:00:00Z"))
        let march = try #require(reset.window(containing: F.date("2026-03-01T00:00:00Z")))
        #expect(march.start == F.date("2026-02-28T00:00:00Z"))
        #expect(march.end == F.date("2026-03-31T00:00:00Z"))
    }

    @Test func monthlyOnDayFifteenInNewYork() throws {
        let reset = QuotaReset.monthly(day: 15, timeZone: F.zone("America/New_York"))
        let window = try #require(reset.window(containing: F.date("2026-11-10T12:00:00Z")))
        #expect(window.start == F.date("2026-10-15T04:00:00Z"))  // EDT
        #expect(window.end == F.date("2026-11-15T05:00:00Z"))  // EST
    }

    @Test func monthlyBeforeTheResetDayInJanuaryStartsInDecember() throws {
        let reset = QuotaReset.monthly(day: 15, timeZone: F.zone("UTC"))
        let window = try #require(reset.window(containing: F.date("2026-01-10T00:00:00Z")))
        #expect(window.start == F.date("2025-12-15T00:00:00Z"))
        #expect(window.end == F.date("2026-01-15T00:00:00Z"))
        let daily = QuotaReset.daily(hour: 6, timeZone: F.zone("UTC"))
        let newYear = try #require(daily.window(containing: F.date("2026-01-01T05:00:00Z")))
        #expect(newYear.start == F.date("2025-12-31T06:00:00Z"))
    }

    @Test func dayOneAndMidnightAreBudgetPeriods() throws {
        let zone = F.zone("Europe/Berlin")
        let instant = F.date("2026-10-25T10:00:00Z")
        #expect(QuotaReset.monthly(day: 1, timeZone: zone).window(containing: instant)
            == BudgetPeriod.monthly(in: zone).window(containing: instant))
        #expect(QuotaReset.daily(hour: 0, timeZone: zone).window(containing: instant)
            == BudgetPeriod.daily(in: zone).window(containing: instant))
    }

    @Test(arguments: [QuotaReset.rolling(days: 0), .monthly(day: 0, timeZone: .gmt), .daily(hour: 24, timeZone: .gmt)])
    func invalidSchedulesAreRefused(_ reset: QuotaReset) {
        #expect(throws: RotationError.self) { try KeyQuota(tokens: 10, reset: reset) }
    }

    @Test func descriptions() {
        #expect(QuotaReset.standard.description == "rolling30")
        #expect(QuotaReset.daily(hour: 0, timeZone: F.zone("America/Los_Angeles")).description
            == "daily@00:00America/Los_Angeles")
    }
}

@Suite struct QuotaResetParsingTests {
    typealias F = Fixture

    @Test(arguments: [
        ("rolling30", QuotaReset.rolling(days: 30)),
        ("rolling", .rolling(days: 30)),
        ("rolling:7", .rolling(days: 7)),
        ("monthly", .monthly(day: 1, timeZone: F.zone("Europe/Paris"))),
        ("monthly:15", .monthly(day: 15, timeZone: F.zone("Europe/Paris"))),
        ("monthly:1@Europe/Berlin", .monthly(day: 1, timeZone: F.zone("Europe/Berlin"))),
        ("daily", .daily(hour: 0, timeZone: F.zone("Europe/Paris"))),
        ("daily@07:00", .daily(hour: 7, timeZone: F.zone("Europe/Paris"))),
        ("daily@00:00America/Los_Angeles", .daily(hour: 0, timeZone: F.zone("America/Los_Angeles"))),
    ])
    func parses(_ text: String, _ expected: QuotaReset) throws {
        let parsed = try QuotaReset(parsing: text, defaultTimeZone: F.zone("Europe/Paris"))
        #expect(parsed == expected)
        // what description prints parses back to the same schedule
        #expect(try QuotaReset(parsing: parsed.description, defaultTimeZone: .gmt) == parsed)
    }

    @Test(arguments: ["weekly", "rolling0", "rollingx", "monthly:32", "monthly:1@Mars/Olympus", "daily@24:00", "daily@07:30", "daily7"])
    func refuses(_ text: String) {
        #expect(throws: RotationError.self) { try QuotaReset(parsing: text, defaultTimeZone: .gmt) }
    }
}
