import SciDLTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The step's stages, each forward beside its backward (llm.c's layout). Forward runs them top to bottom,
// backward bottom to top; shapes as in `TransformerStep`'s documentation.
extension TransformerStep {
    // MARK: Embedding

    /// X [R, d]: each distinct row's token and position embeddings; Xq [Rq, d] the query rows.
    func embed() {
        let (d, r, rq) = (width, rows, queries)
        for row in 0..<r {
            let (e, p, x) = (E + tokenOfRow[row] * d, P + positionOfRow[row] * d, X + row * d)
            for i in 0..<d { x[i] = e[i] + p[i] }
        }
        for q in 0..<rq { (Xq + q * d).update(from: X + queryRow[q] * d, count: d) }
    }

    /// dE, dP from dX.
    func embedBackward() {
        let (d, r) = (width, rows)
        // X = E[token] + P[position].
        dE.initialize(repeating: 0, count: vocabulary * d)
        dP.initialize(repeating: 0, count: positions * d)
        for row in 0..<r {
            axpy(1, dX + row * d, dE + tokenOfRow[row] * d, count: d)
            axpy(1, dX + row * d, dP + positionOfRow[row] * d, count: d)
        }
    }

    // MARK: Query, key and value projections

    /// Q [Rq, hd] from the query rows, K and V [R, hd] from every row.
    func project() {
        let (d, hd, r, rq) = (width, headsWidth, rows, queries)
        // Q [Rq, hd] = Xq·Wq;  K, V [R, hd] = X·Wk, X·Wv.
        product(Xq, Wq, into: Q, m: rq, n: hd, k: d)
        forEachProduct(2) { i, splitting in
            product(X, i == 0 ? Wk : Wv, into: i == 0 ? K : V, m: r, n: hd, k: d, splitting: splitting)
        }
    }

    /// dW_Q, dW_K, dW_V and dX (the query rows' share through dXq) from dQ, dK, dV.
    func projectBackward() {
        let (d, hd, r, rq) = (width, headsWidth, rows, queries)
        // Q, K, V projections: dW = Xᵀ·d(projection), dX = d(projection)·Wᵀ.
        product(X, transposeA: true, dV, into: dWv, m: d, n: hd, k: r)
        product(X, transposeA: true, dK, into: dWk, m: d, n: hd, k: r)
        product(Xq, transposeA: true, dQ, into: dWq, m: d, n: hd, k: rq)
        product(dV, Wv, transposeB: true, into: dX, m: r, n: d, k: hd)
        product(dK, Wk, transposeB: true, into: dX, m: r, n: d, k: hd, beta: 1)
        product(dQ, Wq, transposeB: true, into: dXq, m: rq, n: d, k: hd, beta: 1)
        for q in 0..<rq { axpy(1, dXq + q * d, dX + queryRow[q] * d, count: d) }
    }

    // MARK: Attention pattern

    /// Each head's pattern over the keys, and the mixing weights it gives each example's rows.
    func attend() {
        let (hd, dh, r, rq, t) = (headsWidth, headWidth, rows, queries, length)
        // scores [H, Rq, R]: head h's score of every query against every row, Q_h·K_hᵀ/√dh.
        let scale = 1 / Float(dh).squareRoot()
        for h in 0..<heads {
            product(
                Q + h * dh, lda: hd, K + h * dh, ldb: hd, transposeB: true, into: scores + h * rq * r, ldc: r,
                m: rq, n: r, k: dh, alpha: scale)
        }
        // pattern [B, H, T]: each head's softmax over the T keys; weights [B, 1 + H·(T − 1)]: 1 for the query's
        // row, then each head's pattern over the keys before the last.
        parallelChunks(batch, minimumPerThread: 1024) { examples in
            for b in examples {
                let w = weights + b * terms
                w[0] = 1
                for h in 0..<heads {
                    let s = scores + (h * rq + queryOf[b]) * r
                    let a = pattern + (b * heads + h) * t
                    for j in 0..<t { a[j] = s[rowOf[b * t + j]] }
                    softmaxInPlace(a, count: t)
                    (w + 1 + h * (t - 1)).update(from: a, count: t - 1)
                }
            }
        }
    }

    /// dQ, dK through the softmax, from the mixing weights' gradients.
    func attendBackward() {
        let (hd, dh, r, rq, t) = (headsWidth, headWidth, rows, queries, length)
        // Attention: softmax backward per example and head, ds = a·(da − Σ a·da)/√dh with the last key's da
        // taken as 0 (the others' are shifted by it), gathered per (head, query, row) into dscores; then
        // dQ_h = dscores_h·K_h, dK_h = dscores_hᵀ·Q_h.
        let scale = 1 / Float(dh).squareRoot()
        dScores.initialize(repeating: 0, count: heads * rq * r)
        for b in 0..<batch {
            for h in 0..<heads {
                let (o, a) = (b * terms + 1 + h * (t - 1), pattern + (b * heads + h) * t)
                var s: Float = 0
                for j in 0..<(t - 1) { s += a[j] * (dWeightsU[o + j] + dWeightsIn[o + j]) }
                let ds = dScores + (h * rq + queryOf[b]) * r
                for j in 0..<t {
                    let da = j < t - 1 ? dWeightsU[o + j] + dWeightsIn[o + j] : 0
                    ds[rowOf[b * t + j]] += a[j] * (da - s) * scale
                }
            }
        }
        for h in 0..<heads {
            product(dScores + h * rq * r, lda: r, K + h * dh, ldb: hd, into: dQ + h * dh, ldc: hd, m: rq, n: dh, k: r)
            product(
                dScores + h * rq * r, lda: r, transposeA: true, Q + h * dh, ldb: hd, into: dK + h * dh, ldc: hd,
                m: r, n: dh, k: rq)
        }
    }

    // MARK: Value rows

    /// Vq [Rq, hd]: each query's own value row; Vd [P, hd]: each pair's key value minus its query's.
    func valueRows() {
        let (hd, rq) = (headsWidth, queries)
        for q in 0..<rq { (Vq + q * hd).update(from: V + queryRow[q] * hd, count: hd) }
        for p in 0..<pairs {
            let (key, own, out) = (V + pairRow[p] * hd, Vq + pairQuery[p] * hd, Vd + p * hd)
            for i in 0..<hd { out[i] = key[i] - own[i] }
        }
    }

    /// dV from dVq and dVd.
    func valueRowsBackward() {
        let (hd, r, rq) = (headsWidth, rows, queries)
        // dV from the pairs' differences and the queries' own rows.
        dV.initialize(repeating: 0, count: r * hd)
        for q in 0..<rq { axpy(1, dVq + q * hd, dV + queryRow[q] * hd, count: hd) }
        for p in 0..<pairs {
            axpy(1, dVd + p * hd, dV + pairRow[p] * hd, count: hd)
            axpy(-1, dVd + p * hd, dV + queryRow[pairQuery[p]] * hd, count: hd)
        }
    }

    // MARK: Tables (the OV circuit into the MLP and the unembedding)

    /// The rows every example mixes, at the MLP's input and at the logits: the query rows, and each pair through
    /// each head.
    func tables() {
        let (d, hd, dh, m, c, rq) = (width, headsWidth, headWidth, hidden, outputs, queries)
        // Each head's OV circuit into the MLP and the unembedding at its own width:
        // WoIn [hd, M] = Wo·W_in, WoU [hd, C] = Wo·U (Wo [hd, d] is W_O [H, dh, d]).
        product(Wo, Win, into: WoIn, m: hd, n: m, k: d)
        product(Wo, U, into: WoU, m: hd, n: c, k: d)
        // Tables: query rows Xq·W_in + b_in + Vq·WoIn and Xq·U + b_out·U + Vq·WoU (the query's own key through
        // every head); pair p through head h: Vd_h[p]·WoIn_h, Vd_h[p]·WoU_h.
        product(bout, U, into: boutU, m: 1, n: c, k: d)
        for (table, w, wo, bias, n) in [(inTable, Win, WoIn, bin, m), (uTable, U, WoU, boutU, c)] {
            for q in 0..<rq { (table + q * n).update(from: bias, count: n) }
            product(Xq, w, into: table, m: rq, n: n, k: d, beta: 1)
            product(Vq, wo, into: table, m: rq, n: n, k: hd, beta: 1)
            forEachProduct(heads) { h, splitting in
                product(
                    Vd + h * dh, lda: hd, wo + h * dh * n, ldb: n, into: table + (rq + h) * n, ldc: heads * n,
                    m: pairs, n: n, k: dh, splitting: splitting)
            }
        }
    }

    /// The tables' gradients into W_in, b_in, U, b_out, W_O, dXq, dVq and dVd.
    func tablesBackward() {
        let (d, hd, dh, m, c, rq) = (width, headsWidth, headWidth, hidden, outputs, queries)
        // Tables. Query rows: dbias = Σ_q dtable[q], dW += Xqᵀ·dtable[q], dXq = dtable[q]·Wᵀ, dWo·W += Vqᵀ·dtable[q],
        // dVq = dtable[q]·(Wo·W)ᵀ. Pair rows: dWo_h·W = Vd_hᵀ·dtable_h, dVd_h = dtable_h·(Wo_h·W)ᵀ; then through
        // Wo·W: dWo = dWoW·Wᵀ, dW += Woᵀ·dWoW.
        sumRows(dInTable, rows: rq, width: m, into: dbin)
        sumRows(dUTable, rows: rq, width: c, into: dBoutU)
        product(Xq, transposeA: true, dInTable, into: dWin, m: d, n: m, k: rq)
        product(Xq, transposeA: true, dUTable, into: dU, m: d, n: c, k: rq, beta: 1)
        product(dInTable, Win, transposeB: true, into: dXq, m: rq, n: d, k: m)
        product(dUTable, U, transposeB: true, into: dXq, m: rq, n: d, k: c, beta: 1)
        // b_out·U: db_out = U·dBoutU, dU += b_out ⊗ dBoutU.
        product(U, dBoutU, into: dbout, m: d, n: 1, k: c)
        product(bout, dBoutU, into: dU, m: d, n: c, k: 1, beta: 1)
        for (dTable, wo, w, dWoW, n, first) in [
            (dInTable, WoIn, Win, dWoIn, m, true), (dUTable, WoU, U, dWoU, c, false),
        ] {
            forEachProduct(heads) { h, splitting in
                let dth = dTable + (rq + h) * n
                product(
                    Vd + h * dh, lda: hd, transposeA: true, dth, ldb: heads * n, into: dWoW + h * dh * n, ldc: n,
                    m: dh, n: n, k: pairs, splitting: splitting)
                product(
                    dth, lda: heads * n, wo + h * dh * n, ldb: n, transposeB: true, into: dVd + h * dh, ldc: hd,
                    m: pairs, n: dh, k: n, beta: first ? 0 : 1, splitting: splitting)
            }
            product(Vq, transposeA: true, dTable, into: dWoW, m: hd, n: n, k: rq, beta: 1)
            product(dTable, wo, transposeB: true, into: dVq, m: rq, n: hd, k: n, beta: first ? 0 : 1)
            product(dWoW, w, transposeB: true, into: dWo, m: hd, n: d, k: n, beta: first ? 0 : 1)
            product(Wo, transposeA: true, dWoW, into: first ? dWin : dU, m: d, n: n, k: hd, beta: 1)
        }
    }

    // MARK: Mixing, MLP and unembedding

    /// neurons and logits: each example's mixture of table rows, the MLP's ReLU, its output through U.
    func mixAndUnembed() {
        let (d, m, c) = (width, hidden, outputs)
        // neurons [B, M] = relu(Σ weights · inTable rows); logits [B, C] = Σ weights · uTable rows + neurons·WoutU.
        RowMixing.mix(
            weights: weights, index: mixIndex, rows: batch, terms: terms, table: inTable, width: m, rectified: true,
            into: neurons)
        RowMixing.mix(
            weights: weights, index: mixIndex, rows: batch, terms: terms, table: uTable, width: c, rectified: false,
            into: logits)
        product(Wout, U, into: WoutU, m: m, n: c, k: d)
        product(neurons, WoutU, into: logits, m: batch, n: c, k: m, beta: 1)
    }

    /// From dlogits: dW_out, dU, the tables' and the mixing weights' gradients.
    func mixAndUnembedBackward() {
        let (d, m, c) = (width, hidden, outputs)
        let dLogits = UnsafePointer(logits)  // the loss left its gradient there
        // logits = neurons·WoutU + mix(uTable):  dWoutU [M, C] = neuronsᵀ·dlogits; dneurons = dlogits·WoutUᵀ
        // below, a tile at a time.
        product(neurons, transposeA: true, dLogits, into: dWoutU, m: m, n: c, k: batch)
        // WoutU = W_out·U:  dW_out [M, d] = dWoutU·Uᵀ, dU [d, C] = W_outᵀ·dWoutU.
        product(dWoutU, U, transposeB: true, into: dWout, m: m, n: d, k: c)
        product(Wout, transposeA: true, dWoutU, into: dU, m: d, n: c, k: m)

        // The two mixings: gradients of the weights and the tables. The neurons' gradient, dlogits·WoutUᵀ where
        // the neuron is positive, is made as the mixing gradient reads it, 240 examples by one core's columns
        // at a time (240 KB, kept in the core's cache), never written out whole (7.8 MB in the grokking task)
        // to be read back; WoutUᵀ is packed once for all the tiles.
        dUTable.initialize(repeating: 0, count: tableRows * c)
        RowMixing.gradient(
            outputGradient: dLogits, weights: weights, index: mixIndex, rows: batch, terms: terms, table: uTable,
            width: c, rectifiedOutput: nil, weightGradient: dWeightsU, tableGradient: dUTable, partials: partials)
        dInTable.initialize(repeating: 0, count: tableRows * m)
        PanelProduct.pack(WoutU, k: c, n: m, transposed: true, into: transposedWoutUPanels)
        RowMixing.gradient(
            outputGradientTiles: { [neurons, transposedWoutUPanels] examples, columns, tile in
                PanelProduct.multiply(
                    dLogits + examples.lowerBound * c, lda: c, rows: examples.count, k: c,
                    packed: transposedWoutUPanels,
                    columns: columns, into: tile, ldc: columns.count,
                    zeroWhereNotPositive: neurons + examples.lowerBound * m, ldm: m)
            }, rowsPerTile: 240, weights: weights, index: mixIndex, rows: batch, terms: terms, table: inTable,
            width: m, weightGradient: dWeightsIn, tableGradient: dInTable, partials: partials)
    }

    // MARK: Loss

    /// The mean cross-entropy; leaves its gradient (softmax − onehot)/B, or StableMax's, in `logits`. Fused
    /// into the step (no copy of the logits), but each row is the tensor module's, as `Variable.crossEntropy`.
    func crossEntropyGradient() -> Float {
        let (n, c) = (batch, outputs)
        let weight = 1 / Float(n)
        let kind = loss
        parallelChunks(n, minimumPerThread: max(1, 4096 / max(c, 1))) { examples in
            for i in examples {
                let x = logits + i * c
                rowLoss[i] = kind.lossAndGradient(x, count: c, target: targets[i])
                for j in 0..<c { x[j] *= weight }
            }
        }
        var loss = 0.0
        for i in 0..<n { loss += rowLoss[i] * Double(weight) }
        return Float(loss)
    }

    func sumRows(_ x: UnsafePointer<Float>, rows: Int, width n: Int, into out: UnsafeMutablePointer<Float>) {
        out.initialize(repeating: 0, count: n)
        for q in 0..<rows { axpy(1, x + q * n, out, count: n) }
    }
}

/// C [m, n] ← alpha·op(A)·op(B) + beta·C for row-major buffers, split across cores when large (unless
/// `splitting` is false: products already spread over cores); leading dimensions default to the packed ones.
private func product(
    _ a: UnsafePointer<Float>, lda: Int? = nil, transposeA: Bool = false,
    _ b: UnsafePointer<Float>, ldb: Int? = nil, transposeB: Bool = false,
    into c: UnsafeMutablePointer<Float>, ldc: Int? = nil, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
    splitting: Bool = true
) {
    BLAS.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
        a: a, lda: lda ?? (transposeA ? m : k), b: b, ldb: ldb ?? (transposeB ? k : n), beta: beta,
        c: c, ldc: ldc ?? n, splitting: splitting)
}
