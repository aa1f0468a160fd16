/// The statistical model behind monthly forecasts: daily cost as a linear trend plus a
/// day-of-week effect, fitted by ordinary least squares, and the prediction interval of a sum of
/// future days.
///
/// **The model.** For day `i` (0 = the first day of the history) with weekday `w`:
///
///     yᵢ = a + b · (i / 7) + Σₖ₌₁…₆ sₖ · [w = k] + εᵢ,   εᵢ independent, mean 0, variance σ²
///
/// so `b` is the change of the daily cost per week and `sₖ` the difference of weekday `k` from
/// Monday. Fewer days fit fewer terms: at least ``Configuration/minimumSeasonalDays`` (21, three
/// of each weekday) for the full model, at least ``Configuration/minimumTrendDays`` (7) for trend
/// only (`a + b·i/7`), at least 2 for the mean alone; with fewer the forecast is
/// ``RemainingCostForecast/insufficientData``.
///
/// **The interval.** The forecast of `S = Σⱼ wⱼ·y(dⱼ)` over the horizon (weight 1 per whole day, the
/// remaining fraction for today) is `Ŝ = gᵀβ̂` with `g = Σⱼ wⱼ·x(dⱼ)`. Its prediction error
/// `S − Ŝ` has variance `σ² · (Σⱼ wⱼ + gᵀ(XᵀX)⁻¹g)`: the days' own noise (a fraction of a day
/// carries that fraction of a day's variance, as if the noise were spread evenly over its hours)
/// plus the uncertainty of the fitted coefficients. σ² is estimated by RSS / (n − p) and the 95%
/// interval is `Ŝ ± t(0.975, n − p) · √variance`, clamped at 0 (cost is never negative).
///
/// Assumptions, where it can be wrong: residuals independent with one variance (bursty usage and
/// autocorrelated days make the interval too narrow), a straight trend over the history (a step
/// change — a new team, a new model — takes a few weeks to be absorbed), and additive weekday
/// effects.
public enum CostForecaster {
    /// The thresholds of model choice and trend labels.
    public struct Configuration: Sendable, Hashable {
        /// Days of history needed for the weekday effects.
        public var minimumSeasonalDays = 21
        /// Days of history needed for a trend.
        public var minimumTrendDays = 7
        /// A weekly change smaller than this share of the mean daily cost is `stable`.
        public var stableWeeklyShare = 0.02
        /// A trend whose t-statistic |b / se(b)| is below this is `stable` (not distinguishable from noise).
        public var significance = 2.0

        public init() {}

        /// A copy changed by `update`.
        public func with(_ update: (inout Configuration) -> Void) -> Configuration {
            var copy = self
            update(&copy)
            return copy
        }
    }

    /// One day to forecast: its index counted from the first day of the history, and the share of
    /// it still to come (1 for a whole day).
    public struct HorizonDay: Sendable, Hashable {
        public var index: Int
        public var weight: Double

        public init(index: Int, weight: Double = 1) {
            self.index = index
            self.weight = weight
        }
    }

    /// Forecasts the sum of `horizon` from daily `history`.
    ///
    /// For example:
    /// ```swift
    /// // eight weeks of history starting on a Monday; forecast the next 10 days
    /// let f = CostForecaster.forecast(history: costs, firstWeekday: 0,
    ///                                 horizon: (56..<66).map { .init(index: $0) })
    /// print(f.expected, f.lower, f.upper, f.trend.label)
    /// ```
    /// - parameters:
    ///   - history: cost per consecutive day, in dollars.
    ///   - firstWeekday: the weekday of `history[0]`, 0 = Monday … 6 = Sunday.
    ///   - horizon: the days to sum (indices at or after `history.count`).
    public static func forecast(
        history: [Double], firstWeekday: Int, horizon: [HorizonDay], configuration: Configuration = Configuration()
    ) -> RemainingCostForecast {
        let n = history.count
        var notes: [String] = []
        let model: ForecastModel
        if n >= configuration.minimumSeasonalDays {
            model = .trendAndWeekday
        } else if n >= configuration.minimumTrendDays {
            model = .linearTrend
            notes.append("\(n) days of history: fewer than \(configuration.minimumSeasonalDays), so no weekday effects")
        } else if n >= 2 {
            model = .mean
            notes.append("\(n) days of history: fewer than \(configuration.minimumTrendDays), so the mean daily cost without trend")
        } else {
            notes.append("\(n) day(s) of history: too little to forecast")
            return RemainingCostForecast(
                model: .none, historyDays: n, expected: 0, lower: 0, upper: 0, standardError: 0,
                trend: CostTrend(label: .unknown, perWeek: 0, relativePerWeek: 0, tStatistic: nil), notes: notes,
                insufficientData: true)
        }
        let design = (0..<n).map { row(index: $0, firstWeekday: firstWeekday, model: model) }
        // a weekday that never occurs would make XᵀX singular: fall back to the simpler model
        guard let fit = LeastSquaresFit(design: design, values: history) else {
            let simpler: ForecastModel = model == .trendAndWeekday ? .linearTrend : .mean
            notes.append("the \(model.rawValue) model could not be fitted; using \(simpler.rawValue)")
            let smaller = configuration.with {
                $0.minimumSeasonalDays = model == .trendAndWeekday ? n + 1 : $0.minimumSeasonalDays
                $0.minimumTrendDays = model == .linearTrend ? n + 1 : $0.minimumTrendDays
            }
            var result = forecast(history: history, firstWeekday: firstWeekday, horizon: horizon, configuration: smaller)
            result.notes = notes + result.notes.filter { !$0.hasPrefix("\(n) days") }
            return result
        }

        let width = fit.coefficients.count
        var g = [Double](repeating: 0, count: width)
        var weightSum = 0.0
        for day in horizon where day.weight > 0 {
            let x = row(index: day.index, firstWeekday: firstWeekday, model: model)
            for k in 0..<width { g[k] += day.weight * x[k] }
            weightSum += day.weight
        }
        let sum = fit.predict(g)
        let variance = fit.residualVariance * (weightSum + fit.leverage(g))
        let se = max(0, variance).squareRoot()
        let t = StudentT.quantile975(degreesOfFreedom: max(1, fit.degreesOfFreedom))
        let mean = history.reduce(0, +) / Double(n)
        if sum < 0 { notes.append("the trend extrapolates below zero; the forecast is clamped at $0") }
        return RemainingCostForecast(
            model: model, historyDays: n, expected: max(0, sum), lower: max(0, sum - t * se), upper: max(0, sum + t * se),
            standardError: se, trend: trend(fit: fit, model: model, mean: mean, configuration: configuration),
            notes: notes, insufficientData: false)
    }

    /// The design row of day `index`: intercept, weeks, then six weekday indicators (Monday is the base).
    static func row(index: Int, firstWeekday: Int, model: ForecastModel) -> [Double] {
        switch model {
        case .none, .mean: return [1]
        case .linearTrend: return [1, Double(index) / 7]
        case .trendAndWeekday:
            let weekday = ((firstWeekday + index) % 7 + 7) % 7
            return [1, Double(index) / 7] + (1...6).map { weekday == $0 ? 1 : 0 }
        }
    }

    static func trend(fit: LeastSquaresFit, model: ForecastModel, mean: Double, configuration: Configuration) -> CostTrend {
        guard model == .linearTrend || model == .trendAndWeekday else {
            return CostTrend(label: .unknown, perWeek: 0, relativePerWeek: 0, tStatistic: nil)
        }
        let perWeek = fit.coefficients[1]
        let se = fit.standardError(of: 1)
        let tStat: Double? = se > 0 ? perWeek / se : nil
        let relative = mean > 0 ? perWeek / mean : 0
        let significant = tStat.map { abs($0) >= configuration.significance } ?? (perWeek != 0)
        let label: TrendLabel =
            if !significant || abs(relative) < configuration.stableWeeklyShare { .stable } else if perWeek > 0 { .rising } else { .falling }
        return CostTrend(label: label, perWeek: perWeek, relativePerWeek: relative, tStatistic: tStat)
    }
}

/// Which model a forecast used.
public enum ForecastModel: String, Sendable, Hashable, Codable {
    /// Linear trend plus day-of-week effects (21 days of history or more).
    case trendAndWeekday = "linear_trend_weekday"
    /// Linear trend only (7 to 20 days).
    case linearTrend = "linear_trend"
    /// The mean daily cost (2 to 6 days).
    case mean
    /// Nothing could be fitted.
    case none
}

/// Rising, stable or falling.
public enum TrendLabel: String, Sendable, Hashable, Codable {
    case rising, stable, falling
    /// Too little history to say.
    case unknown
}

/// The trend of daily cost: the fitted change per week and how it is labelled.
///
/// The label is `stable` when the weekly change is not significant (|t| below
/// ``CostForecaster/Configuration/significance``, 2 by default) or smaller than
/// ``CostForecaster/Configuration/stableWeeklyShare`` (2%) of the mean daily cost; otherwise
/// `rising` or `falling` by its sign.
public struct CostTrend: Sendable, Hashable {
    public var label: TrendLabel
    /// The change of the daily cost per week, in dollars (the coefficient `b`).
    public var perWeek: Double
    /// ``perWeek`` as a share of the history's mean daily cost (0.05: +5% per week).
    public var relativePerWeek: Double
    /// `b / se(b)`; `nil` without a trend term or without residual spread.
    public var tStatistic: Double?

    public init(label: TrendLabel, perWeek: Double, relativePerWeek: Double, tStatistic: Double?) {
        self.label = label
        self.perWeek = perWeek
        self.relativePerWeek = relativePerWeek
        self.tStatistic = tStatistic
    }
}

/// The forecast of a sum of future days, in dollars (statistics: `Double`).
public struct RemainingCostForecast: Sendable, Hashable {
    public var model: ForecastModel
    public var historyDays: Int
    /// The expected sum (at least 0).
    public var expected: Double
    /// The 95% prediction interval (clamped at 0).
    public var lower: Double
    public var upper: Double
    /// The standard error of the prediction (√ of its variance).
    public var standardError: Double
    public var trend: CostTrend
    public var notes: [String]
    /// Fewer than two days of history: nothing was forecast (``expected`` is 0).
    public var insufficientData: Bool
}
