/// The mean and spread of each column of a row-major [n, d] matrix, accumulated in Double: what centring
/// and standardising (CCS's normalisation, PCA, a probe's inputs) are made of.
public struct ColumnMoments: Sendable {
    public var mean: [Float]
    /// Standard deviations: Σ(x − mean)² / (n − 1) with `unbiased`, / n otherwise, square-rooted.
    public var standardDeviation: [Double]

    /// The moments of the `rows` × `columns` matrix `x`.
    public init(_ x: [Float], rows n: Int, columns d: Int, unbiased: Bool) {
        precondition(x.count == n * d && n > 0)
        var sum = [Double](repeating: 0, count: d)
        var square = sum
        for i in 0..<n {
            for k in 0..<d {
                let v = Double(x[i * d + k])
                sum[k] += v
                square[k] += v * v
            }
        }
        let m = sum.map { $0 / Double(n) }
        let correction = unbiased ? Double(n) / Double(max(n - 1, 1)) : 1
        mean = m.map(Float.init)
        standardDeviation = zip(square, m).map { (max($0 / Double(n) - $1 * $1, 0) * correction).squareRoot() }
    }

    /// 1 / standard deviation per column, with spreads under `floor` taken as `floor` (a constant column
    /// is left as it is rather than blown up).
    public func inverseScale(floor: Double = 1e-12) -> [Float] {
        standardDeviation.map { Float(1 / max($0, floor)) }
    }

    /// (x − mean) · scale for each row of `x` (d = mean.count columns).
    /// (Taken as `consuming`: a caller's last use of `x` is standardised in place, not copied, which matters
    /// for a layer of a large data set.)
    public static func standardise(_ x: consuming [Float], mean: [Float], scale: [Float]) -> [Float] {
        let d = mean.count
        var out = x
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<(o.count / d) { for k in 0..<d { o[i * d + k] = (o[i * d + k] - mean[k]) * scale[k] } }
        }
        return out
    }
}
