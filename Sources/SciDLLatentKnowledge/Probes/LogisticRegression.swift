import Foundation
import SciDLSupport
import SciDLTensor

extension ProbeMethod {
    /// L2-regularised logistic regression on the differences (λ = 1/n on the mean loss, like
    /// scikit-learn's default C = 1), fitted with L-BFGS to its defaults too (100 iterations, tolerance
    /// 1e-4). Each dimension is standardised first, so the penalty does not depend on the activations'
    /// scale (a hidden-state difference can be 0.01 wide, and a penalty on raw weights would then leave
    /// only the bias).
    func logisticRegression(_ data: ProbeData) throws -> FittedProbe {
        let (n, d) = (data.count, data.width)
        guard data.labels.count == n else {
            throw SciDLError("logistic regression needs labels, and these activations have none")
        }
        let moments = data.differenceMoments(unbiased: false)
        let mean = moments.mean
        let scale = moments.inverseScale()
        let lambda = 1 / Float(n)
        let labels = data.labels.map(Float.init)
        let (point, _) = LBFGS(maxIterations: 100, gradientTolerance: 1e-4).minimise(
            from: [Float](repeating: 0, count: d + 1)
        ) { p in
            // z = X·w + b, loss = mean(log(1 + e^z) − y·z) + λ/2·|w|², ∇w = Xᵀ(σ(z) − y)/n + λw, with X the
            // standardised differences made a block of pairs at a time (never the whole layer twice).
            var gradient = [Float](repeating: 0, count: d + 1)
            var loss: Float = 0
            data.forEachDifferenceBlock { first, x in
                ColumnMoments.standardise(x, mean: mean, scale: scale)
                let rows = x.count / d
                var z = [Float](repeating: p[d], count: rows)
                p.withUnsafeBufferPointer { pw in
                    z.withUnsafeMutableBufferPointer { pz in
                        BLAS.gemm(
                            transposeA: false, transposeB: false, m: rows, n: 1, k: d, a: x.baseAddress!,
                            b: pw.baseAddress!, beta: 1, c: pz.baseAddress!)
                    }
                }
                for r in 0..<rows {
                    let (zi, yi) = (z[r], labels[first + r])
                    loss += logisticLoss(logit: zi, label: yi)
                    z[r] = (sigmoid(zi) - yi) / Float(n)
                    gradient[d] += z[r]
                }
                z.withUnsafeBufferPointer { pz in
                    gradient.withUnsafeMutableBufferPointer { pg in
                        BLAS.gemm(
                            transposeA: true, transposeB: false, m: d, n: 1, k: rows, a: x.baseAddress!,
                            b: pz.baseAddress!, beta: 1, c: pg.baseAddress!)
                    }
                }
            }
            loss /= Float(n)
            for k in 0..<d {
                loss += 0.5 * lambda * p[k] * p[k]
                gradient[k] += lambda * p[k]
            }
            return (loss, gradient)
        }
        // Back to raw differences: w·((x − μ)⊙s) + b = (w⊙s)·x + (b − (w⊙s)·μ).
        let direction = (0..<d).map { point[$0] * scale[$0] }
        let bias = point[d] - zip(direction, mean).reduce(0) { $0 + $1.0 * $1.1 }
        return FittedProbe(method: .logistic, direction: direction, bias: bias)
    }
}
