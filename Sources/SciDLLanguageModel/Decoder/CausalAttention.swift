import SciDLTensor

/// Causal multi-head attention with grouped-query sharing (Ainslie et al. 2023): query head h reads
/// key/value head h / (heads / keyValueHeads). Works on packed sequences — rows `starts[s]..<starts[s+1]`
/// are sequence s — one (sequence, head) per task, in tiles of query rows so the score buffer stays small
/// and no score above the diagonal is computed.
///
/// q: [T, heads·dh], k, v: [T, kvHeads·dh], their rows `rowStride` apart (columns of one q‖k‖v buffer)
/// → context [T, heads·dh].
func causalAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, rowStride: Int,
                     into context: UnsafeMutablePointer<Float>, starts: [Int],
                     heads: Int, keyValueHeads: Int, headSize dh: Int) {
    let tile = 64
    let qWidth = heads * dh, group = heads / keyValueHeads
    let scale = 1 / Float(dh).squareRoot()
    let maxLength = zip(starts.dropFirst(), starts).map { $0 - $1 }.max() ?? 0
    let tasks = (starts.count - 1) * heads
    parallelChunks(tasks, minimumPerThread: 1) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: tile * max(maxLength, 1))
        defer { scores.deallocate() }
        for task in range {
            let sequence = task / heads, head = task % heads, kvHead = head / group
            let start = starts[sequence], length = starts[sequence + 1] - start
            let qh = q + start * rowStride + head * dh, kh = k + start * rowStride + kvHead * dh
            let vh = v + start * rowStride + kvHead * dh, out = context + start * qWidth + head * dh
            for first in stride(from: 0, to: length, by: tile) {
                let last = min(length, first + tile), rows = last - first
                // scores [rows, last] = Q[first..<last] · K[0..<last]ᵀ / √dh
                BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: last, k: dh, alpha: scale,
                          a: qh + first * rowStride, lda: rowStride, b: kh, ldb: rowStride, c: scores, ldc: last)
                for r in 0..<rows {
                    let row = scores + r * last, visible = first + r + 1
                    softmaxInPlace(row, count: visible)
                    for j in visible..<last { row[j] = 0 }
                }
                // context rows [rows, dh] = P · V[0..<last]
                BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: dh, k: last, a: scores, lda: last,
                          b: vh, ldb: rowStride, c: out + first * qWidth, ldc: qWidth)
            }
        }
    }
}
