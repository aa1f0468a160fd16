/// An ordinary least-squares fit `y ≈ X·β` by the normal equations, with what prediction
/// intervals need: the residual variance and `(XᵀX)⁻¹`.
///
/// The designs here are tiny (at most 8 columns, a few dozen rows), so the normal equations with
/// Gauss–Jordan elimination and partial pivoting are accurate enough; a design whose `XᵀX` is
/// singular (a column of zeros, fewer rows than columns) has no fit (`nil`).
public struct LeastSquaresFit: Sendable, Hashable {
    /// The coefficients β, one per column.
    public var coefficients: [Double]
    /// `(XᵀX)⁻¹`, row-major.
    public var inverseGram: [[Double]]
    /// The residual sum of squares.
    public var residualSumOfSquares: Double
    public var rowCount: Int

    /// Residual degrees of freedom: rows − columns.
    public var degreesOfFreedom: Int { rowCount - coefficients.count }

    /// The residual variance σ² = RSS / (rows − columns); 0 without degrees of freedom.
    public var residualVariance: Double {
        degreesOfFreedom > 0 ? residualSumOfSquares / Double(degreesOfFreedom) : 0
    }

    /// Fits `design` (one row per observation) to `values`.
    ///
    /// For example:
    /// ```swift
    /// let fit = LeastSquaresFit(design: [[1, 0], [1, 1], [1, 2]], values: [1, 3, 5])   // β = [1, 2]
    /// ```
    public init?(design: [[Double]], values: [Double]) {
        guard let width = design.first?.count, width > 0, design.count == values.count, design.count >= width,
            design.allSatisfy({ $0.count == width })
        else { return nil }
        var gram = [[Double]](repeating: [Double](repeating: 0, count: width), count: width)
        var moment = [Double](repeating: 0, count: width)
        for (row, y) in zip(design, values) {
            for i in 0..<width {
                moment[i] += row[i] * y
                for j in 0..<width { gram[i][j] += row[i] * row[j] }
            }
        }
        guard let inverse = Self.invert(gram) else { return nil }
        let beta = (0..<width).map { i in (0..<width).reduce(0.0) { $0 + inverse[i][$1] * moment[$1] } }
        var rss = 0.0
        for (row, y) in zip(design, values) {
            let r = y - Self.dot(row, beta)
            rss += r * r
        }
        coefficients = beta
        inverseGram = inverse
        residualSumOfSquares = rss
        rowCount = design.count
    }

    /// The fitted value at a design row.
    public func predict(_ row: [Double]) -> Double { Self.dot(row, coefficients) }

    /// `gᵀ (XᵀX)⁻¹ g`: the variance of the fitted value at `g`, in units of σ².
    public func leverage(_ g: [Double]) -> Double {
        var total = 0.0
        for i in 0..<g.count {
            for j in 0..<g.count { total += g[i] * inverseGram[i][j] * g[j] }
        }
        return total
    }

    /// The standard error of coefficient `index`: `sqrt(σ² · [(XᵀX)⁻¹]ᵢᵢ)`.
    public func standardError(of index: Int) -> Double {
        (residualVariance * inverseGram[index][index]).squareRoot()
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The inverse of a square matrix by Gauss–Jordan elimination with partial pivoting; `nil`
    /// when a pivot is (relatively) zero.
    static func invert(_ matrix: [[Double]]) -> [[Double]]? {
        let n = matrix.count
        var a = matrix
        var inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let scale = matrix.flatMap { $0 }.map(abs).max() ?? 0
        guard scale > 0 else { return nil }
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }),
                abs(a[pivot][column]) > scale * 1e-12
            else { return nil }
            a.swapAt(column, pivot)
            inv.swapAt(column, pivot)
            let p = a[column][column]
            for j in 0..<n {
                a[column][j] /= p
                inv[column][j] /= p
            }
            for row in 0..<n where row != column {
                let factor = a[row][column]
                guard factor != 0 else { continue }
                for j in 0..<n {
                    a[row][j] -= factor * a[column][j]
                    inv[row][j] -= factor * inv[column][j]
                }
            }
        }
        return inv
    }
}
