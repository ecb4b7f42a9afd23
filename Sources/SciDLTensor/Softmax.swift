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

/// e^x for eight floats at once, within 2 ulp of `expf` (Cephes' polynomial on x − k·ln 2, scaled by 2^k);
/// 0 below −87.3, where e^x leaves the normal floats, +∞ above 88.37 (`expf` overflows a little later, at
/// 88.72), NaN for NaN. Softmax and cross-entropy spend most of their time in
/// the exponential: eight at a time, without a library call per element, it is several times faster.
@inlinable @inline(__always)
public func exponential(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Clamped with selects: `clamped(lowerBound:upperBound:)` is a generic call per use.
    let low = SIMD8<Float>(repeating: -87.3)
    let high = SIMD8<Float>(repeating: 88.37)
    let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    // k = round(x / ln 2); r = x − k·ln 2, with ln 2 split in two so that r is exact.
    let k = (clamped * 1.442_695_04 + 0.5).rounded(.down)
    var r = clamped - k * 0.693_359_375
    r = r + k * 2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let y = p * (r * r) + r + 1
    // 2^k built from its bits. k + 127 + 2²³ is a float whose low mantissa bits are the integer k + 127
    // (its ulp is 1), which avoids a float-to-integer conversion the compiler does lane by lane.
    let biased = unsafeBitCast(k + (127 + 8_388_608), to: SIMD8<Int32>.self) &- 0x4B00_0000
    let scale = unsafeBitCast(biased &<< 23, to: SIMD8<Float>.self)
    return (y * scale).replacing(with: 0, where: x .< -87.3).replacing(with: .infinity, where: x .> 88.37)
        .replacing(with: x, where: x .!= x)
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
