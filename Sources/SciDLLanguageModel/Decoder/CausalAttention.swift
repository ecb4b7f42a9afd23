import Foundation
import SciDLTensor

/// Causal multi-head attention with grouped-query sharing (Ainslie et al. 2023): query head h reads
/// key/value head h / (heads / keyValueHeads). Works on packed segments: a segment's rows attend to its
/// context rows (a shared prefix, all visible) and then causally to its own rows. One (segment, head) per
/// task, in tiles of query rows so the score buffer stays small and no score above the diagonal is
/// computed.
///
/// q: [R, heads·dh], k, v: [R, kvHeads·dh], their rows `rowStride` apart (columns of one q‖k‖v buffer)
/// → context [R, heads·dh].
///
/// `shape` says how scores are made (their scale, an optional soft cap) and which keys a query sees (an optional
/// sliding window). A segment's keys are its context rows, then its own: key j sits at position j, the query of
/// own row r at position p + r, so a window is a range of key indices.
func causalAttention(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, rowStride: Int,
    into context: UnsafeMutablePointer<Float>, segments: [SharedPrefixes.Segment],
    heads: Int, keyValueHeads: Int, headSize dh: Int, shape: AttentionShape
) {
    let tile = 64
    let qWidth = heads * dh
    let group = heads / keyValueHeads
    let scale = shape.scale
    let maxKeys = segments.map { $0.context.count + $0.rows.count }.max() ?? 0
    parallelChunks(segments.count * heads, minimumPerThread: 1) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: tile * max(maxKeys, 1))
        defer { scores.deallocate() }
        for task in range {
            let segment = segments[task / heads]
            let head = task % heads
            let kvHead = head / group
            let start = segment.rows.lowerBound
            let length = segment.rows.count
            let p = segment.context.count
            let qh = q + start * rowStride + head * dh
            let out = context + start * qWidth + head * dh
            let kh = k + start * rowStride + kvHead * dh
            let vh = v + start * rowStride + kvHead * dh
            let kc = k + segment.context.lowerBound * rowStride + kvHead * dh
            let vc = v + segment.context.lowerBound * rowStride + kvHead * dh
            for first in stride(from: 0, to: length, by: tile) {
                let last = min(length, first + tile)
                let rows = last - first
                let width = p + last
                // scores [rows, p + last] = Q[first..<last] · [K_context; K[0..<last]]ᵀ / √dh
                if p > 0 {
                    BLAS.gemm(
                        transposeA: false, transposeB: true, m: rows, n: p, k: dh, alpha: scale,
                        a: qh + first * rowStride, lda: rowStride, b: kc, ldb: rowStride, c: scores, ldc: width)
                }
                BLAS.gemm(
                    transposeA: false, transposeB: true, m: rows, n: last, k: dh, alpha: scale,
                    a: qh + first * rowStride, lda: rowStride, b: kh, ldb: rowStride, c: scores + p, ldc: width)
                for r in 0..<rows {
                    let row = scores + r * width
                    let visible = p + first + r + 1
                    let earliest = shape.earliestKey(visible: visible)
                    shape.cap(row + earliest, count: visible - earliest)
                    softmaxInPlace(row + earliest, count: visible - earliest)
                    for j in 0..<earliest { row[j] = 0 }
                    for j in visible..<width { row[j] = 0 }
                }
                // context rows [rows, dh] = P · [V_context; V[0..<last]]
                if p > 0 {
                    BLAS.gemm(
                        transposeA: false, transposeB: false, m: rows, n: dh, k: p, a: scores, lda: width,
                        b: vc, ldb: rowStride, c: out + first * qWidth, ldc: qWidth)
                }
                BLAS.gemm(
                    transposeA: false, transposeB: false, m: rows, n: dh, k: last, a: scores + p, lda: width,
                    b: vh, ldb: rowStride, beta: p > 0 ? 1 : 0, c: out + first * qWidth, ldc: qWidth)
            }
        }
    }
}

/// The same attention for chosen query rows only (`queryRows`, computed-row indices): context
/// [queryRows.count, heads·dh], row i for query row queryRows[i]. The last block needs no more when only one
/// token of each text is read, and one row per text costs a matrix–vector product per head.
func causalAttention(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, rowStride: Int,
    queryRows: [Int], into context: UnsafeMutablePointer<Float>,
    segments: [SharedPrefixes.Segment], heads: Int, keyValueHeads: Int, headSize dh: Int, shape: AttentionShape
) {
    let qWidth = heads * dh
    let group = heads / keyValueHeads
    let scale = shape.scale
    let maxKeys = segments.map { $0.context.count + $0.rows.count }.max() ?? 0
    let segmentOf = segments.indices.flatMap { s in segments[s].rows.map { _ in s } }
    parallelChunks(queryRows.count * heads, minimumPerThread: 1) { range in
        let keys = UnsafeMutablePointer<Float>.allocate(capacity: max(maxKeys, 1))
        defer { keys.deallocate() }
        for task in range {
            let i = task / heads
            let head = task % heads
            let kvHead = head / group
            let row = queryRows[i]
            let segment = segments[segmentOf[row]]
            // The keys this row sees: its segment's context, then its own segment up to itself.
            let all = Array(segment.context) + Array(segment.rows.lowerBound...row)
            let visible = all[shape.earliestKey(visible: all.count)...]
            let qh = q + row * rowStride + head * dh
            let out = context + i * qWidth + head * dh
            for (j, r) in visible.enumerated() {
                let kh = k + r * rowStride + kvHead * dh
                var dot: Float = 0
                for e in 0..<dh { dot += qh[e] * kh[e] }
                keys[j] = dot * scale
            }
            shape.cap(keys, count: visible.count)
            softmaxInPlace(keys, count: visible.count)
            for e in 0..<dh { out[e] = 0 }
            for (j, r) in visible.enumerated() {
                let vh = v + r * rowStride + kvHead * dh
                let p = keys[j]
                for e in 0..<dh { out[e] += p * vh[e] }
            }
        }
    }
}

/// How one block's attention scores are made and which keys each query sees.
struct AttentionShape {
    /// Scores are q·k · scale.
    var scale: Float
    /// Scores become cap · tanh(score / cap) before the softmax (Gemma 2); nil: unchanged.
    var softCap: Float?
    /// A query sees itself and the `window − 1` keys before it (sliding-window attention); nil: every earlier key.
    var window: Int?

    /// The first key a query sees when it sees keys 0..<visible (causally).
    func earliestKey(visible: Int) -> Int { window.map { max(0, visible - $0) } ?? 0 }

    /// Soft-caps `count` scores in place.
    func cap(_ scores: UnsafeMutablePointer<Float>, count: Int) {
        guard let softCap else { return }
        for j in 0..<count { scores[j] = softCap * tanhf(scores[j] / softCap) }
    }
}
