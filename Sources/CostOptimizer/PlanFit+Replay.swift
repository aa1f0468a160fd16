internal import CostBudget
internal import CostPricing
internal import Foundation

extension PlanFit {
    /// The replay of one fit: the range, the usage, its daily series, and per plan what the bootstrap
    /// needs.
    struct Context {
        let options: PlanFitOptions
        let since: Date
        let until: Date
        let observedStart: Date
        let usage: [PlanUsageSample]
        /// API-equivalent cost per day of the range (days counted from `since`).
        let dailyCost: [Int128]
        /// Growth of the last 7 days' mean daily cost over the earlier observed days' mean, beyond
        /// day-to-day noise (see ``growth(last:earlier:)``; 0 with fewer than 14 observed days).
        let growth: Double
        let hasTrend: Bool
        /// Per plan id: what the bootstrap resamples.
        var days: [String: PlanDays] = [:]

        init(options: PlanFitOptions, since: Date, until: Date, observedStart: Date, usage: [PlanUsageSample]) {
            self.options = options
            self.since = since
            self.until = until
            self.observedStart = observedStart
            self.usage = usage
            var daily = [Int128](repeating: 0, count: options.days)
            for sample in usage { daily[Context.day(sample.timestamp, since: since, days: options.days)] += sample.apiCost.units }
            dailyCost = daily
            let first = Context.day(observedStart, since: since, days: options.days)
            hasTrend = options.days - first >= 14
            if hasTrend {
                growth = Context.growth(
                    last: daily[(options.days - 7)...].map(\.approximateDouble),
                    earlier: daily[first..<(options.days - 7)].map(\.approximateDouble))
            } else {
                growth = 0
            }
        }

        /// The growth of the last days' mean over the earlier days' mean beyond day-to-day noise:
        /// `max(0, last − earlier − 1.645·SE) / earlier`, SE the standard error of the difference of
        /// the two means (Welch: `√(s²_last/n_last + s²_earlier/n_earlier)`), so growth is what a
        /// one-sided 95% test still finds. A quiet week after busy ones is not growth (0); usage from
        /// nothing is growth 1.
        static func growth(last: [Double], earlier: [Double]) -> Double {
            func meanAndVariance(_ xs: [Double]) -> (Double, Double) {
                let mean = xs.reduce(0, +) / Double(max(1, xs.count))
                let variance = xs.count > 1 ? xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1) : 0
                return (mean, variance)
            }
            let (lastMean, lastVariance) = meanAndVariance(last)
            let (earlierMean, earlierVariance) = meanAndVariance(earlier)
            guard earlierMean > 0 else { return lastMean > 0 ? 1 : 0 }
            let standardError = (lastVariance / Double(max(1, last.count)) + earlierVariance / Double(max(1, earlier.count))).squareRoot()
            return max(0, lastMean - earlierMean - 1.645 * standardError) / earlierMean
        }

        static func day(_ instant: Date, since: Date, days: Int) -> Int {
            min(days - 1, max(0, Int((instant.timeIntervalSince(since) / 86_400).rounded(.down))))
        }

        var daysObserved: Double { max(0, until.timeIntervalSince(observedStart)) / 86_400 }
        var firstObservedDay: Int { Context.day(observedStart, since: since, days: options.days) }
        var growthFactor: Double { max(1, 1 + growth) }

        /// The usage per month at list prices, from the observed days.
        func monthly(_ cost: Money) throws -> Money {
            let seconds = max(1, Int(until.timeIntervalSince(observedStart).rounded()))
            return try cost.prorated(count: options.monthDays * 86_400, per: seconds)
        }

        /// Whether `amount` stays within the fit limit of `allowance`, exactly.
        func withinLimit(_ amount: Int128, _ allowance: Int128) -> Bool {
            amount * 10_000 <= allowance * Int128(10_000 - options.marginBasisPoints)
        }

        /// Replays `plan`'s windows over the usage.
        mutating func fit(_ plan: SubscriptionPlan, allowance: (PlanWindow) -> (Int128, CalibrationSource)) throws -> PlanFitResult {
            let mine = usage.filter { plan.covers(provider: $0.provider) }
            var planDays = PlanDays(dayFits: [Bool](repeating: true, count: options.days))
            var windows: [WindowFit] = []
            for window in plan.windows {
                let (limit, source) = allowance(window)
                let counted = mine.filter { window.counts(model: $0.model) }
                let tallies = WindowReplay.tallies(counted, window: window)
                var utilizations: [Double] = []
                var over = 0
                var peak: (Double, Date)?
                for tally in tallies {
                    let u = tally.amount.approximateDouble / limit.approximateDouble
                    utilizations.append(u)
                    if tally.amount > limit { over += 1 }
                    if peak == nil || u > (peak?.0 ?? 0) { peak = (u, tally.start) }
                    if window.length <= 86_400 && !withinLimit(tally.amount, limit) {
                        planDays.dayFits[Context.day(tally.start, since: since, days: options.days)] = false
                    }
                }
                if window.length > 86_400 {
                    var daily = [Int128](repeating: 0, count: options.days)
                    for sample in counted { daily[Context.day(sample.timestamp, since: since, days: options.days)] += sample.amount(window.measure) }
                    let blockDays = Int((window.length / 86_400).rounded(.down))
                    planDays.long.append(LongWindow(daily: daily, blockDays: blockDays, allowance: limit))
                }
                windows.append(
                    WindowFit(
                        window: window, allowance: limit, source: source, windowCount: tallies.count, windowsOverLimit: over,
                        peakUtilization: peak?.0 ?? 0, p95Utilization: Context.percentile95(utilizations), peakStart: peak?.1))
                // The fit itself is exact: every window within allowance × (1 − margin).
                if tallies.contains(where: { !withinLimit($0.amount, limit) }) { planDays.fitsObserved = false }
            }
            days[plan.id] = planDays
            let apiCost = try Money.sum(mine.map(\.apiCost))
            let peak = windows.map(\.peakUtilization).max() ?? 0
            let fits = planDays.fitsObserved
            let monthlyCost = plan.billing == .metered ? try plan.monthlyPrice.adding(try monthly(apiCost)) : plan.monthlyPrice
            return PlanFitResult(
                plan: plan, fits: fits, fitsWithTrend: fits && peak * growthFactor <= options.fitLimit,
                windowsOverLimit: windows.reduce(0) { $0 + $1.windowsOverLimit }, windowCount: windows.reduce(0) { $0 + $1.windowCount },
                peakUtilization: peak, p95Utilization: windows.map(\.p95Utilization).max() ?? 0, monthlyPrice: plan.monthlyPrice,
                monthlyCost: monthlyCost, apiEquivalentCost: apiCost, windows: windows)
        }

        /// The nearest-rank 95th percentile (0 for no values).
        static func percentile95(_ values: [Double]) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
    }

    /// What the bootstrap needs of a plan: whether each day's short windows fit, and the daily
    /// amounts of its long (weekly) windows.
    struct PlanDays {
        var dayFits: [Bool]
        var long: [LongWindow] = []
        var fitsObserved = true
    }

    struct LongWindow {
        var daily: [Int128]
        var blockDays: Int
        var allowance: Int128
    }
}
