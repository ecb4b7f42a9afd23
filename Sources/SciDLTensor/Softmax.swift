#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exponentials of `count` floats in place, shifted by their maximum m so that none overflows:
/// xⱼ ← e^(xⱼ − m). Returns m and Σ e^(xⱼ − m), so log Σ e^(xⱼ) = m + log Σ (the log-sum-exp). Softmax is
/// this divided by the sum; cross-entropy needs the log-sum-exp as well.
@inlinable
public func exponentiateShifted(_ row: UnsafeMutablePointer<Float>, count n: Int) -> (max: Float, sum: Float) {
    guard n > 0 else { return (-.infinity, 0) }
    var m = row[0]
    for j in 1..<n { m = max(m, row[j]) }
    var z: Float = 0
    for j in 0..<n {
        row[j] = expf(row[j] - m)
        z += row[j]
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

/// The cross-entropy −log softmax(logits)[target] in Double, from the maximum m and Σ exp(xᵢ − m)
/// (summed in order): x[target] − m − log Σ, negated, which stays accurate when the probability underflows.
@inlinable
public func crossEntropy<Logits: Collection<Double>>(logits: Logits, target: Logits.Index) -> Double {
    let m = logits.max()!
    let z = logits.reduce(0.0) { $0 + exp($1 - m) }
    return -(logits[target] - m - log(z))
}
