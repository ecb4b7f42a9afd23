import SciDLTensor

/// Causal multi-head attention on already-projected queries, keys and values.
///
/// Shapes: q [B, Tq, H, dh] holds the queries of the *last* Tq of the T positions (Tq = T for the whole
/// sequence, Tq = 1 when only the final position is read); k, v [B, T, H, dh]. Query i sits at position
/// T − Tq + i and sees keys 0...that position. Scores are scaled by 1/√dh. Returns z [B, Tq, H, dh] and
/// the attention pattern [B, H, Tq, T] (zeros where masked).
public func causalAttention(queries q: Variable, keys k: Variable, values v: Variable)
    -> (output: Variable, pattern: Tensor)
{
    let (b, tq, h, dh) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let t = k.shape[1]
    precondition(k.shape == [b, t, h, dh] && v.shape == k.shape && tq <= t,
                 "attention shapes q \(q.shape) k \(k.shape) v \(v.shape)")
    let scale = 1 / Float(dh).squareRoot()
    var pattern = Tensor(zeros: [b, h, tq, t])
    var z = Tensor(zeros: [b, tq, h, dh])
    // Offsets into the flat arrays.
    func qi(_ bi: Int, _ i: Int, _ hi: Int) -> Int { ((bi * tq + i) * h + hi) * dh }
    func kj(_ bi: Int, _ j: Int, _ hi: Int) -> Int { ((bi * t + j) * h + hi) * dh }
    func pi(_ bi: Int, _ hi: Int, _ i: Int) -> Int { ((bi * h + hi) * tq + i) * t }

    q.value.scalars.withUnsafeBufferPointer { Q in
    k.value.scalars.withUnsafeBufferPointer { K in
    v.value.scalars.withUnsafeBufferPointer { V in
    pattern.scalars.withUnsafeMutableBufferPointer { P in
    z.scalars.withUnsafeMutableBufferPointer { Z in
        parallelChunks(b, minimumPerThread: 256) { batch in
            for bi in batch { for hi in 0..<h { for i in 0..<tq {
                let last = t - tq + i  // causal: keys 0...last
                let p = pi(bi, hi, i), qo = qi(bi, i, hi)
                var m = -Float.infinity
                for j in 0...last {
                    var s: Float = 0
                    let ko = kj(bi, j, hi)
                    for e in 0..<dh { s += Q[qo + e] * K[ko + e] }
                    P[p + j] = s * scale
                    m = max(m, P[p + j])
                }
                var sum: Float = 0
                for j in 0...last { P[p + j] = expf(P[p + j] - m); sum += P[p + j] }
                for j in 0...last {
                    P[p + j] /= sum
                    let vo = kj(bi, j, hi)
                    for e in 0..<dh { Z[qo + e] += P[p + j] * V[vo + e] }
                }
            } } }
        }
    } } } } }

    let qv = q.value, kv = k.value, vv = v.value, a = pattern
    let out = Variable(z, parents: [q, k, v]) { g in
        // z_i = Σ_j a_ij v_j;  da_ij = dz_i·v_j;  ds_ij = a_ij (da_ij − Σ_l a_il da_il);
        // dq_i = scale Σ_j ds_ij k_j;  dk_j = scale Σ_i ds_ij q_i;  dv_j = Σ_i a_ij dz_i.
        var dq = Tensor(zeros: qv.shape), dk = Tensor(zeros: kv.shape), dv = Tensor(zeros: vv.shape)
        g.scalars.withUnsafeBufferPointer { G in
        qv.scalars.withUnsafeBufferPointer { Q in
        kv.scalars.withUnsafeBufferPointer { K in
        vv.scalars.withUnsafeBufferPointer { V in
        a.scalars.withUnsafeBufferPointer { A in
        dq.scalars.withUnsafeMutableBufferPointer { DQ in
        dk.scalars.withUnsafeMutableBufferPointer { DK in
        dv.scalars.withUnsafeMutableBufferPointer { DV in
            parallelChunks(b, minimumPerThread: 256) { batch in
                var da = [Float](repeating: 0, count: t)
                for bi in batch { for hi in 0..<h { for i in 0..<tq {
                    let last = t - tq + i
                    let p = pi(bi, hi, i), qo = qi(bi, i, hi)
                    var dot: Float = 0
                    for j in 0...last {
                        let vo = kj(bi, j, hi)
                        var s: Float = 0
                        for e in 0..<dh {
                            s += G[qo + e] * V[vo + e]
                            DV[vo + e] += A[p + j] * G[qo + e]
                        }
                        da[j] = s
                        dot += A[p + j] * s
                    }
                    for j in 0...last {
                        let ds = A[p + j] * (da[j] - dot) * scale
                        let ko = kj(bi, j, hi)
                        for e in 0..<dh {
                            DQ[qo + e] += ds * K[ko + e]
                            DK[ko + e] += ds * Q[qo + e]
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
