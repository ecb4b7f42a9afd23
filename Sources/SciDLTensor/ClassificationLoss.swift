/// The function that turns a row of logits into class probabilities for the cross-entropy a classifier
/// trains on, and the arithmetic it is computed in: softmax in float (the default); softmax in Double, the
/// float64 runs of Prieto et al. 2025, which delay softmax collapse (SciDL's network stays float32: the
/// collapse happens in the loss, where 1 − p rounds to zero); or StableMax (Prieto et al. 2025), which
/// cannot collapse to a one-hot in float32.
public enum ClassificationLoss: String, Codable, CaseIterable, Sendable {
    case softmax
    case softmaxInDouble = "softmax-float64"
    case stableMax = "stablemax"

    /// The loss of one row of a training step; leaves ∂loss/∂logits in `row` (for softmax, the
    /// probabilities less the one-hot target, in `softmaxCrossEntropy`'s arithmetic).
    @inlinable
    public func lossAndGradient(_ row: UnsafeMutablePointer<Float>, count n: Int, target: Int) -> Double {
        switch self {
        case .softmax:
            let loss = softmaxCrossEntropy(row, count: n, target: target)
            row[target] -= 1
            return loss
        case .softmaxInDouble:
            return softmaxCrossEntropyGradientInDouble(row, count: n, target: target)
        case .stableMax:
            return stableMaxCrossEntropyGradient(row, count: n, target: target)
        }
    }

    /// Whether a row of logits is in collapse in this loss's own arithmetic: the normaliser Σⱼ f(xⱼ) rounds
    /// to its largest term, every other class absorbed, so that class's probability is exactly 1 and, when
    /// it is the target, the row's gradient exactly 0. For softmax in float this is `isInSoftmaxCollapse`,
    /// the count Prieto et al. log. `scratch` holds `count` floats.
    @inlinable
    public func isCollapsed(
        _ logits: UnsafePointer<Float>, count n: Int, scratch: UnsafeMutablePointer<Float>
    )
        -> Bool
    {
        switch self {
        case .softmax:
            return isInSoftmaxCollapse(logits, count: n, scratch: scratch)
        case .softmaxInDouble:
            return exponentialsInDouble(logits, count: n).sum == 1
        case .stableMax:
            var total = 0.0
            var largest = 0.0
            for j in 0..<n {
                let s = stableMaxTerm(Double(logits[j])).value
                total += s
                largest = max(largest, s)
            }
            return total == largest
        }
    }

    /// The loss of one row, measured in Double where it matters (`scratch` holds `count` floats).
    @inlinable
    public func measuredLoss(
        _ logits: UnsafePointer<Float>, count n: Int, target: Int, scratch: UnsafeMutablePointer<Float>
    ) -> Double {
        switch self {
        case .softmax, .softmaxInDouble:
            crossEntropySummedInDouble(logits, count: n, target: target, scratch: scratch)
        case .stableMax: stableMaxCrossEntropy(logits, count: n, target: target)
        }
    }
}

/// Whether a row of logits is in *softmax collapse* (Prieto et al. 2025): in float32, Σⱼ e^(xⱼ − max) is
/// exactly 1, every other class's term absorbed by the largest one's, so the softmax is a one-hot and the
/// row's cross-entropy gradient is exactly zero when that class is the target. `scratch` holds `count` floats.
@inlinable
public func isInSoftmaxCollapse(
    _ logits: UnsafePointer<Float>, count n: Int, scratch: UnsafeMutablePointer<Float>
)
    -> Bool
{
    scratch.update(from: logits, count: n)
    return exponentiateShifted(scratch, count: n).sum == 1
}
