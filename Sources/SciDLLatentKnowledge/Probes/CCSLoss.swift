import SciDLTensor

/// The CCS loss (Burns et al. 2022, eq. 2), L = mean[(p⁺ + p⁻ − 1)² + min(p⁺, p⁻)²], for one pair, for
/// credences, for a fitted probe, and with its gradients for training.
extension CCS {
    /// Loss of every restart and its gradients with respect to the pre-activations z⁺, z⁻ ([n, R] each).
    /// `w` is [d, R] row-major.
    static func lossAndGradients(
        _ data: ProbeData, w: [Float], b: [Float], symmetric: Bool
    )
        -> (loss: [Float], gradW: [Float], gradB: [Float])
    {
        let (n, d, r) = (data.count, data.width, b.count)
        // z± = X± · W  ([n, R]); arrays pass to the BLAS as pointers to their storage.
        var zPositive = [Float](repeating: 0, count: n * r)
        var zNegative = zPositive
        BLAS.gemm(transposeA: false, transposeB: false, m: n, n: r, k: d, a: data.positive, b: w, c: &zPositive)
        BLAS.gemm(transposeA: false, transposeB: false, m: n, n: r, k: d, a: data.negative, b: w, c: &zNegative)
        var loss = [Float](repeating: 0, count: r)
        var gradB = loss
        let scale = 1 / Float(n)
        for i in 0..<n {
            for j in 0..<r {
                let p = sigmoid(zPositive[i * r + j] + b[j])
                let q = sigmoid(zNegative[i * r + j] + b[j])
                let (term, dp, dq) = pairLoss(p, q, symmetric: symmetric)
                loss[j] += term * scale
                let gp = dp * p * (1 - p) * scale
                let gq = dq * q * (1 - q) * scale
                zPositive[i * r + j] = gp
                zNegative[i * r + j] = gq
                gradB[j] += gp + gq
            }
        }
        // dL/dW = X⁺ᵀ·G⁺ + X⁻ᵀ·G⁻  ([d, R])
        var gradW = [Float](repeating: 0, count: d * r)
        BLAS.gemm(transposeA: true, transposeB: false, m: d, n: r, k: n, a: data.positive, b: zPositive, c: &gradW)
        BLAS.gemm(
            transposeA: true, transposeB: false, m: d, n: r, k: n, a: data.negative, b: zNegative, beta: 1,
            c: &gradW)
        return (loss, gradW, gradB)
    }

    /// One pair's loss from its credences p = p(x⁺), q = p(x⁻), with its derivatives: consistency
    /// (p + q − 1)² plus confidence m², m = min(p, q), or min(p, q, 1 − p, 1 − q) when `symmetric`.
    /// Swapping p and q gives the same loss in floating point too, bit for bit: Theorem 1's twin probes
    /// have equal losses, not nearly equal ones.
    @inline(__always)
    static func pairLoss(_ p: Float, _ q: Float, symmetric: Bool) -> (loss: Float, dp: Float, dq: Float) {
        let consistency = p + q - 1
        var dp = 2 * consistency
        var dq = 2 * consistency
        var confidence: Float
        if symmetric {
            let candidates = [p, q, 1 - p, 1 - q]
            confidence = candidates.min()!
            switch candidates.firstIndex(of: confidence)! {
            case 0: dp += 2 * confidence
            case 1: dq += 2 * confidence
            case 2: dp -= 2 * confidence
            default: dq -= 2 * confidence
            }
        } else if p < q {
            confidence = p
            dp += 2 * p
        } else {
            confidence = q
            dq += 2 * q
        }
        return (consistency * consistency + confidence * confidence, dp, dq)
    }

    /// The CCS loss of credences (p(x⁺ᵢ), p(x⁻ᵢ)): the mean of `pairLoss` over the pairs, summed in order.
    public static func loss(positive: [Float], negative: [Float], symmetric: Bool) -> Float {
        precondition(positive.count == negative.count && !positive.isEmpty)
        let scale = 1 / Float(positive.count)
        return zip(positive, negative).reduce(0) { $0 + pairLoss($1.0, $1.1, symmetric: symmetric).loss * scale }
    }

    /// The CCS loss of a fitted probe on `data`.
    public static func loss(_ probe: FittedProbe, _ data: ProbeData, symmetric: Bool) -> Float {
        lossAndGradients(data, w: probe.direction, b: [probe.bias], symmetric: symmetric).loss[0]
    }
}
