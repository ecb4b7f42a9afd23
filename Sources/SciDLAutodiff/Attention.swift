import SciDLTensor

/// Causal multi-head attention that reads queries, keys and values from row tables through indices.
///
/// Shapes: `queries` [Rq, H·dh], `keys` and `values` [R, H·dh] are tables of projected rows;
/// `queryIndex` [B·Tq] names the query row of each example's last Tq positions and `keyIndex` [B·T] the
/// key/value row at each of its T positions. For an ordinary batch the tables hold one row per
/// (example, position) and the indices count up; when examples share rows (a one-layer model over a
/// small vocabulary) the tables hold one row per distinct (position, token) and nothing is copied per
/// example — forward or backward.
///
/// Query i of an example sits at position T − Tq + i and sees keys 0...that position; scores are scaled
/// by 1/√dh. Returns z [B·Tq, H·dh] and the attention pattern [B, H, Tq, T] (zeros where masked).
public func causalAttention(queries q: Variable, keys k: Variable, values v: Variable, heads h: Int,
                            queryIndex: [Int], keyIndex: [Int], length t: Int)
    -> (output: Variable, pattern: Tensor)
{
    let hd = q.shape[1], dh = hd / h
    let b = keyIndex.count / t, tq = queryIndex.count / max(b, 1)
    precondition(hd % h == 0 && k.shape[1] == hd && v.shape == k.shape && b * t == keyIndex.count
                 && b * tq == queryIndex.count && tq <= t,
                 "attention shapes q \(q.shape) k \(k.shape) v \(v.shape), \(queryIndex.count) queries, \(keyIndex.count) keys")
    let scale = 1 / Float(dh).squareRoot()
    var pattern = Tensor(zeros: [b, h, tq, t])
    var z = Tensor(zeros: [b * tq, hd])
    // Offsets of example bi's query i / key j, head hi, and of its row of the pattern.
    func qo(_ bi: Int, _ i: Int, _ hi: Int) -> Int { queryIndex[bi * tq + i] * hd + hi * dh }
    func ko(_ bi: Int, _ j: Int, _ hi: Int) -> Int { keyIndex[bi * t + j] * hd + hi * dh }
    func zo(_ bi: Int, _ i: Int, _ hi: Int) -> Int { (bi * tq + i) * hd + hi * dh }
    func po(_ bi: Int, _ hi: Int, _ i: Int) -> Int { ((bi * h + hi) * tq + i) * t }

    q.value.scalars.withUnsafeBufferPointer { Q in
    k.value.scalars.withUnsafeBufferPointer { K in
    v.value.scalars.withUnsafeBufferPointer { V in
    pattern.scalars.withUnsafeMutableBufferPointer { P in
    z.scalars.withUnsafeMutableBufferPointer { Z in
        parallelChunks(b, minimumPerThread: 256) { batch in
            for bi in batch { for hi in 0..<h { for i in 0..<tq {
                let last = t - tq + i
                let p = po(bi, hi, i), qi = qo(bi, i, hi), zi = zo(bi, i, hi)
                var m = -Float.infinity
                for j in 0...last {
                    let kj = ko(bi, j, hi)
                    var s: Float = 0
                    for e in 0..<dh { s += Q[qi + e] * K[kj + e] }
                    P[p + j] = s * scale
                    m = max(m, P[p + j])
                }
                var sum: Float = 0
                for j in 0...last { P[p + j] = expf(P[p + j] - m); sum += P[p + j] }
                for j in 0...last {
                    P[p + j] /= sum
                    let vj = ko(bi, j, hi)
                    for e in 0..<dh { Z[zi + e] += P[p + j] * V[vj + e] }
                }
            } } }
        }
    } } } } }

    let qv = q.value, kv = k.value, vv = v.value, a = pattern
    let out = Variable(z, parents: [q, k, v]) { g in
        // z_i = Σ_j a_ij v_j;  da_ij = dz_i·v_j;  ds_ij = a_ij (da_ij − Σ_l a_il da_il);
        // dq_i = scale Σ_j ds_ij k_j;  dk_j = scale Σ_i ds_ij q_i;  dv_j = Σ_i a_ij dz_i.
        // Examples share table rows, so cores split the heads (disjoint columns), not the examples.
        var dq = Tensor(zeros: qv.shape), dk = Tensor(zeros: kv.shape), dv = Tensor(zeros: vv.shape)
        g.scalars.withUnsafeBufferPointer { G in
        qv.scalars.withUnsafeBufferPointer { Q in
        kv.scalars.withUnsafeBufferPointer { K in
        vv.scalars.withUnsafeBufferPointer { V in
        a.scalars.withUnsafeBufferPointer { A in
        dq.scalars.withUnsafeMutableBufferPointer { DQ in
        dk.scalars.withUnsafeMutableBufferPointer { DK in
        dv.scalars.withUnsafeMutableBufferPointer { DV in
            parallelChunks(h, minimumPerThread: b * t >= 4096 ? 1 : h + 1) { headRange in
                var da = [Float](repeating: 0, count: t)
                for hi in headRange { for bi in 0..<b { for i in 0..<tq {
                    let last = t - tq + i
                    let p = po(bi, hi, i), qi = qo(bi, i, hi), gi = zo(bi, i, hi)
                    var dot: Float = 0
                    for j in 0...last {
                        let vj = ko(bi, j, hi), aij = A[p + j]
                        var s: Float = 0
                        for e in 0..<dh {
                            s += G[gi + e] * V[vj + e]
                            DV[vj + e] += aij * G[gi + e]
                        }
                        da[j] = s
                        dot += aij * s
                    }
                    for j in 0...last {
                        let ds = A[p + j] * (da[j] - dot) * scale
                        let kj = ko(bi, j, hi)
                        for e in 0..<dh {
                            DQ[qi + e] += ds * K[kj + e]
                            DK[kj + e] += ds * Q[qi + e]
                        }
                    }
                } } }
            }
        } } } } } } } }
        return [dq, dk, dv]
    }
    return (out, pattern)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
