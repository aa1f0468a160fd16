import CostBudget
import CostOptimizer
import CostPricing
import Foundation
import Testing

@Suite("Monthly cost forecast: month boundaries in the zone, spent exactly, budgets")
struct MonthlyCostForecastTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin") ?? .gmt

    /// $10 every day from 2026-09-07 (local midnight in `zone`) to the day of `until`.
    static func flat(until: Date, zone: TimeZone, dollars: Double = 10) -> CostSeries {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.date(from: DateComponents(year: 2026, month: 9, day: 7)) ?? until
        let days = (calendar.dateComponents([.day], from: start, to: until).day ?? 0) + 1
        return Synthetic.daily(days: days, start: start, zone: zone) { _ in dollars }
    }

    static func usd(_ dollars: Int) -> Money { Money(units: Int128(dollars) * Money.unitsPerDollar) }

    static func instant(_ text: String) throws -> Date { try #require(Timestamp.parseOrNil(text)) }

    @Test("mid-month: spent is exact to the instant, the rest is today's share plus the later days")
    func midMonth() throws {
        // 2026-11-22T12:00 in Berlin (UTC+1): half of the 22nd and 8 more days remain in November
        let now = try Self.instant("2026-11-22T11:00:00Z")
        let series = Self.flat(until: now, zone: Self.berlin)
        let month = MonthlyCostForecast.month(containing: now, in: Self.berlin)
        let start = try Self.instant("2026-10-31T23:00:00Z")
        let end = try Self.instant("2026-11-30T23:00:00Z")
        #expect(month.start == start && month.end == end)
        let f = MonthlyCostForecast(series: series, month: month, at: now)
        // 21 whole days and today's point (the series holds the whole day's $10 at its start)
        #expect(f.spent == Self.usd(220))
        #expect(abs(f.daysRemaining - 8.5) < 1e-9)
        #expect(f.model == .trendAndWeekday)
        #expect(f.trend.label == .stable)
        #expect(f.remaining == Self.usd(85))
        #expect(f.projected == Self.usd(305))
        #expect(f.lower == f.projected && f.upper == f.projected)  // no noise: no width
    }

    @Test("a month that is over is all actuals; one not begun is all forecast")
    func pastAndFuture() throws {
        let now = try Self.instant("2026-11-22T11:00:00Z")
        let series = Self.flat(until: now, zone: Synthetic.utc)
        let october = MonthlyCostForecast.month(containing: try Self.instant("2026-10-15T00:00:00Z"), in: Synthetic.utc)
        let past = MonthlyCostForecast(series: series, month: october, at: now)
        #expect(past.spent == Self.usd(310) && past.remaining == .zero && past.upper == past.spent)
        #expect(past.notes.contains { $0.contains("over") })
        let december = MonthlyCostForecast.month(containing: try Self.instant("2026-12-15T00:00:00Z"), in: Synthetic.utc)
        let future = MonthlyCostForecast(series: series, month: december, at: now)
        #expect(future.spent == .zero && future.remaining == Self.usd(310))
    }

    @Test("a new scope with one day of history is insufficient data, never a made-up figure")
    func newScope() throws {
        let now = try Self.instant("2026-11-22T11:00:00Z")
        let series = Synthetic.daily(days: 2, start: try Self.instant("2026-11-21T00:00:00Z")) { _ in 3 }
        let f = MonthlyCostForecast(series: series, month: MonthlyCostForecast.month(containing: now, in: Synthetic.utc), at: now)
        #expect(f.insufficientData)
        #expect(f.projected == f.spent && f.spent == Self.usd(6))
    }

    @Test("budgets: only monthly money budgets of exactly the scope; on track, at risk, over")
    func budgets() throws {
        let now = try Self.instant("2026-11-22T11:00:00Z")
        var rng = SplitMix64(seed: 7)
        let start = try Self.instant("2026-09-07T00:00:00Z")
        let series = Synthetic.daily(days: 77, start: start, scope: CostScope(dimension: .team, value: "search")) { _ in
            10 + 2 * rng.gaussian()
        }
        let month = MonthlyCostForecast.month(containing: now, in: Synthetic.utc)
        var f = MonthlyCostForecast(series: series, month: month, at: now)
        func budget(_ name: String, _ dollars: Int, _ scope: BudgetScope, _ period: BudgetPeriod = .monthly(in: Synthetic.utc)) throws -> Budget {
            try Budget(name: name, scope: scope, limit: .money(try Money(dollars: dollars)), period: period)
        }
        let projected = f.projected.approximateDollars  // about $300
        f.compare(with: [
            try budget("roomy", 400, BudgetScope(.team("search"))),
            try budget("tight", Int(projected.rounded()), BudgetScope(.team("search"))),
            try budget("small", 100, BudgetScope(.team("search"))),
            try budget("other-team", 100, BudgetScope(.team("ads"))),
            try budget("narrowed", 100, BudgetScope(.team("search"), model: "gpt-4o")),
            try budget("daily", 100, BudgetScope(.team("search")), .daily(in: Synthetic.utc)),
        ])
        #expect(f.budgets.map(\.budget) == ["roomy", "small", "tight"])
        let byName = Dictionary(uniqueKeysWithValues: f.budgets.map { ($0.budget, $0) })
        #expect(byName["roomy"]?.status == .onTrack)
        #expect((byName["roomy"]?.overLimitProbability ?? 1) < 0.01)
        #expect(byName["tight"]?.status == .atRisk)
        #expect(abs((byName["tight"]?.overLimitProbability ?? 0) - 0.5) < 0.1)
        #expect(byName["small"]?.status == .over && byName["small"]?.overLimitProbability == 1)
    }
}
