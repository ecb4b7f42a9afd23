import SciDLTensor

/// ⊥Grad (Prieto et al. 2025, arXiv 2501.04697): each parameter's gradient with its component along the
/// parameter itself removed, then rescaled to the gradient's own length:
///
///     g⊥ = g − (w·g / w·w)·w,    ĝ = g⊥ · ‖g‖ / ‖g⊥‖
///
/// Once a network fits its training set, the cross-entropy keeps falling by scaling the weights up (the
/// logits grow, the softmax sharpens: "naive loss minimisation"), and the gradient points more and more
/// along w. Removing that direction leaves only the updates that change what the network computes, so it
/// can generalise without weight decay. Sums in Double; 1e-30 guards the divisions as in the paper's code.
public func projectGradientsOffWeights(_ parameters: [Variable]) {
    for p in parameters {
        guard var g = p.grad else { continue }
        let (wg, ww, gg) = p.value.scalars.withUnsafeBufferPointer { w in
            g.scalars.withUnsafeBufferPointer { g in
                var (wg, ww, gg) = (0.0, 0.0, 0.0)
                for j in 0..<w.count {
                    let (a, b) = (Double(w[j]), Double(g[j]))
                    wg += a * b
                    ww += a * a
                    gg += b * b
                }
                return (wg, ww, gg)
            }
        }
        let along = wg / (ww + 1e-30)
        // ‖g⊥‖² = ‖g‖² − (w·g)²/‖w‖², computed from the projected values below for accuracy.
        var orthogonalSquared = 0.0
        p.value.scalars.withUnsafeBufferPointer { w in
            g.scalars.withUnsafeMutableBufferPointer { g in
                for j in 0..<g.count {
                    let v = Double(g[j]) - along * Double(w[j])
                    g[j] = Float(v)
                    orthogonalSquared += v * v
                }
            }
        }
        let scale = Float(gg.squareRoot() / (orthogonalSquared.squareRoot() + 1e-30))
        g.scalars.withUnsafeMutableBufferPointer { g in for j in 0..<g.count { g[j] *= scale } }
        p.grad = g
    }
}

/// The cosine between all the weights, taken as one vector, and the descent direction −∇L (1 when a step
/// only scales the weights up: naive loss minimisation). Nil without gradients or with zero weights.
public func weightDescentCosine(_ parameters: [Variable]) -> Double? {
    var (wg, ww, gg) = (0.0, 0.0, 0.0)
    for p in parameters {
        guard let g = p.grad else { continue }
        p.value.scalars.withUnsafeBufferPointer { w in
            g.scalars.withUnsafeBufferPointer { g in
                for j in 0..<w.count {
                    let (a, b) = (Double(w[j]), Double(g[j]))
                    wg += a * b
                    ww += a * a
                    gg += b * b
                }
            }
        }
    }
    guard ww > 0, gg > 0 else { return nil }
    return -wg / (ww.squareRoot() * gg.squareRoot())
}
