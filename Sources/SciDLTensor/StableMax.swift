#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// StableMax (Prieto et al. 2025, "Grokking at the edge of numerical stability", arXiv 2501.04697): softmax
// with e^x replaced by
//
//     s(x) = x + 1        for x ≥ 0
//     s(x) = 1 / (1 − x)  for x < 0
//
// which grows linearly rather than exponentially, so the correct class's share of Σ s reaches 1 only when
// the other logits are far below it in *ratio*, not in difference: float32 cannot round a training
// example's loss to exactly 0 ("softmax collapse") as it does with e^x once the margin passes ~16.6.
// Like the paper's code, the row is computed in Double; s is monotone, so the predicted class is the
// largest logit as with softmax.

/// s(x) and its derivative s′(x) = 1 (x ≥ 0) or 1/(1 − x)² (x < 0).
@inlinable
public func stableMaxTerm(_ x: Double) -> (value: Double, slope: Double) {
    if x >= 0 { return (x + 1, 1) }
    let r = 1 / (1 - x)
    return (r, r * r)
}

/// −log(s(x_t) / Σⱼ s(xⱼ)) for one row of logits, in Double: a measured loss.
@inlinable
public func stableMaxCrossEntropy(_ logits: UnsafePointer<Float>, count n: Int, target: Int) -> Double {
    var total = 0.0
    for j in 0..<n { total += stableMaxTerm(Double(logits[j])).value }
    return -log(stableMaxTerm(Double(logits[target])).value / total)
}

/// The StableMax cross-entropy of a training step: returns the loss and leaves its gradient with respect to
/// the logits in `row`,
///
///     ∂L/∂xⱼ = s′(xⱼ)/S − [j = t]·s′(x_t)/s(x_t),   S = Σₖ s(xₖ),
///
/// the counterpart of softmax's p − onehot (which is this with s = exp, s′ = s).
@inlinable
public func stableMaxCrossEntropyGradient(_ row: UnsafeMutablePointer<Float>, count n: Int, target: Int) -> Double {
    var total = 0.0
    for j in 0..<n { total += stableMaxTerm(Double(row[j])).value }
    let (value, slope) = stableMaxTerm(Double(row[target]))
    for j in 0..<n { row[j] = Float(stableMaxTerm(Double(row[j])).slope / total) }
    row[target] = Float(slope / total - slope / value)
    return -log(value / total)
}
