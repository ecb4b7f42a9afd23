/// The mean and spread of each column of a row-major [n, d] matrix, accumulated in Double: what centring
/// and standardising (CCS's normalisation, PCA, a probe's inputs) are made of.
public struct ColumnMoments: Sendable {
    public var mean: [Float]
    /// Standard deviations: Σ(x − mean)² / (n − 1) with `unbiased`, / n otherwise, square-rooted.
    public var standardDeviation: [Double]

    /// The moments of the `rows` × `columns` matrix `x`.
    public init(_ x: [Float], rows n: Int, columns d: Int, unbiased: Bool) {
        precondition(x.count == n * d && n > 0)
        var sums = Sums(columns: d)
        x.withUnsafeBufferPointer { sums.add($0) }
        self = sums.moments(unbiased: unbiased)
    }

    /// Column sums of a matrix handed over a block of rows at a time (in row order, so the moments equal those
    /// of the whole matrix bit for bit): how a layer too large to copy is centred.
    public struct Sums: Sendable {
        public let columns: Int
        public private(set) var rows = 0
        var sum: [Double]
        var square: [Double]

        public init(columns d: Int) {
            columns = d
            sum = [Double](repeating: 0, count: d)
            square = sum
        }

        /// Adds the rows of the row-major block `x` (a whole number of rows).
        public mutating func add(_ x: UnsafeBufferPointer<Float>) {
            let d = columns
            precondition(x.count % d == 0)
            for i in 0..<(x.count / d) {
                for k in 0..<d {
                    let v = Double(x[i * d + k])
                    sum[k] += v
                    square[k] += v * v
                }
            }
            rows += x.count / d
        }

        /// The moments of the rows added so far.
        public func moments(unbiased: Bool) -> ColumnMoments {
            let n = rows
            precondition(n > 0)
            let m = sum.map { $0 / Double(n) }
            let correction = unbiased ? Double(n) / Double(max(n - 1, 1)) : 1
            return ColumnMoments(
                mean: m.map(Float.init),
                standardDeviation: zip(square, m).map { (max($0 / Double(n) - $1 * $1, 0) * correction).squareRoot() })
        }
    }

    init(mean: [Float], standardDeviation: [Double]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
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
        var out = x
        out.withUnsafeMutableBufferPointer { standardise($0, mean: mean, scale: scale) }
        return out
    }

    /// (x − mean) · scale for each row of the row-major block `x`, in place.
    public static func standardise(_ x: UnsafeMutableBufferPointer<Float>, mean: [Float], scale: [Float]) {
        let d = mean.count
        for i in 0..<(x.count / d) { for k in 0..<d { x[i * d + k] = (x[i * d + k] - mean[k]) * scale[k] } }
    }
}
