import SciDLTensor

/// Causal multi-head attention patterns, with queries and keys read from row tables through indices.
///
/// Shapes: `queries` [Rq, H·dh] and `keys` [R, H·dh] are tables of projected rows; `queryIndex` [B·Tq]
/// names the query row of each example's last Tq positions and `keyIndex` [B·T] the key row at each of
/// its T positions. For an ordinary batch the tables hold one row per (example, position) and the indices
/// count up; when examples share rows (a one-layer model over a small vocabulary) the tables hold one row
/// per distinct (position, token) and nothing is copied per example, forward or backward.
///
/// Query i of an example sits at position T − Tq + i and sees keys 0...that position; scores are scaled
/// by 1/√dh. Returns the pattern [B·Tq, H·T]: row (b, i), column h·T + j is head h's attention from query
/// i to key j (zero where masked). Mixing values with it is `Variable.mixingRows`.
public func attentionPattern(queries q: Variable, keys k: Variable, heads h: Int,
                             queryIndex: [Int], keyIndex: [Int], length t: Int) -> Variable {
    let hd = q.shape[1], dh = hd / h
    let b = keyIndex.count / t, tq = queryIndex.count / max(b, 1)
    precondition(hd % h == 0 && k.shape[1] == hd && b * t == keyIndex.count && b * tq == queryIndex.count && tq <= t,
                 "attention shapes q \(q.shape) k \(k.shape), \(queryIndex.count) queries, \(keyIndex.count) keys")
    let scale = 1 / Float(dh).squareRoot()
    var pattern = Tensor(zeros: [b * tq, h * t])
    // Offsets of example bi's query i / key j in head hi, and of its pattern row segment.
    func qo(_ bi: Int, _ i: Int, _ hi: Int) -> Int { queryIndex[bi * tq + i] * hd + hi * dh }
    func ko(_ bi: Int, _ j: Int, _ hi: Int) -> Int { keyIndex[bi * t + j] * hd + hi * dh }
    func po(_ bi: Int, _ i: Int, _ hi: Int) -> Int { (bi * tq + i) * h * t + hi * t }

    q.value.scalars.withUnsafeBufferPointer { Q in
    k.value.scalars.withUnsafeBufferPointer { K in
    pattern.scalars.withUnsafeMutableBufferPointer { P in
        parallelChunks(b, minimumPerThread: 256) { batch in
            for bi in batch { for i in 0..<tq { for hi in 0..<h {
                let last = t - tq + i, p = po(bi, i, hi), qi = qo(bi, i, hi)
                for j in 0...last {
                    P[p + j] = dot(Q.baseAddress! + qi, K.baseAddress! + ko(bi, j, hi), count: dh) * scale
                }
                softmaxInPlace(P.baseAddress! + p, count: last + 1)
            } } }
        }
    } } }

    let qv = q.value, kv = k.value, a = pattern
    return Variable(pattern, parents: [q, k]) { g in
        // a = softmax(s): ds_j = a_j (da_j − Σ_l a_l da_l);  dq = scale Σ_j ds_j k_j;  dk_j += scale ds_j q.
        // Examples share table rows, so cores split the heads (disjoint columns), not the examples.
        var dq = Tensor(zeros: qv.shape), dk = Tensor(zeros: kv.shape)
        g.scalars.withUnsafeBufferPointer { G in
        qv.scalars.withUnsafeBufferPointer { Q in
        kv.scalars.withUnsafeBufferPointer { K in
        a.scalars.withUnsafeBufferPointer { A in
        dq.scalars.withUnsafeMutableBufferPointer { DQ in
        dk.scalars.withUnsafeMutableBufferPointer { DK in
            parallelChunks(h, minimumPerThread: b * t >= 4096 ? 1 : h + 1) { heads in
                for hi in heads { for bi in 0..<b { for i in 0..<tq {
                    let last = t - tq + i, p = po(bi, i, hi), qi = qo(bi, i, hi)
                    var dot: Float = 0
                    for j in 0...last { dot += A[p + j] * G[p + j] }
                    for j in 0...last {
                        let ds = A[p + j] * (G[p + j] - dot) * scale
                        let kj = ko(bi, j, hi)
                        axpy(ds, K.baseAddress! + kj, DQ.baseAddress! + qi, count: dh)
                        axpy(ds, Q.baseAddress! + qi, DK.baseAddress! + kj, count: dh)
                    }
                } } }
            }
        } } } } } }
        return [dq, dk]
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
