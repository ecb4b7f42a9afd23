/// A matrix product against a right-hand side packed once into panels of 16 columns, for a product repeated
/// over many small tiles of rows against the same matrix (the one-layer transformer's neurons' gradient:
/// 240 examples at a time against W_out·U). The BLAS packs its right-hand side again on every call; here it
/// is packed once and each tile reads it from the cache.
///
///     C[i, j] = Σ_k A[i, k] · B[k, j]          A [rows, K], B [K, N] packed, C [rows, columns]
///
/// Each element is ((0 + A[i,0]·B[0,j]) + A[i,1]·B[1,j]) + … in k order, each step one fused multiply-add
/// (where the instruction set has one, `SCIDL_FMA`): the same bits whatever the tiling or the number of
/// threads. Six rows by 16 columns are kept in registers over the whole sum (12 vectors): per k, two loads
/// of B and six of A feed 12 fused multiply-adds, which keeps the core's two FMA units busy (~90 % of their
/// peak measured on Zen 3 for the neurons' gradient, where the BLAS reaches ~65 %; a product and a separate
/// sum ran at half the rate, and without FMA each product in flight needs a register of its own, so a
/// portable build spills some sums to the stack).
/// On the grokking model's forward product (K = 512) it reached only half the peak and the BLAS stays there.
public enum PanelProduct {
    /// Columns per panel: two vectors of eight.
    public static let panelWidth = 16

    /// How many floats `pack` writes for K rows of N columns.
    public static func packedCount(k: Int, n: Int) -> Int { (n + panelWidth - 1) / panelWidth * panelWidth * k }

    /// Packs B [K, N] (row-major, or given as its transpose Bᵀ [N, K] with `transposed`) into panels: panel p
    /// holds columns 16p ..< 16p + 16, one row of 16 per k, zero past column N.
    public static func pack(
        _ b: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool = false, into packed: UnsafeMutablePointer<Float>
    ) {
        let w = panelWidth
        for p in 0..<((n + w - 1) / w) {
            let panel = packed + p * w * k
            for j in 0..<w {
                let column = p * w + j
                for kk in 0..<k {
                    panel[kk * w + j] = column >= n ? 0 : transposed ? b[column * k + kk] : b[kk * n + column]
                }
            }
        }
    }

    /// Writes C [rows, columns.count] (row stride `ldc`) = A·B over `columns` of B, A [rows, K] with row
    /// stride `lda`, B packed by `pack`. `columns` starts at a panel boundary.
    /// With `mask` (rows of stride `ldm`, indexed by the same columns), C is zero where the mask is not
    /// positive — relu's gradient, the mask being relu's output (NaN passes nothing either).
    public static func multiply(
        _ a: UnsafePointer<Float>, lda: Int, rows: Int, k: Int, packed: UnsafePointer<Float>, columns: Range<Int>,
        into c: UnsafeMutablePointer<Float>, ldc: Int,
        zeroWhereNotPositive mask: UnsafePointer<Float>? = nil, ldm: Int = 0
    ) {
        let w = panelWidth
        precondition(columns.lowerBound % w == 0, "columns must start at a panel boundary")
        // Rows outermost: a group of rows of A stays in L1 while every panel streams past it from L2.
        var i = 0
        while i < rows {
            let count = min(6, rows - i)
            var j0 = columns.lowerBound
            while j0 < columns.upperBound {
                let panel = packed + (j0 / w) * w * k
                let width = min(w, columns.upperBound - j0)
                let out = c + i * ldc + (j0 - columns.lowerBound)
                let m = mask.map { $0 + i * ldm + j0 }
                if count == 6 {
                    sixRows(
                        a + i * lda, lda: lda, k: k, panel: panel, into: out, ldc: ldc, width: width,
                        mask: m, ldm: ldm)
                } else {
                    for r in 0..<count {
                        oneRow(
                            a + (i + r) * lda, k: k, panel: panel, into: out + r * ldc, width: width,
                            mask: m.map { $0 + r * ldm })
                    }
                }
                j0 += w
            }
            i += count
        }
    }

    /// Stores a row's 16 sums (or the first `width`), masked.
    @inline(__always)
    private static func store(
        _ s0: SIMD8<Float>, _ s1: SIMD8<Float>, into out: UnsafeMutablePointer<Float>, width: Int,
        mask: UnsafePointer<Float>?
    ) {
        var (s0, s1) = (s0, s1)
        if width == 16 {
            let o = UnsafeMutableRawPointer(out)
            if let mask {
                let m = UnsafeRawPointer(mask)
                s0 = keptWherePositive(s0, output: m.loadUnaligned(as: SIMD8<Float>.self))
                s1 = keptWherePositive(s1, output: m.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
            }
            o.storeBytes(of: s0, as: SIMD8<Float>.self)
            o.storeBytes(of: s1, toByteOffset: 32, as: SIMD8<Float>.self)
        } else {
            for j in 0..<width {
                let s = j < 8 ? s0[j] : s1[j - 8]
                out[j] = mask.map { $0[j] > 0 } ?? true ? s : 0
            }
        }
    }

    @inline(__always)
    private static func sixRows(
        _ a: UnsafePointer<Float>, lda: Int, k: Int, panel: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>, ldc: Int, width: Int, mask: UnsafePointer<Float>?,
        ldm: Int
    ) {
        var (c00, c01, c10, c11) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (c20, c21, c30, c31) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (c40, c41, c50, c51) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        let (a0, a1, a2, a3, a4, a5) = (a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda, a + 5 * lda)
        let b = UnsafeRawPointer(panel)
        for kk in 0..<k {
            let b0 = b.loadUnaligned(fromByteOffset: 64 * kk, as: SIMD8<Float>.self)
            let b1 = b.loadUnaligned(fromByteOffset: 64 * kk + 32, as: SIMD8<Float>.self)
            // Row r of the tile gains a[r][kk] · (b0, b1): six rows written out, so that the twelve
            // accumulators stay in registers.
            accumulateRow(&c00, &c01, a0[kk], b0, b1)
            accumulateRow(&c10, &c11, a1[kk], b0, b1)
            accumulateRow(&c20, &c21, a2[kk], b0, b1)
            accumulateRow(&c30, &c31, a3[kk], b0, b1)
            accumulateRow(&c40, &c41, a4[kk], b0, b1)
            accumulateRow(&c50, &c51, a5[kk], b0, b1)
        }
        store(c00, c01, into: out, width: width, mask: mask)
        store(c10, c11, into: out + ldc, width: width, mask: mask.map { $0 + ldm })
        store(c20, c21, into: out + 2 * ldc, width: width, mask: mask.map { $0 + 2 * ldm })
        store(c30, c31, into: out + 3 * ldc, width: width, mask: mask.map { $0 + 3 * ldm })
        store(c40, c41, into: out + 4 * ldc, width: width, mask: mask.map { $0 + 4 * ldm })
        store(c50, c51, into: out + 5 * ldc, width: width, mask: mask.map { $0 + 5 * ldm })
    }

    @inline(__always)
    private static func oneRow(
        _ a: UnsafePointer<Float>, k: Int, panel: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        width: Int, mask: UnsafePointer<Float>?
    ) {
        var (c0, c1) = (SIMD8<Float>(), SIMD8<Float>())
        let b = UnsafeRawPointer(panel)
        for kk in 0..<k {
            let x = SIMD8<Float>(repeating: a[kk])
            accumulate(&c0, x, b.loadUnaligned(fromByteOffset: 64 * kk, as: SIMD8<Float>.self))
            accumulate(&c1, x, b.loadUnaligned(fromByteOffset: 64 * kk + 32, as: SIMD8<Float>.self))
        }
        store(c0, c1, into: out, width: width, mask: mask)
    }
}

/// sum += x·y, fused where the instruction set allows.
@inline(__always)
private func accumulate(_ sum: inout SIMD8<Float>, _ x: SIMD8<Float>, _ y: SIMD8<Float>) {
    #if SCIDL_FMA
    sum.addProduct(x, y)
    #else
    sum += x * y
    #endif
}

/// One row of a 6×16 tile: (c0, c1) += a · (b0, b1).
@inline(__always)
private func accumulateRow(
    _ c0: inout SIMD8<Float>, _ c1: inout SIMD8<Float>, _ a: Float, _ b0: SIMD8<Float>, _ b1: SIMD8<Float>
) {
    let x = SIMD8<Float>(repeating: a)
    accumulate(&c0, x, b0)
    accumulate(&c1, x, b1)
}
