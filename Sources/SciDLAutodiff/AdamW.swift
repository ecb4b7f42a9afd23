import Foundation
import SciDLTensor

/// Adam with decoupled weight decay, exactly as PyTorch's `torch.optim.AdamW` computes it:
///
///     θ ← θ·(1 − lr·λ)
///     m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
///     θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
public struct AdamW: Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Updates taken so far (t in the formulas).
    public var step: Int = 0
    /// First and second moment estimates, one per parameter, in parameter order.
    public var firstMoments: [Tensor] = []
    public var secondMoments: [Tensor] = []

    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Takes one step on `parameters` using their current gradients (a missing gradient counts as zero).
    public mutating func update(_ parameters: [Variable]) {
        if firstMoments.isEmpty {
            firstMoments = parameters.map { Tensor(zeros: $0.shape) }
            secondMoments = firstMoments
        }
        precondition(firstMoments.count == parameters.count, "optimizer state does not match the parameters")
        step += 1
        let t = Double(step)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2Root = (1 - pow(Double(beta2), t)).squareRoot()
        let stepSize = Float(Double(learningRate) / correction1)
        let decay = 1 - learningRate * weightDecay
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let c2 = Float(correction2Root)
        for (i, p) in parameters.enumerated() {
            let g = p.grad ?? Tensor(zeros: p.shape)
            p.value.scalars.withUnsafeMutableBufferPointer { w in
                firstMoments[i].scalars.withUnsafeMutableBufferPointer { m in
                    secondMoments[i].scalars.withUnsafeMutableBufferPointer { v in
                        g.scalars.withUnsafeBufferPointer { g in
                            parallelChunks(w.count, minimumPerThread: 4096) { range in
                                // Eight at a time, each lane the scalar formula below (the same bits).
                                var j = range.lowerBound
                                let (rw, rm, rv, rg) = (
                                    UnsafeMutableRawPointer(w.baseAddress!), UnsafeMutableRawPointer(m.baseAddress!),
                                    UnsafeMutableRawPointer(v.baseAddress!), UnsafeRawPointer(g.baseAddress!)
                                )
                                typealias F8 = SIMD8<Float>
                                while j + 8 <= range.upperBound {
                                    let o = 4 * j
                                    let gj = rg.loadUnaligned(fromByteOffset: o, as: F8.self)
                                    var wj = rw.loadUnaligned(fromByteOffset: o, as: F8.self) * decay
                                    var mj = rm.loadUnaligned(fromByteOffset: o, as: F8.self)
                                    mj += (gj - mj) * (1 - b1)
                                    let vj = rv.loadUnaligned(fromByteOffset: o, as: F8.self) * b2 + (1 - b2) * gj * gj
                                    wj -= stepSize * mj / (vj.squareRoot() / c2 + eps)
                                    rw.storeBytes(of: wj, toByteOffset: o, as: F8.self)
                                    rm.storeBytes(of: mj, toByteOffset: o, as: F8.self)
                                    rv.storeBytes(of: vj, toByteOffset: o, as: F8.self)
                                    j += 8
                                }
                                for j in j..<range.upperBound {
                                    w[j] *= decay
                                    m[j] += (g[j] - m[j]) * (1 - b1)
                                    v[j] = v[j] * b2 + (1 - b2) * g[j] * g[j]
                                    w[j] -= stepSize * m[j] / (v[j].squareRoot() / c2 + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
