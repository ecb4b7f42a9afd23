import Foundation
import SciDLSupport
import SciDLTensor

// Probes that look only at the differences x⁺ − x⁻.

extension ProbeMethod {
    /// The top principal component of the centred differences, by power iteration on their d×d
    /// covariance. Its sign is arbitrary (fixed so that the largest component is positive).
    func principalComponent(_ data: ProbeData) throws -> FittedProbe {
        let (n, d) = (data.count, data.width)
        guard n >= 2 else { throw SciDLError("PCA needs at least 2 training pairs (got \(n))") }
        let mean = ColumnMoments(data.differences, rows: n, columns: d, unbiased: false).mean
        let centred = ColumnMoments.standardise(data.differences, mean: mean, scale: [Float](repeating: 1, count: d))
        var v = principalDirections(centred, rows: n, columns: d, count: 1)[0]
        if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
        let bias = -zip(v, mean).reduce(0) { $0 + $1.0 * $1.1 }
        return FittedProbe(method: .pca, direction: v, bias: bias)
    }

    /// k-means with k = 2 on the differences (k-means++ starts, the best of 10 by inertia); the probe
    /// scores a pair by which centre it is nearer: w = c₁ − c₀, b = (|c₀|² − |c₁|²)/2.
    func twoMeans(_ data: ProbeData, seed: UInt64) -> FittedProbe {
        let (n, d) = (data.count, data.width)
        let x = data.differences
        func distance(_ i: Int, _ c: [Float]) -> Float {
            var s: Float = 0
            for k in 0..<d {
                let t = x[i * d + k] - c[k]
                s += t * t
            }
            return s
        }
        var random = SeededGenerator(seed: seed, stream: .kMeansStarts)
        var best: (centres: [[Float]], inertia: Float)? = nil
        for _ in 0..<10 {
            let first = random.nextInt(below: n)
            var centres = [Array(x[(first * d)..<((first + 1) * d)])]
            let weights = (0..<n).map { Double(distance($0, centres[0])) }
            let total = weights.reduce(0, +)
            var pick = random.nextUniform() * total
            var second = n - 1
            for i in 0..<n {
                pick -= weights[i]
                if pick <= 0 {
                    second = i
                    break
                }
            }
            centres.append(Array(x[(second * d)..<((second + 1) * d)]))
            var assignment = [Int](repeating: -1, count: n)
            for _ in 0..<300 {
                let next = (0..<n).map { distance($0, centres[1]) < distance($0, centres[0]) ? 1 : 0 }
                if next == assignment { break }
                assignment = next
                for c in 0..<2 {
                    let members = (0..<n).filter { assignment[$0] == c }
                    guard !members.isEmpty else { continue }
                    var centre = [Float](repeating: 0, count: d)
                    for i in members { for k in 0..<d { centre[k] += x[i * d + k] } }
                    centres[c] = centre.map { $0 / Float(members.count) }
                }
            }
            let inertia = (0..<n).reduce(Float(0)) { $0 + distance($1, centres[assignment[$1]]) }
            if best == nil || inertia < best!.inertia { best = (centres, inertia) }
        }
        let (c0, c1) = (best!.centres[0], best!.centres[1])
        let w = zip(c1, c0).map { $0 - $1 }
        let b = (c0.reduce(0) { $0 + $1 * $1 } - c1.reduce(0) { $0 + $1 * $1 }) / 2
        return FittedProbe(method: .kmeans, direction: w, bias: b)
    }

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
                loss += (zi > 0 ? zi + log1pf(expf(-zi)) : log1pf(expf(zi))) - labels[i] * zi
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

/// The first `count` principal directions of the rows of a centred [rows, columns] matrix, by power iteration on
/// its covariance, each next one after the previous ones are deflated out of it (unit vectors; sign as found).
func principalDirections(_ centred: [Float], rows n: Int, columns d: Int, count: Int) -> [[Float]] {
    var covariance = [Float](repeating: 0, count: d * d)
    centred.withUnsafeBufferPointer { x in
        covariance.withUnsafeMutableBufferPointer { c in
            BLAS.gemm(
                transposeA: true, transposeB: false, m: d, n: d, k: n, alpha: 1 / Float(n),
                a: x.baseAddress!, b: x.baseAddress!, c: c.baseAddress!)
        }
    }
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
