#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Eight weight rows unpacked and interleaved for the tile kernel, in groups of `groupLength` values (32, or 16
/// for Q6_K) that share one scale per row: w[r, i] = scale[g, r]·(value[r, i] − offset) − minimum[g, r] for i in
/// group g. (`Int8Weights` unpacks every quantised type into it, folding d, dmin and the integer sub-block
/// scales into the two floats per group and row.) A type whose zero is a constant value (Q4_0's 8, Q5_0's 16,
/// Q6_K's 32) has it as `offset`, subtracted in the integer sums, and no minimums; Q8_0 has neither.
public struct RowOctet {
    /// Per step of four columns, the eight rows' four values (32 bytes): unsigned (< 64), or signed bytes when
    /// `signedValues` (Q8_0).
    public var values: UnsafePointer<UInt8>
    /// Per group, the eight rows' scales, then their minimums (nil: every minimum is 0).
    public var scales: UnsafePointer<Float>, minimums: UnsafePointer<Float>?
    public var offset: Int32
    public var groupLength: Int
    public var signedValues: Bool
    public init(
        values: UnsafePointer<UInt8>, scales: UnsafePointer<Float>, minimums: UnsafePointer<Float>?, offset: Int32,
        groupLength: Int, signedValues: Bool
    ) {
        (self.values, self.scales, self.minimums, self.offset, self.groupLength, self.signedValues) =
            (values, scales, minimums, offset, groupLength, signedValues)
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
    /// Each weight group's Σ values (for the offsets): columns / groupLength per row.
    public var integerSums: UnsafePointer<Int32>
    public var columns: Int, blockLength: Int
    public init(
        values: UnsafePointer<Int8>, scales: UnsafePointer<Float>, groupSums: UnsafePointer<Float>,
        integerSums: UnsafePointer<Int32>, columns: Int, blockLength: Int
    ) {
        (self.values, self.scales, self.groupSums, self.integerSums, self.columns, self.blockLength) =
            (values, scales, groupSums, integerSums, columns, blockLength)
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
}

extension Int8TileKernels {
    /// out[16t + r] = Σ_i w[r, i]·x[t, i] for the sixteen rows r of two octets of one matrix (w's, then w2's) and the
    /// quartet's rows t. Two octets share each broadcast activation value: with one, loads (one weight register
    /// and four broadcasts per four `vpdpbusd`) held VNNI to 237 G multiply-adds/s on Q4_K; with two, 285–293.
    /// The 24 sums fit AVX-512's 32 registers; on AVX2's 16 some spill, and it runs as fast as one octet did.
    @inlinable
    public static func octetPairTimesQuartet<I: Int8Instructions>(
        _ isa: I.Type, _ w: RowOctet, _ w2: RowOctet, _ x: TokenQuartet, into out: UnsafeMutablePointer<Float>
    ) {
        assert(w.offset == w2.offset && (w.minimums == nil) == (w2.minimums == nil), "two octets of one matrix")
        // Each case's constants fixed, so no test is left in the loops.
        switch (w.groupLength, w.signedValues, w.offset != 0, w.minimums != nil) {
        case (32, false, false, true):
            pairTile(isa, w, w2, x, out, steps: 8, signed: false, offset: false, minimums: true)
        case (32, false, true, false):
            pairTile(isa, w, w2, x, out, steps: 8, signed: false, offset: true, minimums: false)
        case (32, true, false, false):
            pairTile(isa, w, w2, x, out, steps: 8, signed: true, offset: false, minimums: false)
        case (16, false, true, false):
            pairTile(isa, w, w2, x, out, steps: 4, signed: false, offset: true, minimums: false)
        default:
            preconditionFailure(
                "no kernel for groups of \(w.groupLength), signed \(w.signedValues), offset \(w.offset), minimums \(w.minimums != nil)"
            )
        }
    }

    @inlinable @inline(__always)
    static func pairTile<I: Int8Instructions>(
        _: I.Type, _ w: RowOctet, _ w2: RowOctet, _ x: TokenQuartet, _ out: UnsafeMutablePointer<Float>, steps: Int,
        signed: Bool, offset: Bool, minimums: Bool
    ) {
        let k = x.columns
        let groupLength = 4 * steps
        let groupsPerBlock = x.blockLength / groupLength
        let groups = k / groupLength
        let blocks = k / x.blockLength
        var f0 = _mm256_setzero_ps()
        var f1 = f0
        var f2 = f0
        var f3 = f0
        var e0 = f0
        var e1 = f0
        var e2 = f0
        var e3 = f0
        var values = w.values
        var values2 = w2.values
        for b in 0..<blocks {
            var g0 = _mm256_setzero_ps()
            var g1 = g0
            var g2 = g0
            var g3 = g0
            var h0 = g0
            var h1 = g0
            var h2 = g0
            var h3 = g0
            for j in 0..<groupsPerBlock {
                let group = b * groupsPerBlock + j
                var a0 = _mm256_setzero_si256()
                var a1 = a0
                var a2 = a0
                var a3 = a0
                if offset {
                    // Σ (v − offset)·x = Σ v·x − offset·Σ x: the sums start from −offset·Σ x.
                    let sums = x.integerSums + group
                    a0 = _mm256_set1_epi32(-w.offset &* sums[0])
                    a1 = _mm256_set1_epi32(-w.offset &* sums[groups])
                    a2 = _mm256_set1_epi32(-w.offset &* sums[2 * groups])
                    a3 = _mm256_set1_epi32(-w.offset &* sums[3 * groups])
                }
                var c0 = a0
                var c1 = a1
                var c2 = a2
                var c3 = a3
                let q = x.values + group * groupLength
                for s in 0..<steps {
                    var v = load(values + 32 * s)
                    var u = load(values2 + 32 * s)
                    let x0 = broadcast4(q + 4 * s)
                    let x1 = broadcast4(q + k + 4 * s)
                    let x2 = broadcast4(q + 2 * k + 4 * s)
                    let x3 = broadcast4(q + 3 * k + 4 * s)
                    if signed {
                        let (sv, su) = (v, u)
                        v = _mm256_abs_epi8(v)
                        u = _mm256_abs_epi8(u)
                        a0 = I.addDot(a0, v, _mm256_sign_epi8(x0, sv))
                        a1 = I.addDot(a1, v, _mm256_sign_epi8(x1, sv))
                        a2 = I.addDot(a2, v, _mm256_sign_epi8(x2, sv))
                        a3 = I.addDot(a3, v, _mm256_sign_epi8(x3, sv))
                        c0 = I.addDot(c0, u, _mm256_sign_epi8(x0, su))
                        c1 = I.addDot(c1, u, _mm256_sign_epi8(x1, su))
                        c2 = I.addDot(c2, u, _mm256_sign_epi8(x2, su))
                        c3 = I.addDot(c3, u, _mm256_sign_epi8(x3, su))
                    } else {
                        a0 = I.addDot(a0, v, x0)
                        a1 = I.addDot(a1, v, x1)
                        a2 = I.addDot(a2, v, x2)
                        a3 = I.addDot(a3, v, x3)
                        c0 = I.addDot(c0, u, x0)
                        c1 = I.addDot(c1, u, x1)
                        c2 = I.addDot(c2, u, x2)
                        c3 = I.addDot(c3, u, x3)
                    }
                }
                values += 32 * steps
                values2 += 32 * steps
                let scale = _mm256_loadu_ps(w.scales + 8 * group)
                let scale2 = _mm256_loadu_ps(w2.scales + 8 * group)
                g0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a0), scale, g0)
                g1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a1), scale, g1)
                g2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a2), scale, g2)
                g3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a3), scale, g3)
                h0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c0), scale2, h0)
                h1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c1), scale2, h1)
                h2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c2), scale2, h2)
                h3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c3), scale2, h3)
                if minimums {
                    let minimum = _mm256_loadu_ps(w.minimums.unsafelyUnwrapped + 8 * group)
                    let minimum2 = _mm256_loadu_ps(w2.minimums.unsafelyUnwrapped + 8 * group)
                    let sums = x.groupSums + group
                    let s0 = _mm256_set1_ps(sums[0])
                    let s1 = _mm256_set1_ps(sums[groups])
                    let s2 = _mm256_set1_ps(sums[2 * groups])
                    let s3 = _mm256_set1_ps(sums[3 * groups])
                    f0 = _mm256_fnmadd_ps(minimum, s0, f0)
                    f1 = _mm256_fnmadd_ps(minimum, s1, f1)
                    f2 = _mm256_fnmadd_ps(minimum, s2, f2)
                    f3 = _mm256_fnmadd_ps(minimum, s3, f3)
                    e0 = _mm256_fnmadd_ps(minimum2, s0, e0)
                    e1 = _mm256_fnmadd_ps(minimum2, s1, e1)
                    e2 = _mm256_fnmadd_ps(minimum2, s2, e2)
                    e3 = _mm256_fnmadd_ps(minimum2, s3, e3)
                }
            }
            let scales = x.scales + b
            let d0 = _mm256_set1_ps(scales[0])
            let d1 = _mm256_set1_ps(scales[blocks])
            let d2 = _mm256_set1_ps(scales[2 * blocks])
            let d3 = _mm256_set1_ps(scales[3 * blocks])
            f0 = _mm256_fmadd_ps(g0, d0, f0)
            f1 = _mm256_fmadd_ps(g1, d1, f1)
            f2 = _mm256_fmadd_ps(g2, d2, f2)
            f3 = _mm256_fmadd_ps(g3, d3, f3)
            e0 = _mm256_fmadd_ps(h0, d0, e0)
            e1 = _mm256_fmadd_ps(h1, d1, e1)
            e2 = _mm256_fmadd_ps(h2, d2, e2)
            e3 = _mm256_fmadd_ps(h3, d3, e3)
        }
        for (t, (f, e)) in [(f0, e0), (f1, e1), (f2, e2), (f3, e3)].enumerated() {
            _mm256_storeu_ps(out + 16 * t, f)
            _mm256_storeu_ps(out + 16 * t + 8, e)
        }
    }
}

/// The tile kernel compiled for AVX2.
public enum AVX2TileKernels {
    public static func octetPairTimesQuartet(
        _ w: RowOctet, _ w2: RowOctet, _ x: TokenQuartet, into out: UnsafeMutablePointer<Float>
    ) {
        Int8TileKernels.octetPairTimesQuartet(AVX2Instructions.self, w, w2, x, into: out)
    }
}
#endif
