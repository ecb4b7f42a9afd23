#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Eight weight rows unpacked and interleaved for the tile kernel, in groups of `groupLength` values (32, or 16
/// for Q6_K) that share one scale per row: w[r, i] = scale[g, r]·value[r, i] − minimum[g, r] for i in group g.
/// (`Int8Weights` unpacks every quantised type into it, folding d, dmin and the integer sub-block scales into
/// the two floats per group and row.)
public struct RowOctet {
    /// Per step of four columns, the eight rows' four values (32 bytes): unsigned (< 64), or signed bytes when
    /// `signedValues` (Q8_0).
    public var values: UnsafePointer<UInt8>
    /// Per group, the eight rows' scales, then their minimums.
    public var scales: UnsafePointer<Float>, minimums: UnsafePointer<Float>
    public var groupLength: Int
    public var signedValues: Bool
    public init(
        values: UnsafePointer<UInt8>, scales: UnsafePointer<Float>, minimums: UnsafePointer<Float>,
        groupLength: Int, signedValues: Bool
    ) {
        (self.values, self.scales, self.minimums, self.groupLength, self.signedValues) =
            (values, scales, minimums, groupLength, signedValues)
    }
}

/// Four activation rows rounded to int8 in blocks (llama.cpp's Q8_K: 256; Q8_1: 32): x[i] ≈ scale·value[i].
public struct TokenQuartet {
    /// Signed values, each row `columns` long, rows one after another.
    public var values: UnsafePointer<Int8>
    /// Each block's scale: columns / blockLength per row.
    public var scales: UnsafePointer<Float>
    /// Each weight group's scale·Σ values (for the minimums): columns / groupLength per row.
    public var groupSums: UnsafePointer<Float>
    public var columns: Int, blockLength: Int
    public init(
        values: UnsafePointer<Int8>, scales: UnsafePointer<Float>, groupSums: UnsafePointer<Float>, columns: Int,
        blockLength: Int
    ) {
        (self.values, self.scales, self.groupSums, self.columns, self.blockLength) =
            (values, scales, groupSums, columns, blockLength)
    }
}

/// Products of eight weight rows with four rounded activation rows, the arithmetic of llama.cpp's integer dot
/// products (`ggml_vec_dot_q4_K_q8_K` and kin) arranged as its repacked GEMM tiles: each 32-bit lane of a
/// register belongs to one weight row, so a step multiplies that row's four values by the same four
/// activation values (broadcast) and sums them into the lane — one `vpdpbusd` (AVX2: three instructions) per
/// 32 multiply-adds, no horizontal sums. Per group, each row's integer sum is scaled once in float; per
/// activation block once more. A plain scalar version of the same sums is in the tests.
public enum Int8TileKernels {
    @inlinable @inline(__always)
    static func load(_ p: UnsafeRawPointer) -> __m256i {
        _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
    }

    @inlinable @inline(__always)
    static func broadcast4(_ p: UnsafePointer<Int8>) -> __m256i {
        _mm256_set1_epi32(UnsafeRawPointer(p).loadUnaligned(as: Int32.self))
    }

    /// out[8t + r] = Σ_i w[r, i]·x[t, i] for the octet's rows r and the quartet's rows t.
    @inlinable
    public static func octetTimesQuartet<I: Int8Instructions>(
        _ isa: I.Type, _ w: RowOctet, _ x: TokenQuartet, into out: UnsafeMutablePointer<Float>
    ) {
        // Each case its own loop, its step count and signedness constants (no test inside the loop).
        switch (w.groupLength, w.signedValues) {
        case (32, false): tile(isa, w, x, out, steps: 8, signed: false)
        case (32, true): tile(isa, w, x, out, steps: 8, signed: true)
        case (16, false): tile(isa, w, x, out, steps: 4, signed: false)
        default: preconditionFailure("no kernel for groups of \(w.groupLength)\(w.signedValues ? ", signed" : "")")
        }
    }

    @inlinable @inline(__always)
    static func tile<I: Int8Instructions>(
        _: I.Type, _ w: RowOctet, _ x: TokenQuartet, _ out: UnsafeMutablePointer<Float>, steps: Int, signed: Bool
    ) {
        let k = x.columns
        let groupLength = 4 * steps
        let groupsPerBlock = x.blockLength / groupLength
        let groups = k / groupLength
        let blocks = k / x.blockLength
        var f0 = _mm256_setzero_ps(), f1 = f0, f2 = f0, f3 = f0
        var values = w.values
        for b in 0..<blocks {
            var g0 = _mm256_setzero_ps(), g1 = g0, g2 = g0, g3 = g0
            for j in 0..<groupsPerBlock {
                let group = b * groupsPerBlock + j
                var a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0
                var b0 = a0, b1 = a0, b2 = a0, b3 = a0
                let q = x.values + group * groupLength
                for s in 0..<steps {
                    var v = load(values + 32 * s)
                    var x0 = broadcast4(q + 4 * s), x1 = broadcast4(q + k + 4 * s)
                    var x2 = broadcast4(q + 2 * k + 4 * s), x3 = broadcast4(q + 3 * k + 4 * s)
                    if signed {
                        // u·q with u unsigned: |w|·(q with w's sign).
                        x0 = _mm256_sign_epi8(x0, v)
                        x1 = _mm256_sign_epi8(x1, v)
                        x2 = _mm256_sign_epi8(x2, v)
                        x3 = _mm256_sign_epi8(x3, v)
                        v = _mm256_abs_epi8(v)
                    }
                    if I.splitsSums && s % 2 == 1 {
                        b0 = I.addDot(b0, v, x0)
                        b1 = I.addDot(b1, v, x1)
                        b2 = I.addDot(b2, v, x2)
                        b3 = I.addDot(b3, v, x3)
                    } else {
                        a0 = I.addDot(a0, v, x0)
                        a1 = I.addDot(a1, v, x1)
                        a2 = I.addDot(a2, v, x2)
                        a3 = I.addDot(a3, v, x3)
                    }
                }
                if I.splitsSums {
                    a0 = _mm256_add_epi32(a0, b0)
                    a1 = _mm256_add_epi32(a1, b1)
                    a2 = _mm256_add_epi32(a2, b2)
                    a3 = _mm256_add_epi32(a3, b3)
                }
                values += 32 * steps
                let scale = _mm256_loadu_ps(w.scales + 8 * group)
                g0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a0), scale, g0)
                g1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a1), scale, g1)
                g2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a2), scale, g2)
                g3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a3), scale, g3)
                let minimum = _mm256_loadu_ps(w.minimums + 8 * group)
                let sums = x.groupSums + group
                f0 = _mm256_fnmadd_ps(minimum, _mm256_set1_ps(sums[0]), f0)
                f1 = _mm256_fnmadd_ps(minimum, _mm256_set1_ps(sums[groups]), f1)
                f2 = _mm256_fnmadd_ps(minimum, _mm256_set1_ps(sums[2 * groups]), f2)
                f3 = _mm256_fnmadd_ps(minimum, _mm256_set1_ps(sums[3 * groups]), f3)
            }
            let scales = x.scales + b
            f0 = _mm256_fmadd_ps(g0, _mm256_set1_ps(scales[0]), f0)
            f1 = _mm256_fmadd_ps(g1, _mm256_set1_ps(scales[blocks]), f1)
            f2 = _mm256_fmadd_ps(g2, _mm256_set1_ps(scales[2 * blocks]), f2)
            f3 = _mm256_fmadd_ps(g3, _mm256_set1_ps(scales[3 * blocks]), f3)
        }
        _mm256_storeu_ps(out, f0)
        _mm256_storeu_ps(out + 8, f1)
        _mm256_storeu_ps(out + 16, f2)
        _mm256_storeu_ps(out + 24, f3)
    }
}

/// The tile kernel compiled for AVX2.
public enum AVX2TileKernels {
    public static func octetTimesQuartet(_ w: RowOctet, _ x: TokenQuartet, into out: UnsafeMutablePointer<Float>) {
        Int8TileKernels.octetTimesQuartet(AVX2Instructions.self, w, x, into: out)
    }
}
#endif
