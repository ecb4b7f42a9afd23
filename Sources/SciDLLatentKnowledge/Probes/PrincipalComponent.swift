import Foundation
import SciDLSupport
import SciDLTensor

// PCA (Burns et al.'s CRC, up to centring): the top principal component of the differences x⁺ − x⁻.

extension ProbeMethod {
    /// The top principal component of the centred differences, by power iteration on their d×d
    /// covariance. Its sign is arbitrary (fixed so that the largest component is positive).
    func principalComponent(_ data: ProbeData) throws -> FittedProbe {
        let (n, d) = (data.count, data.width)
        guard n >= 2 else { throw SciDLError("PCA needs at least 2 training pairs (got \(n))") }
        let mean = data.differenceMoments(unbiased: false).mean
        let ones = [Float](repeating: 1, count: d)
        var covariance = [Float](repeating: 0, count: d * d)
        data.forEachDifferenceBlock { _, x in
            ColumnMoments.standardise(x, mean: mean, scale: ones)
            addCovariance(of: UnsafeBufferPointer(x), total: n, width: d, to: &covariance)
        }
        var v = principalDirections(covariance: covariance, width: d, count: 1)[0]
        if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
        let bias = -zip(v, mean).reduce(0) { $0 + $1.0 * $1.1 }
        return FittedProbe(method: .pca, direction: v, bias: bias)
    }
}

/// The first `count` principal directions of the rows of a centred [rows, columns] matrix, by power iteration on
/// its covariance, each next one after the previous ones are deflated out of it (unit vectors; sign as found).
func principalDirections(_ centred: [Float], rows n: Int, columns d: Int, count: Int) -> [[Float]] {
    var covariance = [Float](repeating: 0, count: d * d)
    centred.withUnsafeBufferPointer { addCovariance(of: $0, total: n, width: d, to: &covariance) }
    return principalDirections(covariance: covariance, width: d, count: count)
}

/// Adds xᵀx / `total` of the centred rows `x` ([rows, d] row-major) to `covariance` ([d, d]): a block of the rows
/// at a time, so a covariance never needs its rows in one piece.
func addCovariance(of x: UnsafeBufferPointer<Float>, total n: Int, width d: Int, to covariance: inout [Float]) {
    covariance.withUnsafeMutableBufferPointer { c in
        BLAS.gemm(
            transposeA: true, transposeB: false, m: d, n: d, k: x.count / d, alpha: 1 / Float(n),
            a: x.baseAddress!, b: x.baseAddress!, beta: 1, c: c.baseAddress!)
    }
}

/// The first `count` principal directions of a [d, d] covariance (see above).
func principalDirections(covariance: [Float], width d: Int, count: Int) -> [[Float]] {
    var covariance = covariance
    var directions: [[Float]] = []
    for _ in 0..<count {
        var v = (0..<d).map { 1 + Float($0 % 7) / 7 }  // a fixed start with no special symmetry
        for _ in 0..<1000 {
            var next = covariance.withUnsafeBufferPointer { c in
                v.withUnsafeBufferPointer { pv in
                    (0..<d).map { dot(c.baseAddress! + $0 * d, pv.baseAddress!, count: d) }
                }
            }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { break }
            next = next.map { $0 / norm }
            let change = zip(next, v).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            v = next
            if change < 1e-7 { break }
        }
        directions.append(v)
        // Deflate: C ← C − λ v vᵀ with λ = vᵀ C v.
        let cv = covariance.withUnsafeBufferPointer { c in
            v.withUnsafeBufferPointer { pv in (0..<d).map { dot(c.baseAddress! + $0 * d, pv.baseAddress!, count: d) } }
        }
        let lambda = zip(v, cv).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<d { for j in 0..<d { covariance[i * d + j] -= lambda * v[i] * v[j] } }
    }
    return directions
}
