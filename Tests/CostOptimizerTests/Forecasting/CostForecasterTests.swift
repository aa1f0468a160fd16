import CostOptimizer
import CostPricing
import Foundation
import Testing

@Suite("Cost forecaster: least squares, trend and weekday model, 95% interval")
struct CostForecasterTests {
    @Test("least squares recovers an exact line and reports no residual")
    func exactLine() throws {
        let design = (0..<10).map { [1.0, Double($0)] }
        let fit = try #require(LeastSquaresFit(design: design, values: (0..<10).map { 3 + 2 * Double($0) }))
        #expect(abs(fit.coefficients[0] - 3) < 1e-9)
        #expect(abs(fit.coefficients[1] - 2) < 1e-9)
        #expect(fit.residualSumOfSquares < 1e-12)
        #expect(LeastSquaresFit(design: [[1, 0], [1, 0]], values: [1, 2]) == nil)  // singular
    }

    @Test("the t quantile is the tabled value, then close to the normal one")
    func tQuantile() {
        #expect(StudentT.quantile975(degreesOfFreedom: 10) == 2.228)
        #expect(abs(StudentT.quantile975(degreesOfFreedom: 40) - 2.021) < 0.001)
        #expect(abs(StudentT.quantile975(degreesOfFreedom: 120) - 1.980) < 0.001)
        #expect(abs(StudentT.normalCDF(1.959964) - 0.975) < 1e-6)
    }

    /// Eight weeks of weekday-shaped cost rising by `perWeek` dollars of daily cost per week, noise σ = `noise`.
    static func history(seed: UInt64, days: Int = 56, base: Double = 100, perWeek: Double, noise: Double) -> (
        history: [Double], truth: (Int) -> Double
    ) {
        var rng = SplitMix64(seed: seed)
        let truth: (Int) -> Double = { i in (base + perWeek * Double(i) / 7) * Synthetic.weekdayFactor[i % 7] }
        return ((0..<days).map { truth($0) + noise * rng.gaussian() }, truth)
    }

    @Test("a rising series: the trend is found with its rate, the interval holds the truth")
    func rising() {
        let (history, truth) = Self.history(seed: 1, perWeek: 5, noise: 4)
        let horizon = (56..<86).map { CostForecaster.HorizonDay(index: $0) }
        let f = CostForecaster.forecast(history: history, firstWeekday: 0, horizon: horizon)
        #expect(f.model == .trendAndWeekday)
        #expect(f.trend.label == .rising)
        // the generated trend is 5 $/week on weekdays and 1.5 on weekends: about 4 on average
        #expect(f.trend.perWeek > 3 && f.trend.perWeek < 5)
        let actual = (56..<86).map(truth).reduce(0, +)
        #expect(f.lower < actual && actual < f.upper, "\(f.lower) … \(f.upper) vs \(actual)")
        #expect(f.upper - f.lower < 0.2 * actual)
    }

    @Test("flat and falling series are labelled stable and falling")
    func labels() {
        let horizon = [CostForecaster.HorizonDay(index: 56)]
        let flat = CostForecaster.forecast(history: Self.history(seed: 2, perWeek: 0, noise: 4).history, firstWeekday: 0, horizon: horizon)
        #expect(flat.trend.label == .stable)
        let falling = CostForecaster.forecast(
            history: Self.history(seed: 3, perWeek: -6, noise: 4).history, firstWeekday: 0, horizon: horizon)
        #expect(falling.trend.label == .falling)
        #expect(falling.trend.relativePerWeek < -0.02)
        // a slope that is real but below 2% of the mean a week is still stable
        let slow = CostForecaster.forecast(
            history: Self.history(seed: 4, perWeek: 0.5, noise: 0.5).history, firstWeekday: 0, horizon: horizon)
        #expect(slow.trend.label == .stable)
        #expect(slow.trend.tStatistic.map { $0 > 2 } == true)
    }

    @Test("the 95% interval covers the realized month in about 95% of 300 simulated months")
    func coverage() {
        var covered = 0
        let runs = 300
        for seed in 0..<runs {
            let (all, _) = Self.history(seed: 1000 + UInt64(seed), days: 56 + 20, perWeek: 2, noise: 8)
            let f = CostForecaster.forecast(
                history: Array(all[0..<56]), firstWeekday: 0, horizon: (56..<76).map { .init(index: $0) })
            let realized = all[56..<76].reduce(0, +)
            if f.lower <= realized && realized <= f.upper { covered += 1 }
        }
        let rate = Double(covered) / Double(runs)
        print("95% interval coverage: \(covered) of \(runs) simulated months")
        #expect(rate > 0.91 && rate < 0.985, "coverage \(rate)")
    }

    @Test("little history picks simpler models and says so; one day is insufficient")
    func littleHistory() {
        let horizon = [CostForecaster.HorizonDay(index: 20)]
        let one = CostForecaster.forecast(history: [5], firstWeekday: 0, horizon: horizon)
        #expect(one.insufficientData && one.model == .none && one.expected == 0)
        let five = CostForecaster.forecast(history: [5, 6, 5, 6, 5], firstWeekday: 0, horizon: horizon)
        #expect(five.model == .mean && abs(five.expected - 5.4) < 1e-9 && five.trend.label == .unknown)
        #expect(five.notes.contains { $0.contains("without trend") })
        let ten = CostForecaster.forecast(history: (0..<10).map { 10 + Double($0) }, firstWeekday: 0, horizon: horizon)
        #expect(ten.model == .linearTrend && abs(ten.expected - 30) < 1e-6)
    }

    @Test("a falling trend that would go negative is clamped at zero")
    func clamped() {
        let history: [Double] = (0..<28).map { (i: Int) -> Double in 100 - 3.5 * Double(i) + (i % 2 == 0 ? 1 : -1) }
        let f = CostForecaster.forecast(history: history, firstWeekday: 0, horizon: (60..<70).map { .init(index: $0) })
        #expect(f.expected == 0 && f.lower == 0)
        #expect(f.notes.contains { $0.contains("clamped") })
    }
}
