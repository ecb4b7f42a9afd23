/// e^x for eight floats at once, within 2 ulp of `expf` (Cephes' polynomial on x − k·ln 2, scaled by 2^k): the
/// one vectorised exponential of the numeric core. Softmax, the cross-entropies and SiLU call it; scalar code
/// that needs one value calls the C library's `expf`. Eight at a time, without a library call per element, it
/// is several times faster, and softmax spends most of its time here.
///
/// Overflow rule, as `expf`'s: 0 below −87.3 (where e^x leaves the normal floats), +∞ above 88.37 (`expf`
/// overflows a little later, at 88.72), NaN for NaN. Callers that need a finite result (SiLU's z / (1 + e^(−z)))
/// get the right limit from IEEE arithmetic on +∞.
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
