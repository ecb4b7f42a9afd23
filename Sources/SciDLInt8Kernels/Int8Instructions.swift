#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The integer step of a quantised dot product whose instructions differ between AVX2 and AVX-512 VNNI; the
/// tile kernel (`Int8TileKernels.swift`) is written once over it and compiled in each instruction set's module
/// (this one for AVX2, `SciDLInt8KernelsVNNI` for VNNI), the caller choosing at run time.
public protocol Int8Instructions {
    /// acc + Σ of four u·q per 32-bit lane: u unsigned bytes, q signed bytes. AVX2 forms the pairs in 16 bits
    /// (`vpmaddubsw`, which saturates: callers keep |u·q + u'·q'| < 2¹⁵) and sums them (`vpmaddwd`); VNNI does
    /// both in one instruction without the 16-bit step (`vpdpbusd`).
    static func addDot(_ acc: __m256i, _ u: __m256i, _ q: __m256i) -> __m256i
}

/// Haswell's instructions (every x86-64 CPU since 2013).
public enum AVX2Instructions: Int8Instructions {
    @inlinable @inline(__always)
    public static func addDot(_ acc: __m256i, _ u: __m256i, _ q: __m256i) -> __m256i {
        _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, q), _mm256_set1_epi16(1)))
    }
}
#endif
