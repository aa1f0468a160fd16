import CostOptimizer
import CostPricing
import Foundation
import Testing

/// How long a fit takes on a large history. Long: run with `COSTCTL_PLANFIT_SCALE=1`.
@Suite("Plan fit at scale")
struct PlanFitScaleTests {
    @Test(
        "60 days, 200,000 requests: the fit of every Claude plan with 200 bootstrap months",
        .enabled(if: ProcessInfo.processInfo.environment["COSTCTL_PLANFIT_SCALE"] != nil))
    func twoHundredThousand() throws {
        var random = SplitMix64(seed: 9)
        let until = PlanUsage.until
        let since = until.addingTimeInterval(-60 * 86_400)
        let samples = (0..<200_000).map { i in
            PlanUsageSample(
                timestamp: since.addingTimeInterval(Double(i) * 60 * 86_400 / 200_000 + Double.random(in: 0..<20, using: &random)),
                provider: "anthropic", model: "claude-sonnet-4-5", apiCost: Money(units: Int128.random(in: 1...90_000_000_000_000_000, using: &random)))
        }
        let clock = ContinuousClock()
        var report: PlanFitReport?
        let elapsed = try clock.measure {
            report = try PlanFit(catalog: try PlanCatalog.bundled(), options: PlanFitOptions().with { $0.days = 60 })
                .evaluate(samples: samples, until: until, currentPlanID: "claude-max-20x", using: &random)
        }
        print("PlanFit: \(samples.count) requests over 60 days in \(elapsed)")
        #expect(report?.requests == 200_000)
        #expect(report?.recommendation != nil)
    }
}
