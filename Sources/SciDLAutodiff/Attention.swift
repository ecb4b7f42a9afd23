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
public func attentionPattern(
    queries q: Variable, keys k: Variable, heads h: Int,
    queryIndex: [Int], keyIndex: [Int], length t: Int
) -> Variable {
    let layout = AttentionLayout(
        heads: h, width: q.shape[1], length: t, queryIndex: queryIndex, keyIndex: keyIndex)
    precondition(
        layout.width % h == 0 && k.shape[1] == layout.width && layout.batch * t == keyIndex.count
            && layout.batch * layout.queries == queryIndex.count && layout.queries <= t,
        "attention shapes q \(q.shape) k \(k.shape), \(queryIndex.count) queries, \(keyIndex.count) keys")
    var pattern = Tensor(zeros: [layout.batch * layout.queries, h * t])
    q.value.scalars.withUnsafeBufferPointer { Q in
        k.value.scalars.withUnsafeBufferPointer { K in
            pattern.scalars.withUnsafeMutableBufferPointer { layout.forward(queries: Q, keys: K, pattern: $0) }
        }
    }
    let (qv, kv, a) = (q.value, k.value, pattern)
    return Variable(pattern, parents: [q, k]) { g in
        var (dq, dk) = (Tensor(zeros: qv.shape), Tensor(zeros: kv.shape))
        g.scalars.withUnsafeBufferPointer { G in
            a.scalars.withUnsafeBufferPointer { A in
                qv.scalars.withUnsafeBufferPointer { Q in
                    kv.scalars.withUnsafeBufferPointer { K in
                        dq.scalars.withUnsafeMutableBufferPointer { DQ in
                            dk.scalars.withUnsafeMutableBufferPointer { DK in
                                layout.backward(
                                    patternGradient: G, pattern: A, queries: Q, keys: K, queryGradient: DQ,
                                    keyGradient: DK)
                            }
                        }
                    }
                }
            }
        }
        return [dq, dk]
    }
}

/// Where `attentionPattern` reads and writes: B examples of T keys, Tq queries each, H heads of width dh
/// side by side in rows of width H·dh.
private struct AttentionLayout {
    let heads, width, headWidth, length, batch, queries: Int
    let queryIndex, keyIndex: [Int]
    let scale: Float

    init(heads h: Int, width: Int, length t: Int, queryIndex: [Int], keyIndex: [Int]) {
        (heads, self.width, headWidth, length) = (h, width, width / h, t)
        batch = keyIndex.count / t
        queries = queryIndex.count / max(batch, 1)
        (self.queryIndex, self.keyIndex) = (queryIndex, keyIndex)
        scale = 1 / Float(width / h).squareRoot()
    }

    /// Example b's query i in head hi: the last key it sees, and the offsets of its pattern row segment and of
    /// its query row.
    func query(_ b: Int, _ i: Int, _ hi: Int) -> (last: Int, pattern: Int, query: Int) {
        let row = b * queries + i
        return (length - queries + i, row * heads * length + hi * length, queryIndex[row] * width + hi * headWidth)
    }

    /// The offset of example b's key j in head hi.
    func key(_ b: Int, _ j: Int, _ hi: Int) -> Int { keyIndex[b * length + j] * width + hi * headWidth }

    /// pattern = softmax(q·kᵀ/√dh) over the keys each query sees.
    func forward(
        queries Q: UnsafeBufferPointer<Float>, keys K: UnsafeBufferPointer<Float>,
        pattern P: UnsafeMutableBufferPointer<Float>
    ) {
        parallelChunks(batch, minimumPerThread: 256) { examples in
            for b in examples {
                for i in 0..<queries {
                    for hi in 0..<heads {
                        let (last, p, q) = query(b, i, hi)
                        for j in 0...last {
                            P[p + j] = dot(Q.baseAddress! + q, K.baseAddress! + key(b, j, hi), count: headWidth) * scale
                        }
                        softmaxInPlace(P.baseAddress! + p, count: last + 1)
                    }
                }
            }
        }
    }

    /// a = softmax(s): ds_j = a_j (da_j − Σ_l a_l da_l);  dq = scale Σ_j ds_j k_j;  dk_j += scale ds_j q.
    /// Examples share table rows, so cores split the heads (disjoint columns), not the examples.
    func backward(
        patternGradient G: UnsafeBufferPointer<Float>, pattern A: UnsafeBufferPointer<Float>,
        queries Q: UnsafeBufferPointer<Float>, keys K: UnsafeBufferPointer<Float>,
        queryGradient DQ: UnsafeMutableBufferPointer<Float>, keyGradient DK: UnsafeMutableBufferPointer<Float>
    ) {
        parallelChunks(heads, minimumPerThread: batch * length >= 4096 ? 1 : heads + 1) { headRange in
            for hi in headRange {
                for b in 0..<batch {
                    for i in 0..<queries {
                        let (last, p, q) = query(b, i, hi)
                        var dot: Float = 0
                        for j in 0...last { dot += A[p + j] * G[p + j] }
                        for j in 0...last {
                            let ds = A[p + j] * (G[p + j] - dot) * scale
                            let kj = key(b, j, hi)
                            axpy(ds, K.baseAddress! + kj, DQ.baseAddress! + q, count: headWidth)
                            axpy(ds, Q.baseAddress! + q, DK.baseAddress! + kj, count: headWidth)
                        }
                    }
                }
            }
        }
    }
}

/// Causal multi-head self-attention with per-head weights W_Q, W_K, W_V [H, d, dh] and W_O [H, dh, d].
///
/// Takes the residual stream as *distinct rows* plus an index saying which row sits at each (example,
/// position). For an ordinary batch the rows are the residual stream itself and the index is 0, 1, 2, …;
/// when many examples share rows (in a one-layer model over a small vocabulary, the residual at a position
/// depends only on the token there) the projections are computed once per distinct row, which is exact
/// and far cheaper.
///
/// The output is written as what it is: for each query, a sum over heads h and keys j of the pattern
/// times row j pushed through head h's OV circuit W_V[h]·W_O[h]. So the heads' value-output rows form one
/// table and the output mixes its rows with the pattern as weights (`Variable.mixingRows`).
public struct CausalSelfAttention {
    public let queryWeight, keyWeight, valueWeight, outputWeight: Variable
    public let heads: Int, headWidth: Int

    public init(queryWeight: Tensor, keyWeight: Tensor, valueWeight: Tensor, outputWeight: Tensor) {
        precondition(
            queryWeight.rank == 3 && keyWeight.shape == queryWeight.shape
                && valueWeight.shape == queryWeight.shape, "attention weights must be [H, d, dh]")
        self.heads = queryWeight.shape[0]
        self.headWidth = queryWeight.shape[2]
        self.queryWeight = Variable(queryWeight, requiresGrad: true)
        self.keyWeight = Variable(keyWeight, requiresGrad: true)
        self.valueWeight = Variable(valueWeight, requiresGrad: true)
        self.outputWeight = Variable(outputWeight, requiresGrad: true)
    }

    /// - Parameters:
    ///   - rows: distinct residual rows [R, d].
    ///   - index: for example b and position i, `index[b * length + i]` is its row; B·T entries.
    ///   - length: positions per example (T).
    ///   - queryCount: how many final positions to compute outputs for (1 … T).
    /// - Returns: the attention output for those positions [B·Tq, d] and the pattern [B·Tq, H·T].
    public func callAsFunction(
        rows: Variable, index: [Int], length: Int, queryCount: Int
    )
        -> (output: Variable, pattern: Variable)
    {
        let a = pattern(rows: rows, index: index, length: length, queryCount: queryCount)
        let out = Variable.mixingRows(
            weights: a, table: valueOutputRows(rows),
            index: valueOutputIndex(index: index, length: length, queryCount: queryCount))
        return (out, a)
    }

    /// The attention pattern of the last `queryCount` positions: [B·Tq, H·T].
    public func pattern(rows: Variable, index: [Int], length: Int, queryCount: Int) -> Variable {
        let d = rows.shape[1]
        let hd = heads * headWidth
        // [H, d, dh] → [d, H, dh] → [d, H·dh]: one product serves all heads.
        func project(_ w: Variable) -> Variable {
            Variable.matmul(rows, w.swappingFirstTwoAxes().reshaped([d, hd]))
        }
        let batch = index.count / length
        let queryIndex = (0..<batch).flatMap { b in ((length - queryCount)..<length).map { index[b * length + $0] } }
        return attentionPattern(
            queries: project(queryWeight), keys: project(keyWeight), heads: heads,
            queryIndex: queryIndex, keyIndex: index, length: length)
    }

    /// Every row through every head's OV circuit: `rows · W_V[h] · W_O[h]`, as [R·H, d] with row r·H + h.
    public func valueOutputRows(_ rows: Variable) -> Variable {
        let d = rows.shape[1]
        let ov = Variable.batchedMatmul(valueWeight, outputWeight)  // [H, d, d]
        return Variable.matmul(rows, ov.swappingFirstTwoAxes().reshaped([d, heads * d])).reshaped([
            rows.shape[0] * heads, d,
        ])
    }

    /// For each query (b, i) and pattern column h·T + j, the row of `valueOutputRows` it weights, plus `offset`.
    public func valueOutputIndex(index: [Int], length t: Int, queryCount tq: Int, offset: Int = 0) -> [Int] {
        let batch = index.count / t
        var out: [Int] = []
        out.reserveCapacity(batch * tq * heads * t)
        for b in 0..<batch {
            for _ in 0..<tq {
                for h in 0..<heads {
                    for j in 0..<t {
                        out.append(offset + index[b * t + j] * heads + h)
                    }
                }
            }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
