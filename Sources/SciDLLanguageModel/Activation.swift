import Foundation
import SciDLTensor

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

    /// SiLU, z · σ(z) = z / (1 + e^(−z)), with the tensor module's exponential (+∞ for z below −88.37 gives
    /// the limit, −0).
    @inline(__always)
    static func silu(_ z: SIMD8<Float>) -> SIMD8<Float> { z / (1 + exponential(-z)) }

    /// GELU's tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    static func tanhGELU(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }
}
