#if arch(x86_64)
import SciDLInt8Kernels
import _Builtin_intrinsics.intel

/// AVX-512 VNNI's fused integer dot products on 256-bit registers (Ice Lake, Zen 4 and later). This module is
/// compiled for those CPUs; `Int8Kernels` calls it only where the CPU reports the features.
public enum VNNIInstructions: Int8Instructions {
    @inlinable @inline(__always)
    public static func addDot(_ acc: __m256i, _ u: __m256i, _ q: __m256i) -> __m256i {
        _mm256_mask_dpbusd_epi32(acc, 0xFF, u, q)
    }
}

/// The tile kernel compiled for VNNI (see `Int8TileKernels`).
public enum VNNITileKernels {
    public static func octetPairTimesQuartet(
        _ w: RowOctet, _ w2: RowOctet, _ x: TokenQuartet, into out: UnsafeMutablePointer<Float>
    ) {
        Int8TileKernels.octetPairTimesQuartet(VNNIInstructions.self, w, w2, x, into: out)
    }
}
#endif
