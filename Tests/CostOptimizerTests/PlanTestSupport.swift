import CostOptimizer
import CostPricing
import Foundation
import Testing

/// Synthetic usage for plan tests: sessions of a known API-equivalent cost on known days.
enum PlanUsage {
    /// The end of every test range: 2026-11-22T00:00:00Z.
    static let until = Date(timeIntervalSince1970: 1_795_305_600)
    static let days = 30
    static var since: Date { until.addingTimeInterval(-Double(days) * 86_400) }

    /// One session: `requests` Anthropic requests ten minutes apart starting at `hour` on `day`
    /// (0 = the first day of the range), together costing `cost` dollars exactly.
    static func session(day: Int, hour: Int = 9, cost: String, requests: Int = 4, provider: String = "anthropic",
                        model: String = "claude-sonnet-4-5") throws -> [PlanUsageSample] {
        let total = try Money(parsing: cost)
        let each = try total.prorated(count: 1, per: requests)
        let start = since.addingTimeInterval(Double(day) * 86_400 + Double(hour) * 3_600)
        return (0..<requests).map { i in
            PlanUsageSample(
                timestamp: start.addingTimeInterval(Double(i) * 600), provider: provider, model: model, apiCost: each,
                requests: 1, tokens: 10_000)
        }
    }

    /// A session every day of `days` (all of the range by default) costing `cost`.
    static func daily(cost: String, days: Range<Int> = 0..<PlanUsage.days) throws -> [PlanUsageSample] {
        try days.flatMap { try session(day: $0, cost: cost) }
    }

    /// The time just after the session of `day` (a meter read then sees the whole session).
    static func afterSession(day: Int, hour: Int = 9) -> String {
        Timestamp.format(since.addingTimeInterval(Double(day) * 86_400 + Double(hour) * 3_600 + 3_000))
    }

    static func fit(
        _ samples: [PlanUsageSample], current: String? = nil, meters: [String] = [], catalog: PlanCatalog? = nil,
        options: PlanFitOptions = PlanFitOptions(), seed: UInt64 = 7
    ) throws -> PlanFitReport {
        var random = SplitMix64(seed: seed)
        return try PlanFit(catalog: try catalog ?? PlanCatalog.bundled(), options: options).evaluate(
            samples: samples, until: until, currentPlanID: current, meters: try meters.map(MeterReading.init(parsing:)),
            using: &random)
    }
}
