#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The log-sum-exp, once: `exponentiateShifted` below. Softmax and the cross-entropies are built on it, in the
// precision their callers need: float for a training step (`softmaxCrossEntropy`; Double throughout for a
// step that is to delay softmax collapse, `softmaxCrossEntropyGradientInDouble`), float exponentials
// summed in Double for a measured loss (`crossEntropySummedInDouble`), Double throughout for analyses
// (`crossEntropy(logits:target:)`). Each is tested against a plain loop in Double.

/// The exponentials of `count` floats in place, shifted by their maximum m so that none overflows:
/// xⱼ ← e^(xⱼ − m). Returns m and Σ e^(xⱼ − m), so log Σ e^(xⱼ) = m + log Σ (the log-sum-exp). Softmax is
/// this divided by the sum; cross-entropy needs the log-sum-exp as well.
@inlinable
public func exponentiateShifted(_ row: UnsafeMutablePointer<Float>, count n: Int) -> (max: Float, sum: Float) {
    guard n > 0 else { return (-.infinity, 0) }
    let raw = UnsafeMutableRawPointer(row)
    // The exponentials and their sum, eight partial sums added in a fixed order.
    let m = largest(row, count: n)
    var j = 0
    var sums = SIMD8<Float>()
    while j + 8 <= n {
        let y = exponential(raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self) - SIMD8(repeating: m))
        raw.storeBytes(of: y, toByteOffset: 4 * j, as: SIMD8<Float>.self)
        sums += y
        j += 8
    }
    var z = ((sums[0] + sums[4]) + (sums[1] + sums[5])) + ((sums[2] + sums[6]) + (sums[3] + sums[7]))
    if j < n {
        var x = SIMD8<Float>(repeating: -.infinity)
        for e in j..<n { x[e - j] = row[e] - m }
        let y = exponential(x)
        for e in j..<n {
            row[e] = y[e - j]
            z += y[e - j]
        }
    }
    return (m, z)
}

/// Softmax of `count` floats in place; returns the maximum and the sum of `exponentiateShifted`.
@inlinable @discardableResult
public func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count n: Int) -> (max: Float, sum: Float) {
    let (m, z) = exponentiateShifted(row, count: n)
    for j in 0..<n { row[j] /= z }
    return (m, z)
}

/// −log softmax(row)[target] in float arithmetic, leaving the softmax probabilities in `row`: the loss of a
/// training step, whose gradient is those probabilities less the one-hot target. One multiplication by 1/Σ
/// rather than `count` divisions: saved runs' trajectories depend on these last bits, so the rule must not
/// change (`Variable.crossEntropy` and the grokking step's fused kernel both call this).
@inlinable
public func softmaxCrossEntropy(_ row: UnsafeMutablePointer<Float>, count n: Int, target: Int) -> Double {
    let xt = row[target]
    let (m, z) = exponentiateShifted(row, count: n)
    let inverse = 1 / z
    for j in 0..<n { row[j] *= inverse }
    return -Double(xt - m - logf(z))
}

/// `softmaxCrossEntropy`'s training-step loss in Double throughout (as a float64 model's loss): returns the
/// loss and leaves its gradient, softmax − onehot, rounded to float in `row`. The target's 1 − p is where
/// softmax collapse happens: in float it rounds to 0 once the other classes' share falls below 2⁻²⁴ (a margin
/// near 17), in Double below 2⁻⁵³ (a margin near 37), and the float it is rounded to afterwards keeps it.
@inlinable
public func softmaxCrossEntropyGradientInDouble(
    _ row: UnsafeMutablePointer<Float>, count n: Int, target: Int
)
    -> Double
{
    let (m, z) = exponentialsInDouble(row, count: n)
    let xt = Double(row[target])
    for j in 0..<n { row[j] = Float(exp(Double(row[j]) - m) / z - (j == target ? 1 : 0)) }
    return -(xt - m - log(z))
}

/// The maximum m of `count` floats and Σ e^(xⱼ − m), in Double.
@inlinable
public func exponentialsInDouble(_ row: UnsafePointer<Float>, count n: Int) -> (max: Double, sum: Double) {
    var m = -Double.infinity
    for j in 0..<n { m = max(m, Double(row[j])) }
    var z = 0.0
    for j in 0..<n { z += exp(Double(row[j]) - m) }
    return (m, z)
}

/// −log softmax(logits)[target] with the exponentials in float (in `scratch`, `count` long) and their sum in
/// Double: a measurement, not a training step. After grokking the loss is log(1 + ε) with ε far below float's
/// resolution at 1, and only a Double sum keeps it.
@inlinable
public func crossEntropySummedInDouble(
    _ logits: UnsafePointer<Float>, count n: Int, target: Int, scratch: UnsafeMutablePointer<Float>
) -> Double {
    scratch.update(from: logits, count: n)
    let (m, _) = exponentiateShifted(scratch, count: n)
    var sums = SIMD4<Double>()
    var j = 0
    while j + 4 <= n {
        sums += SIMD4(Double(scratch[j]), Double(scratch[j + 1]), Double(scratch[j + 2]), Double(scratch[j + 3]))
        j += 4
    }
    var z = (sums[0] + sums[2]) + (sums[1] + sums[3])
    for j in j..<n { z += Double(scratch[j]) }
    return -(Double(logits[target]) - Double(m) - log(z))
}

/// −log softmax(logits)[target] entirely in Double (`exp` from the C library), from the maximum m and
/// Σ exp(xᵢ − m) summed in order; stays accurate when the probability underflows. For analyses (the toy
/// model, a language model's answer log-probabilities), where speed does not matter.
@inlinable
public func crossEntropy<Logits: Collection<Double>>(logits: Logits, target: Logits.Index) -> Double {
    let m = logits.max()!
    let z = logits.reduce(0.0) { $0 + exp($1 - m) }
    return -(logits[target] - m - log(z))
}
