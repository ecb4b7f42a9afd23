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
        let moments = ColumnMoments(data.differences, rows: n, columns: d, unbiased: false)
        let mean = moments.mean
        let scale = moments.inverseScale()
        let x = ColumnMoments.standardise(data.differences, mean: mean, scale: scale)
        let lambda = 1 / Float(n)
        let labels = data.labels.map(Float.init)
        let (point, _) = LBFGS(maxIterations: 100, gradientTolerance: 1e-4).minimise(
            from: [Float](repeating: 0, count: d + 1)
        ) { p in
            // z = X·w + b, loss = mean(log(1 + e^z) − y·z) + λ/2·|w|², ∇w = Xᵀ(σ(z) − y)/n + λw.
            var z = [Float](repeating: p[d], count: n)
            var gradient = [Float](repeating: 0, count: d + 1)
            var loss: Float = 0
            x.withUnsafeBufferPointer { px in
                p.withUnsafeBufferPointer { pw in
                    z.withUnsafeMutableBufferPointer { pz in
                        BLAS.gemm(
                            transposeA: false, transposeB: false, m: n, n: 1, k: d, a: px.baseAddress!,
                            b: pw.baseAddress!,
                            beta: 1, c: pz.baseAddress!)
                    }
                }
            }
            for i in 0..<n {
                let zi = z[i]
                loss += logisticLoss(logit: zi, label: labels[i])
                z[i] = (sigmoid(zi) - labels[i]) / Float(n)
                gradient[d] += z[i]
            }
            x.withUnsafeBufferPointer { px in
                z.withUnsafeBufferPointer { pz in
                    gradient.withUnsafeMutableBufferPointer { pg in
                        BLAS.gemm(
                            transposeA: true, transposeB: false, m: d, n: 1, k: n, a: px.baseAddress!,
                            b: pz.baseAddress!,
                            c: pg.baseAddress!)
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
