import CostBudget
import CostPricing
import Foundation
import Testing

private typealias F = Fixture

/// Projections with figures worked out by hand.
@Suite("BudgetProjection")
struct BudgetProjectionTests {
    static let utc = F.zone("UTC")

    static func state(_ budget: Budget, at: Date, spent: BudgetCharge, held: BudgetCharge = .zero) -> BudgetState {
        BudgetState(budget: budget, window: budget.period.window(containing: at), spent: spent, held: held)
    }

    static func dollars(_ text: String) -> BudgetCharge { BudgetCharge(cost: F.money(text), tokens: 0, requests: 0) }

    static func day(_ text: String, _ charge: BudgetCharge) -> DailySpend { DailySpend(day: F.date(text), charge: charge) }

    @Test("monthly: rate over 6.5 days, projected spend at the month's end, exhaustion, days left")
    func monthly() throws {
        // $100 a month; $40 spent + $5 held on 2026-03-11 12:00 UTC; $10 a day on Mar 5-10, $3 today;
        // Mar 4 lies outside the 7-day window
        let budget = try F.budget(dollars: 100)
        let at = F.date("2026-03-11T12:00:00Z")
        var series = [Self.day("2026-03-04T00:00:00Z", Self.dollars("100")), Self.day("2026-03-11T00:00:00Z", Self.dollars("3"))]
        for d in 5...10 { series.append(Self.day("2026-03-\(String(format: "%02d", d))T00:00:00Z", Self.dollars("10"))) }
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: Self.dollars("40"), held: Self.dollars("5")), dailySpend: series.shuffled(), at: at)
        #expect(p.spent == F.money("40").units && p.held == F.money("5").units && p.remaining == F.money("55").units)
        #expect(p.level == nil && !p.isExhausted)
        #expect(p.rateWindow == PeriodWindow(start: F.date("2026-03-05T00:00:00Z"), end: at))
        #expect(p.rateWindowSpend == F.money("63").units)
        // $63 over 6.5 days = $9.692307692307692307… a day (rounded down at 10⁻¹⁸)
        #expect(p.burnRatePerDay == F.money("9.692307692307692307").units)
        // 20.5 days left: $45 + $63 × 20.5 / 6.5
        #expect(p.projectedSpend == F.money("243.692307692307692307").units)
        #expect(!p.isOnTrack)
        // $55 to go at $63 per 6.5 days: 490,285,714.29 ms, rounded up to the millisecond
        #expect(p.projectedExhaustion == at.addingTimeInterval(490_285.715))
        #expect(abs((p.daysLeft ?? 0) - 5.674603) < 1e-6)
        #expect(p.periodDaysLeft == 20.5)
        #expect(p.summary.contains("$40.00 spent + $5.00 held of $100.00 (45.0%)"))
    }

    @Test("the rate window's days are local days of the budget's time zone")
    func berlinDays() throws {
        let berlin = F.zone("Europe/Berlin")
        let budget = try F.budget(dollars: 100, period: .monthly(in: berlin))
        // 13:00 in Berlin; one day of window starts at local midnight, 23:00 UTC the day before
        let at = F.date("2026-03-11T12:00:00Z")
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: Self.dollars("13")),
            dailySpend: [Self.day("2026-03-10T23:00:00Z", Self.dollars("13")), Self.day("2026-03-09T23:00:00Z", Self.dollars("50"))],
            at: at, rateWindowDays: 1)
        #expect(p.rateWindow.start == F.date("2026-03-10T23:00:00Z"))
        #expect(p.rateWindowSpend == F.money("13").units)
        #expect(p.burnRatePerDay == F.money("24").units)
        // Berlin's March ends 2026-03-31T22:00Z: 20 days 10 hours left at $24 a day
        #expect(p.projectedSpend == F.money("13").units + F.money("490").units)
    }

    @Test("a new spender's rate is measured from its first day with spend, at least an hour")
    func newSpender() throws {
        let budget = try F.budget(dollars: 100, period: .custom(start: F.date("2026-03-01T00:00:00Z"), end: F.date("2026-03-21T00:00:00Z")))
        let at = F.date("2026-03-11T00:00:00Z")
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: Self.dollars("10")), dailySpend: [Self.day("2026-03-10T00:00:00Z", Self.dollars("10"))],
            at: at)
        #expect(p.rateWindow.start == F.date("2026-03-10T00:00:00Z"))
        #expect(p.burnRatePerDay == F.money("10").units)
        // ten days left in the custom range: $10 + $100; the remaining $90 last 9 days
        #expect(p.projectedSpend == F.money("110").units && !p.isOnTrack)
        #expect(p.projectedExhaustion == at.addingTimeInterval(9 * 86_400))
        #expect(p.periodDaysLeft == 10)

        // the first request of the day: an hour, not a millisecond, is the shortest span
        let early = F.date("2026-03-10T00:00:01Z")
        let first = BudgetProjection(
            state: Self.state(budget, at: early, spent: Self.dollars("1")), dailySpend: [Self.day("2026-03-10T00:00:00Z", Self.dollars("1"))],
            at: early)
        #expect(first.burnRatePerDay == F.money("24").units)
    }

    @Test("empty history: no rate, projected = spent + held, never exhausted, on track")
    func emptyHistory() throws {
        let budget = try F.budget(dollars: 100)
        let at = F.date("2026-03-11T12:00:00Z")
        let p = BudgetProjection(state: Self.state(budget, at: at, spent: .zero, held: Self.dollars("2")), dailySpend: [], at: at)
        #expect(p.rateWindow.start == F.date("2026-03-05T00:00:00Z"))
        #expect(p.burnRatePerDay == 0 && p.projectedSpend == F.money("2").units)
        #expect(p.projectedExhaustion == nil && p.daysLeft == nil && p.isOnTrack)
    }

    @Test("exhausted: the exhaustion instant is now, no days left, not on track")
    func exhausted() throws {
        let budget = try F.budget(dollars: 100)
        let at = F.date("2026-03-11T12:00:00Z")
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: Self.dollars("104")), dailySpend: [Self.day("2026-03-11T00:00:00Z", Self.dollars("4"))],
            at: at)
        #expect(p.isExhausted && p.level == .requestQueue && p.remaining == -F.money("4").units)
        #expect(p.projectedExhaustion == at && p.daysLeft == 0 && !p.isOnTrack)
        #expect(p.summary.contains("exhausted"))
    }

    @Test("a custom range that does not contain the instant projects nothing")
    func outsideCustomRange() throws {
        let budget = try F.budget(dollars: 100, period: .custom(start: F.date("2026-04-01T00:00:00Z"), end: F.date("2026-05-01T00:00:00Z")))
        let at = F.date("2026-03-11T12:00:00Z")
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: .zero), dailySpend: [Self.day("2026-03-11T00:00:00Z", Self.dollars("50"))], at: at)
        #expect(p.window == nil && p.projectedSpend == 0 && p.projectedExhaustion == nil && p.isOnTrack)
        #expect(p.periodDaysLeft == nil)
    }

    @Test("a rolling token budget: the steady state of the window, and when it fills")
    func rollingTokens() throws {
        func budget(_ tokens: Int) throws -> Budget {
            try Budget(name: "t", limit: .tokens(tokens), period: .rolling(hours: 24))
        }
        let at = F.date("2026-03-11T06:00:00Z")
        let series = [
            DailySpend(day: F.date("2026-03-10T00:00:00Z"), charge: BudgetCharge(cost: .zero, tokens: 480_000, requests: 40)),
            DailySpend(day: F.date("2026-03-11T00:00:00Z"), charge: BudgetCharge(cost: .zero, tokens: 120_000, requests: 10)),
        ]
        let spent = BudgetCharge(cost: .zero, tokens: 300_000, requests: 25)
        // 600,000 tokens over 30 hours: 480,000 a day, and 480,000 in a 24-hour window
        let roomy = BudgetProjection(state: Self.state(try budget(1_000_000), at: at, spent: spent), dailySpend: series, at: at, rateWindowDays: 2)
        #expect(roomy.isRolling && roomy.burnRatePerDay == 480_000 && roomy.projectedSpend == 480_000)
        #expect(roomy.isOnTrack && roomy.projectedExhaustion == nil && roomy.periodDaysLeft == nil)
        #expect(roomy.format(roomy.burnRatePerDay) == "480000 tokens")

        // a 400,000-token window fills: 100,000 more tokens at 20,000 an hour is 5 hours
        let tight = BudgetProjection(state: Self.state(try budget(400_000), at: at, spent: spent), dailySpend: series, at: at, rateWindowDays: 2)
        #expect(!tight.isOnTrack && tight.projectedExhaustion == at.addingTimeInterval(5 * 3600))
    }

    @Test("a request budget counts requests, not dollars")
    func requests() throws {
        let budget = try Budget(name: "r", limit: .requests(1_000), period: .daily(in: Self.utc))
        let at = F.date("2026-03-11T06:00:00Z")
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: BudgetCharge(cost: F.money("99"), tokens: 9, requests: 300)),
            dailySpend: [DailySpend(day: F.date("2026-03-11T00:00:00Z"), charge: BudgetCharge(cost: F.money("99"), tokens: 9, requests: 300))],
            at: at)
        // 300 requests in 6 hours: 1,200 a day; 18 hours left → 300 + 900
        #expect(p.burnRatePerDay == 1_200 && p.projectedSpend == 1_200 && !p.isOnTrack)
        // 700 more at 50 an hour: 14 hours, inside the day
        #expect(p.projectedExhaustion == at.addingTimeInterval(14 * 3600))
    }

    @Test("JSON: amounts exact in the budget's measure, instants in UTC, levels by name")
    func json() throws {
        let budget = try F.budget(dollars: 100)
        let at = F.date("2026-03-11T12:00:00Z")
        let p = BudgetProjection(
            state: Self.state(budget, at: at, spent: Self.dollars("96")), dailySpend: [Self.day("2026-03-11T00:00:00Z", Self.dollars("6"))],
            at: at)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(p)) as? [String: Any])
        #expect(object["measure"] as? String == "usd" && object["level"] as? String == "model-downgrade")
        #expect(object["spent"] as? String == "96" && object["remaining"] as? String == "4")
        // $6 in 12 hours: $12 a day; $4 to go lasts 8 hours
        #expect(object["burn_rate_per_day"] as? String == "12")
        #expect(object["projected_exhaustion"] as? String == "2026-03-11T20:00:00Z")
        #expect(object["period_end"] as? String == "2026-04-01T00:00:00Z" && object["on_track"] as? Bool == false)

        let tokens = try Budget(name: "t", limit: .tokens(1_000), period: .rolling(hours: 1))
        let alert = BudgetAlert(
            state: BudgetState(budget: tokens, window: tokens.period.window(containing: at), spent: BudgetCharge(cost: .zero, tokens: 950, requests: 1), held: .zero),
            level: .modelDowngrade, at: at)
        let alertObject = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(alert)) as? [String: Any])
        #expect(alertObject["used"] as? Int == 950 && alertObject["limit"] as? Int == 1_000 && alertObject["measure"] as? String == "tokens")
        #expect(alertObject["severity"] as? String == "warning" && alertObject["threshold_percent"] as? Double == 95)
        #expect(alertObject["period_start"] is NSNull && alertObject["at"] as? String == "2026-03-11T12:00:00Z")
    }
}
