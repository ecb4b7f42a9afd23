#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Thin, typed wrappers over the system BLAS (OpenBLAS on Linux, Accelerate on macOS).
///
/// Everything is row-major. Matrix products are where nearly all of the training time goes, so every
/// product in SciDL comes through `gemm`. The BLAS itself runs single-threaded and `gemm` splits large
/// products across cores itself: with one thread pool for everything, OpenBLAS's idle workers no longer
/// spin against SciDL's own parallel loops, and each output element is still computed by exactly one
/// thread in a fixed order, so results do not depend on scheduling.
public enum BLAS {
    /// C ← alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ. With `splitting: false` the product
    /// runs on the calling thread (for callers that already spread work across cores).
    ///
    /// - Parameters:
    ///   - m, n, k: op(A) is m×k, op(B) is k×n, C is m×n.
    ///   - a, b: row-major storage of A (m×k, or k×m when transposed) and B (k×n, or n×k when transposed).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, splitting: Bool = true
    ) {
        gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: beta, c: c, ldc: n,
            splitting: splitting)
    }

    /// C ← alpha · op(A) · op(B) + beta · C on sub-matrices given by leading dimensions (the row strides
    /// of A, B and C). By default on the calling thread: for many small products that callers spread across
    /// cores, such as one attention head of one sequence reading its columns out of a packed [tokens, 3·d]
    /// buffer; `splitting: true` splits a large product across cores as the plain `gemm` does.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, splitting: Bool = false
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // An empty sum: BLAS would leave C untouched only for beta = 1, so say what it means.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        _ = singleThreaded
        let splitRows = m >= n
        let extent = splitRows ? m : n
        // Small products run whole. Large ones split into panels fixed by the product's shape alone — up to
        // eight, each a multiple of 16 rows (or columns) so it runs the BLAS's full-width kernels — and cores
        // take whole panels. OpenBLAS's result for a row depends on the panel it is computed in, so panels
        // chosen by shape, not by thread count, give the same bits on any number of cores.
        let large = splitting && m * n * k >= 1 << 21
        if large && k >= 4 * max(m, n) {
            return gemmSplittingSum(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        let panel = large ? max(128, ((extent + 7) / 8 + 15) / 16 * 16) : extent
        let panels = (extent + panel - 1) / panel
        parallelChunks(panels, minimumPerThread: 1) { range in
            for p in range {
                let start = p * panel
                let size = min(panel, extent - start)
                if splitRows {
                    let aOffset = transposeA ? start : start * lda
                    raw(transposeA, transposeB, size, n, k, alpha, a + aOffset, lda, b, ldb, beta, c + start * ldc, ldc)
                } else {
                    let bOffset = transposeB ? start * ldb : start
                    raw(transposeA, transposeB, m, size, k, alpha, a, lda, b + bOffset, ldb, beta, c + start, ldc)
                }
            }
        }
    }

    /// A product whose sum is much longer than its output (a weight gradient: Xᵀ·dY over a whole batch) split
    /// along the sum, in two halves fixed by k: each core packs only its half of both operands, where row
    /// panels would each pack all of the longer one. C = (first half + beta·C) + second half, in that order.
    private static func gemmSplittingSum(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        let half = (k / 2 + 15) / 16 * 16
        withUnsafeTemporaryAllocation(of: Float.self, capacity: m * n) { second in
            parallelChunks(2, minimumPerThread: 1) { parts in
                for part in parts {
                    let (k0, kp) = part == 0 ? (0, half) : (half, k - half)
                    let aPart = a + (ta ? k0 * lda : k0)
                    let bPart = b + (tb ? k0 : k0 * ldb)
                    if part == 0 {
                        raw(ta, tb, m, n, kp, alpha, aPart, lda, bPart, ldb, beta, c, ldc)
                    } else {
                        raw(ta, tb, m, n, kp, alpha, aPart, lda, bPart, ldb, 0, second.baseAddress!, n)
                    }
                }
            }
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] += second[i * n + j] } }
        }
    }

    private static func raw(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs once, on first use: SciDL parallelises around the BLAS, not inside it. Also keeps glibc from
    /// handing large buffers back to the kernel after every free: a training step allocates and frees the
    /// same few megabyte-sized activations thousands of times, and fresh pages cost a fault and a zeroing.
    private static let singleThreaded: Void = {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        _ = mallopt(M_MMAP_THRESHOLD, 256 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
        #endif
    }()
}
