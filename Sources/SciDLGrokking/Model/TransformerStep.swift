import SciDLAutodiff
import SciDLTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-layer transformer's logits, loss and gradients written out by hand, forward and backward side by
/// side, on buffers kept across steps — the training step and evaluation `scidl grok` runs.
///
/// It computes what `OneLayerTransformer.logits` computes (the linearity reformulation in that type's
/// documentation: everything read from the residual once per distinct (position, token) row, the residual
/// after attention as weighted sums of table rows, W_out·U folded into one matrix), and what autodiff would
/// give for its gradients, without building a graph. Two more exact rewrites:
/// - each head's OV circuit is applied to W_in and U at the head's width, (r·W_V[h])·(W_O[h]·W_in), not
///   through the model width: four times less work for the table products;
/// - each head's pattern sums to one, so its term for the query's own key (the last position) is folded into
///   the others: Σ_j a_j·v_j = v_last + Σ_{j<last} a_j·(v_j − v_last). An example then mixes 1 + H·(T − 1)
///   rows, not 1 + H·T (9, not 13, in the grokking tasks: the mixings and their gradients are most of the
///   step's work outside the three large products). The query's row carries Σ_h v_last through head h, and
///   the gradients of the weights come out shifted by the last key's, which softmax's backward ignores
///   (ds_j = a_j·(da_j − Σ_k a_k·da_k) is unchanged when a constant is added to every da_k).
/// `OneLayerTransformer.forward` stays the readable definition; the tests hold this against PyTorch and
/// against autodiff.
///
/// Shapes: B examples of T tokens, vocabulary V, width d, H heads of width dh (hd = H·dh), MLP width M,
/// C outputs; R distinct (position, token) rows, Rq of them at the last position (the queries); P distinct
/// (query, key row) pairs at the positions before the last. A table has Rq query rows, then row Rq + p·H + h
/// for pair p through head h (its key's value minus its query's own); each example mixes 1 + H·(T − 1) rows.
public final class TransformerStep {
    let model: OneLayerTransformer
    let batch, length, vocabulary, positions, width, heads, headWidth, hidden, outputs: Int
    let rows, queries, pairs, terms: Int
    var headsWidth: Int { heads * headWidth }
    var tableRows: Int { queries + pairs * heads }

    // The batch, as indices (fixed for the object's life).
    let targets: [Int]
    let order: [Int]  // [B]: the caller's example at each position of the batch
    let tokenOfRow: [Int]  // [R]
    let positionOfRow: [Int]  // [R]
    let rowOf: [Int]  // [B·T]: the row at each (example, position)
    let queryRow: [Int]  // [Rq]: the row of each query
    let queryOf: [Int]  // [B]: each example's query, 0..<Rq
    let pairRow: [Int]  // [P]: each pair's key row
    let pairQuery: [Int]  // [P]: each pair's query, 0..<Rq
    let mixIndex: [Int]  // [B·terms]: the table rows each example mixes (its query row, then h-major, key-minor)

    // Parameters, copied in each step; attention weights with their heads side by side.
    let E, P, Wq, Wk, Wv, Wo, Win, bin, Wout, bout, U: UnsafeMutablePointer<Float>
    // Forward activations.
    let X, Xq, Q, K, V, Vq, Vd, scores, pattern, weights, WoIn, WoU, WoutU, boutU, inTable, uTable, neurons,
        logits: UnsafeMutablePointer<Float>
    /// (W_out·U)ᵀ [C, M] packed for `PanelProduct`: the neurons' gradient reads it a tile at a time.
    let transposedWoutUPanels: UnsafeMutablePointer<Float>
    // Gradients: of the parameters (same layouts), then of the activations.
    let dE, dP, dWq, dWk, dWv, dWo, dWin, dbin, dWout, dbout, dU: UnsafeMutablePointer<Float>
    let dWoutU, dWeightsIn, dWeightsU, partials, dInTable, dUTable, dScores, dQ, dK, dV, dVq, dVd, dWoIn,
        dWoU, dX, dXq, dBoutU: UnsafeMutablePointer<Float>
    let rowLoss: UnsafeMutablePointer<Double>
    private var owned: [UnsafeMutablePointer<Float>] = []
    /// The gradients as the parameters' tensors, reused each step.
    private var gradientTensors: [Tensor]
    /// Where each stretch of a parameter's storage lies in the step's copy, by parameter: W_Q, W_K, W_V
    /// [H, d, dh] are kept as [d, H·dh] (one product serves all heads), everything else as stored.
    private let stretches: [[(stored: Int, copied: Int, count: Int)]]

    /// Prepares a step over these examples (`targets` nil: logits only, no training buffers).
    public init(model: OneLayerTransformer, tokens unsorted: [Int], targets: [Int]?, length t: Int) {
        self.model = model
        // Examples in the order of their tokens: consecutive examples then share their first rows, which
        // stay in the cache through the mixings (the sums are the same up to their order).
        let examples = unsorted.count / t
        let order = (0..<examples).sorted { a, b in
            unsorted[(a * t)..<(a * t + t)].lexicographicallyPrecedes(unsorted[(b * t)..<(b * t + t)])
        }
        self.order = order
        let tokens = order.flatMap { unsorted[($0 * t)..<($0 * t + t)] }
        let (attention, v, h) = (model.attention, model.embed.weight.shape[0], model.attention.heads)
        (batch, length) = (examples, t)
        (vocabulary, width) = (v, model.embed.weight.shape[1])
        positions = model.positionEmbed.shape[0]
        (heads, headWidth) = (h, attention.headWidth)
        (hidden, outputs) = (model.mlp.input.weight.shape[1], model.unembed.shape[1])
        precondition(unsorted.count % t == 0 && t <= positions, "token batch does not match the context")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < v }, "token id outside the vocabulary")
        self.targets = targets.map { targets in order.map { targets[$0] } } ?? []

        let distinct = ResidualRows.distinctRows(tokens: tokens, length: t, vocabulary: v)
        (rowOf, tokenOfRow, positionOfRow) = distinct
        rows = tokenOfRow.count
        var queryNumber = [Int](repeating: -1, count: distinct.tokenOfRow.count)
        var queryRow: [Int] = []
        let queryOf = (0..<examples).map { b in
            let r = distinct.rowOf[b * t + t - 1]
            if queryNumber[r] < 0 {
                queryNumber[r] = queryRow.count
                queryRow.append(r)
            }
            return queryNumber[r]
        }
        (self.queryRow, self.queryOf) = (queryRow, queryOf)
        queries = queryRow.count
        // Pairs numbered as first met: in the grokking tasks (one query) the key rows in order.
        var pairNumber: [Int: Int] = [:]
        var (pairRow, pairQuery) = ([Int](), [Int]())
        let pairOf = (0..<examples).flatMap { b in
            (0..<(t - 1)).map { j in
                let key = distinct.rowOf[b * t + j] * queryRow.count + queryOf[b]
                if let p = pairNumber[key] { return p }
                pairNumber[key] = pairRow.count
                pairRow.append(distinct.rowOf[b * t + j])
                pairQuery.append(queryOf[b])
                return pairRow.count - 1
            }
        }
        (self.pairRow, self.pairQuery) = (pairRow, pairQuery)
        pairs = pairRow.count
        terms = 1 + h * (t - 1)
        var mix: [Int] = []
        mix.reserveCapacity(examples * terms)
        for b in 0..<examples {
            mix.append(queryOf[b])
            for head in 0..<h {
                for j in 0..<(t - 1) { mix.append(queryRow.count + pairOf[b * (t - 1) + j] * h + head) }
            }
        }
        mixIndex = mix

        var owned: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            // Cache-line aligned: cores that write their own columns of one row never share a line.
            // Not cleared: every buffer is written before it is read (products with beta 0, mixings that
            // fill their rows, and explicit zeroing where gradients accumulate).
            let p = UnsafeMutableRawPointer.allocate(byteCount: 4 * max(count, 1), alignment: 64)
                .bindMemory(to: Float.self, capacity: max(count, 1))
            owned.append(p)
            return p
        }
        let (d, hd, m, c, r, rq, n) = (width, heads * headWidth, hidden, outputs, rows, queries, batch)
        let tr = rq + pairs * heads
        let parameterSizes = [vocabulary * d, positions * d, d * hd, d * hd, d * hd, hd * d, d * m, m, m * d, d, d * c]
        let p = parameterSizes.map(buffer)
        (E, P, Wq, Wk, Wv, Wo, Win, bin, Wout, bout, U) = (
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]
        )
        (X, Xq, Q, K, V) = (buffer(r * d), buffer(rq * d), buffer(rq * hd), buffer(r * hd), buffer(r * hd))
        (Vq, Vd) = (buffer(rq * hd), buffer(pairs * hd))
        (scores, pattern, weights) = (buffer(heads * rq * r), buffer(n * heads * t), buffer(n * terms))
        (WoIn, WoU, WoutU, boutU) = (buffer(hd * m), buffer(hd * c), buffer(m * c), buffer(c))
        (inTable, uTable, neurons, logits) = (buffer(tr * m), buffer(tr * c), buffer(n * m), buffer(n * c))
        // Training buffers only when there is something to train toward.
        let training = targets != nil
        let g = parameterSizes.map { buffer(training ? $0 : 0) }
        (dE, dP, dWq, dWk, dWv, dWo, dWin, dbin, dWout, dbout, dU) =
            (g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10])
        func trainingBuffer(_ count: Int) -> UnsafeMutablePointer<Float> { buffer(training ? count : 0) }
        dWoutU = trainingBuffer(m * c)
        transposedWoutUPanels = trainingBuffer(PanelProduct.packedCount(k: c, n: m))
        (dWeightsIn, dWeightsU) = (trainingBuffer(n * terms), trainingBuffer(n * terms))
        partials = trainingBuffer(
            max(
                RowMixing.partialCount(rows: n, terms: terms, width: m),
                RowMixing.partialCount(rows: n, terms: terms, width: c)))
        (dInTable, dUTable, dScores) = (trainingBuffer(tr * m), trainingBuffer(tr * c), trainingBuffer(heads * rq * r))
        (dQ, dK, dV) = (trainingBuffer(rq * hd), trainingBuffer(r * hd), trainingBuffer(r * hd))
        (dVq, dVd) = (trainingBuffer(rq * hd), trainingBuffer(pairs * hd))
        (dWoIn, dWoU, dX, dXq, dBoutU) =
            (
                trainingBuffer(hd * m), trainingBuffer(hd * c), trainingBuffer(r * d), trainingBuffer(rq * d),
                trainingBuffer(c)
            )
        rowLoss = .allocate(capacity: max(n, 1))
        self.owned = owned
        gradientTensors = model.parameters.map { Tensor(zeros: training ? $0.shape : [0]) }
        let headsSideBySide = [attention.queryWeight, attention.keyWeight, attention.valueWeight]
        stretches = model.parameters.map { p in
            guard headsSideBySide.contains(where: { $0 === p }) else { return [(0, 0, p.value.count)] }
            let dh = attention.headWidth
            return (0..<h).flatMap { head in (0..<d).map { j in ((head * d + j) * dh, j * hd + head * dh, dh) } }
        }
    }

    deinit {
        for p in owned { p.deallocate() }
        rowLoss.deallocate()
    }

    // MARK: - Forward

    /// Logits [B, C] at the model's current weights.
    public func computeLogits() -> Tensor {
        var values = [Float](repeating: 0, count: batch * outputs)
        values.withUnsafeMutableBufferPointer { writeLogits(into: $0.baseAddress!, rows: Array(0..<batch)) }
        return Tensor(shape: [batch, outputs], scalars: values)
    }

    /// Writes the logits of example i (in the order the examples were given) to row `rows[i]` of `out`
    /// (rows of C floats), at the model's current weights: an evaluation assembles the whole table's logits
    /// from two steps without a copy in between.
    public func writeLogits(into out: UnsafeMutablePointer<Float>, rows: [Int]) {
        precondition(rows.count == batch, "one destination row per example")
        if !forwardIsCurrent { forward() }
        for (b, example) in order.enumerated() {
            (out + rows[example] * outputs).update(from: logits + b * outputs, count: outputs)
        }
    }

    /// Whether the buffers hold the forward pass at the model's current weights: after `computeLogits`, until
    /// the weights change, so the training step that follows an evaluation does not repeat its forward pass.
    private var forwardIsCurrent: Bool { forwardDone && parametersEqualLoadedCopies() }
    private var forwardDone = false

    private func forward() {
        loadParameters()
        defer { forwardDone = true }
        let (d, hd, dh, m, c, r, rq, t) = (width, headsWidth, headWidth, hidden, outputs, rows, queries, length)

        // X [R, d] = E[token] + P[position]; Xq [Rq, d] the query rows.
        for row in 0..<r {
            let (e, p, x) = (E + tokenOfRow[row] * d, P + positionOfRow[row] * d, X + row * d)
            for i in 0..<d { x[i] = e[i] + p[i] }
        }
        for q in 0..<rq { (Xq + q * d).update(from: X + queryRow[q] * d, count: d) }

        // Q [Rq, hd] = Xq·Wq;  K, V [R, hd] = X·Wk, X·Wv.
        product(Xq, Wq, into: Q, m: rq, n: hd, k: d)
        forEachProduct(2) { i, splitting in
            product(X, i == 0 ? Wk : Wv, into: i == 0 ? K : V, m: r, n: hd, k: d, splitting: splitting)
        }
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
        // Vq [Rq, hd]: each query's own value rows; Vd [P, hd]: each pair's key value minus its query's.
        for q in 0..<rq { (Vq + q * hd).update(from: V + queryRow[q] * hd, count: hd) }
        for p in 0..<pairs {
            let (key, own, out) = (V + pairRow[p] * hd, Vq + pairQuery[p] * hd, Vd + p * hd)
            for i in 0..<hd { out[i] = key[i] - own[i] }
        }

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

    // MARK: - Loss and backward

    /// Mean cross-entropy at the model's current weights; sets every parameter's `grad`.
    public func lossAndGradients() -> Float {
        precondition(targets.count == batch, "a logits-only step cannot train")
        if !forwardIsCurrent { forward() }
        forwardDone = false  // the logits become their gradient
        let loss = crossEntropyGradient()
        backward()
        storeGradients()
        return loss
    }

    /// The mean cross-entropy; leaves its gradient (softmax − onehot)/B in `logits`. Fused into the step (no
    /// copy of the logits), but each row is the tensor module's `softmaxCrossEntropy`, as `Variable.crossEntropy`.
    private func crossEntropyGradient() -> Float {
        let (n, c) = (batch, outputs)
        let weight = 1 / Float(n)
        parallelChunks(n, minimumPerThread: max(1, 4096 / max(c, 1))) { examples in
            for i in examples {
                let x = logits + i * c
                rowLoss[i] = softmaxCrossEntropy(x, count: c, target: targets[i])
                x[targets[i]] -= 1
                for j in 0..<c { x[j] *= weight }
            }
        }
        var loss = 0.0
        for i in 0..<n { loss += rowLoss[i] * Double(weight) }
        return Float(loss)
    }

    private func backward() {
        let (d, hd, dh, m, c, r, rq, t) = (width, headsWidth, headWidth, hidden, outputs, rows, queries, length)
        let dLogits = UnsafePointer(logits)

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

        // dV from the pairs' differences and the queries' own rows.
        dV.initialize(repeating: 0, count: r * hd)
        for q in 0..<rq { axpy(1, dVq + q * hd, dV + queryRow[q] * hd, count: hd) }
        for p in 0..<pairs {
            axpy(1, dVd + p * hd, dV + pairRow[p] * hd, count: hd)
            axpy(-1, dVd + p * hd, dV + queryRow[pairQuery[p]] * hd, count: hd)
        }

        // Q, K, V projections: dW = Xᵀ·d(projection), dX = d(projection)·Wᵀ.
        product(X, transposeA: true, dV, into: dWv, m: d, n: hd, k: r)
        product(X, transposeA: true, dK, into: dWk, m: d, n: hd, k: r)
        product(Xq, transposeA: true, dQ, into: dWq, m: d, n: hd, k: rq)
        product(dV, Wv, transposeB: true, into: dX, m: r, n: d, k: hd)
        product(dK, Wk, transposeB: true, into: dX, m: r, n: d, k: hd, beta: 1)
        product(dQ, Wq, transposeB: true, into: dXq, m: rq, n: d, k: hd, beta: 1)
        for q in 0..<rq { axpy(1, dXq + q * d, dX + queryRow[q] * d, count: d) }

        // X = E[token] + P[position].
        dE.initialize(repeating: 0, count: vocabulary * d)
        dP.initialize(repeating: 0, count: positions * d)
        for row in 0..<r {
            axpy(1, dX + row * d, dE + tokenOfRow[row] * d, count: d)
            axpy(1, dX + row * d, dP + positionOfRow[row] * d, count: d)
        }
    }

    // MARK: - Moving parameters and gradients

    /// The step's copies of the weights and its gradient buffers, in `namedParameters` order.
    private var weightCopies: [UnsafeMutablePointer<Float>] { [E, P, Wq, Wk, Wv, Wo, Win, bin, Wout, bout, U] }
    private var gradientBuffers: [UnsafeMutablePointer<Float>] {
        [dE, dP, dWq, dWk, dWv, dWo, dWin, dbin, dWout, dbout, dU]
    }

    /// Copies the weights in, in the step's layout (`stretches`).
    private func loadParameters() {
        for ((p, copy), layout) in zip(zip(model.parameters, weightCopies), stretches) {
            p.value.scalars.withUnsafeBufferPointer { s in
                for st in layout { (copy + st.copied).update(from: s.baseAddress! + st.stored, count: st.count) }
            }
        }
    }

    /// Whether every weight equals the copy the last forward pass used.
    private func parametersEqualLoadedCopies() -> Bool {
        zip(zip(model.parameters, weightCopies), stretches).allSatisfy { pair, layout in
            pair.0.value.scalars.withUnsafeBufferPointer { s in
                layout.allSatisfy { memcmp(s.baseAddress! + $0.stored, pair.1 + $0.copied, 4 * $0.count) == 0 }
            }
        }
    }

    /// Sets each parameter's `grad`, reusing the tensors of the last step when nothing else holds them.
    private func storeGradients() {
        for (i, (p, source)) in zip(model.parameters, gradientBuffers).enumerated() {
            p.grad = nil
            gradientTensors[i].scalars.withUnsafeMutableBufferPointer { g in
                for st in stretches[i] {
                    (g.baseAddress! + st.stored).update(from: source + st.copied, count: st.count)
                }
            }
            p.grad = gradientTensors[i]
        }
    }

    private func sumRows(_ x: UnsafePointer<Float>, rows: Int, width n: Int, into out: UnsafeMutablePointer<Float>) {
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
