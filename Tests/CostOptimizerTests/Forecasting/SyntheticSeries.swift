import CostOptimizer
import CostPricing
import Foundation

extension SplitMix64 {
    /// A standard normal draw (Box–Muller).
    mutating func gaussian() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

enum Synthetic {
    static let utc = TimeZone(identifier: "UTC") ?? .gmt

    /// 2026-09-07 was a Monday.
    static let monday = Date(timeIntervalSince1970: 1_788_739_200)

    /// Weekly shape of daily cost: weekdays 1, weekends 0.3.
    static let weekdayFactor: [Double] = [1, 1.05, 1, 0.95, 0.9, 0.3, 0.3]

    /// Shape of an hour of the day: low at night, peak in the afternoon.
    static func hourFactor(_ hour: Int) -> Double {
        0.05 + 0.95 * max(0, sin(Double(hour - 6) / 16 * .pi))
    }

    /// Daily series of `days` days from `start`, each a `Money` from `dollars(dayIndex)`.
    static func daily(
        days: Int, start: Date = monday, zone: TimeZone = utc, scope: CostScope = .all, events: Int = 100,
        dollars: (Int) -> Double
    ) -> CostSeries {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let points = (0..<days).map { i in
            let day = calendar.date(byAdding: .day, value: i, to: start) ?? start
            return CostSeries.Point(
                start: day, cost: Money(approximateDollars: dollars(i)) ?? .zero, events: events, requests: events,
                tokens: events * 1_000)
        }
        return CostSeries(scope: scope, granularity: .day, timeZone: zone, points: points)
    }
}
