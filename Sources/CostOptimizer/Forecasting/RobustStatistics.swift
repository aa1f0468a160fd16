import Foundation

/// Location and spread of a sample, classical and robust: what the anomaly detectors compare a
/// point with. Plain `Double`s: these are statistics, never amounts that are stored or summed.
public struct SampleSummary: Sendable, Hashable {
    public var count: Int
    public var mean: Double
    /// The sample standard deviation (divisor `count − 1`; 0 for fewer than two values).
    public var standardDeviation: Double
    public var median: Double
    /// The median absolute deviation from the median (unscaled).
    public var medianAbsoluteDeviation: Double
    /// The mean absolute deviation from the median (the fallback spread when the MAD is 0).
    public var meanAbsoluteDeviation: Double

    /// The summary of `values` (all zero for an empty sample).
    ///
    /// For example:
    /// ```swift
    /// let s = SampleSummary([1, 2, 3, 100])   // median 2.5, MAD 1
    /// ```
    public init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else {
            mean = 0
            standardDeviation = 0
            median = 0
            medianAbsoluteDeviation = 0
            meanAbsoluteDeviation = 0
            return
        }
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        let m = mean
        standardDeviation = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0
        median = Self.median(values)
        let med = median
        let deviations = values.map { abs($0 - med) }
        medianAbsoluteDeviation = Self.median(deviations)
        meanAbsoluteDeviation = deviations.reduce(0, +) / n
    }

    /// The classical z-score of `value`: `(value − mean) / standard deviation`; `nil` when the
    /// sample has no spread.
    public func zScore(_ value: Double) -> Double? {
        standardDeviation > 0 ? (value - mean) / standardDeviation : nil
    }

    /// Iglewicz and Hoaglin's modified z-score: `0.6745 · (value − median) / MAD`; when the MAD is
    /// 0 (more than half the sample equal), `(value − median) / (1.253314 · mean absolute deviation)`;
    /// `nil` when both are 0.
    public func modifiedZScore(_ value: Double) -> Double? {
        if medianAbsoluteDeviation > 0 { return 0.6745 * (value - median) / medianAbsoluteDeviation }
        if meanAbsoluteDeviation > 0 { return (value - median) / (1.253314 * meanAbsoluteDeviation) }
        return nil
    }

    /// The median of `values` (0 when empty).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// Quantiles of Student's t distribution, for prediction intervals.
public enum StudentT {
    /// The two-sided 95% critical value `t(0.975, df)`: exact (to three decimals) for 1–30 degrees
    /// of freedom, then the Cornish–Fisher expansion `z + (z³ + z) / (4·df) + (5z⁵ + 16z³ + 3z) / (96·df²)`
    /// around the normal quantile z = 1.959964, which is within 0.001 of the exact value from 30 on.
    public static func quantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        guard df > 0 else { return .infinity }
        if df <= table.count { return table[df - 1] }
        let z = 1.959964
        let d = Double(df)
        let z3 = z * z * z
        return z + (z3 + z) / (4 * d) + (5 * z3 * z * z + 16 * z3 + 3 * z) / (96 * d * d)
    }

    /// The normal distribution function Φ(x) (Abramowitz–Stegun 7.1.26 for erf, error below 1.5e-7).
    public static func normalCDF(_ x: Double) -> Double {
        let t = 1 / (1 + 0.3275911 * abs(x) / 2.0.squareRoot())
        let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        let erf = 1 - poly * exp(-(x * x) / 2)
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2
    }
}
