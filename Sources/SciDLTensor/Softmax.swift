#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax of `count` floats in place, shifted by their maximum so that no exponential overflows.
/// Returns the shift and the sum of the shifted exponentials, whose log-sum-exp (max + log sum) a
/// cross-entropy needs.
@inlinable @discardableResult
public func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count n: Int) -> (max: Float, sum: Float) {
    guard n > 0 else { return (-.infinity, 0) }
    var m = row[0]
    for j in 1..<n { m = max(m, row[j]) }
    var z: Float = 0
    for j in 0..<n { row[j] = expf(row[j] - m); z += row[j] }
    for j in 0..<n { row[j] /= z }
    return (m, z)
}

/// The cross-entropy −log softmax(logits)[target] in Double, from the maximum m and Σ exp(xᵢ − m)
/// (summed in order): x[target] − m − log Σ, negated, which stays accurate when the probability underflows.
public func crossEntropy<Logits: Collection<Double>>(logits: Logits, target: Logits.Index) -> Double {
    let m = logits.max()!
    let z = logits.reduce(0.0) { $0 + exp($1 - m) }
    return -(logits[target] - m - log(z))
}
