import Foundation

/// Activation functions evaluated millions of times per batch, so written without library calls that
/// would not vectorise.
enum Activation {
    /// erf(x) to within 1e-7 absolute: a rational approximation (odd degree-13 over even degree-8
    /// polynomial, the one Eigen and XLA use for float), exact to float precision once |x| ≥ 4.
    @inline(__always)
    static func erf(_ value: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        // (A mask-select, which compiles to blends; `clamped` stayed a call in the hot loop.)
        let x = value.replacing(with: 4, where: value .> 4).replacing(with: -4, where: value .< -4)
        let x2 = x * x
        var p = V(repeating: -2.72614225801306e-10)
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q = V(repeating: -1.45660718464996e-05)
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }

    @inline(__always)
    static func erf(_ value: Float) -> Float { erf(SIMD8<Float>(repeating: value))[0] }

    /// eˣ to about 2 ulp (Cephes' expf: x = n·ln 2 + r with |r| ≤ ln 2 / 2, a polynomial in r, then the exponent
    /// bits set to n); 0 below −87.3, large but finite above 88.3.
    @inline(__always)
    static func exp(_ value: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        let x = value.replacing(with: 88.3, where: value .> 88.3).replacing(with: -87.3, where: value .< -87.3)
        // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits: n and its bits without a
        // float-to-integer conversion (Swift's generic one does not vectorise).
        let shifted = x * 1.44269504088896341 + 12_582_912
        let n = shifted - 12_582_912
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let scale = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(scale, to: V.self)
    }

    /// SiLU, z · σ(z) = z / (1 + e^(−z)).
    @inline(__always)
    static func silu(_ z: SIMD8<Float>) -> SIMD8<Float> { z / (1 + exp(-z)) }

    /// GELU's tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    static func tanhGELU(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }
}
