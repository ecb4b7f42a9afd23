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
    /// The cross-entropy the step trains on: through softmax (the default) or StableMax.
    public var loss = ClassificationLoss.softmax

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
    private let arena: BufferArena
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
        let tokens = order.flatMap { unsorted[($0 * t)..<($0 * t + t)] }
        (self.order, self.targets) = (order, targets.map { targets in order.map { targets[$0] } } ?? [])
        let (attention, v, h) = (model.attention, model.embed.weight.shape[0], model.attention.heads)
        (batch, length) = (examples, t)
        (vocabulary, width) = (v, model.embed.weight.shape[1])
        positions = model.positionEmbed.shape[0]
        (heads, headWidth) = (h, attention.headWidth)
        (hidden, outputs) = (model.mlp.input.weight.shape[1], model.unembed.shape[1])
        precondition(unsorted.count % t == 0 && t <= positions, "token batch does not match the context")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < v }, "token id outside the vocabulary")

        let index = BatchIndex(tokens: tokens, length: t, vocabulary: v, heads: h)
        (rowOf, tokenOfRow, positionOfRow) = (index.rowOf, index.tokenOfRow, index.positionOfRow)
        (queryRow, queryOf, pairRow, pairQuery) = (index.queryRow, index.queryOf, index.pairRow, index.pairQuery)
        mixIndex = index.mix
        (rows, queries, pairs, terms) = (tokenOfRow.count, queryRow.count, pairRow.count, 1 + h * (t - 1))

        // Not cleared: every buffer is written before it is read (products with beta 0, mixings that fill their
        // rows, and explicit zeroing where gradients accumulate).
        let arena = BufferArena()
        let buffer = arena.buffer
        let (d, hd, m, c, r, rq, n) = (width, heads * headWidth, hidden, outputs, rows, queries, batch)
        let tr = rq + pairs * heads
        let parameterSizes = [vocabulary * d, positions * d, d * hd, d * hd, d * hd, hd * d, d * m, m, m * d, d, d * c]
        let p = parameterSizes.map(buffer)
        (E, P, Wq, Wk, Wv, Wo, Win) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
        (bin, Wout, bout, U) = (p[7], p[8], p[9], p[10])
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
        let partialCount = { [n, k = terms] in RowMixing.partialCount(rows: n, terms: k, width: $0) }
        partials = trainingBuffer(max(partialCount(m), partialCount(c)))
        (dInTable, dUTable, dScores) = (trainingBuffer(tr * m), trainingBuffer(tr * c), trainingBuffer(heads * rq * r))
        (dQ, dK, dV) = (trainingBuffer(rq * hd), trainingBuffer(r * hd), trainingBuffer(r * hd))
        (dVq, dVd) = (trainingBuffer(rq * hd), trainingBuffer(pairs * hd))
        (dWoIn, dWoU, dBoutU) = (trainingBuffer(hd * m), trainingBuffer(hd * c), trainingBuffer(c))
        (dX, dXq) = (trainingBuffer(r * d), trainingBuffer(rq * d))
        rowLoss = .allocate(capacity: max(n, 1))
        self.arena = arena
        gradientTensors = model.parameters.map { Tensor(zeros: training ? $0.shape : [0]) }
        stretches = Self.stretches(model)
    }

    /// W_Q, W_K, W_V [H, d, dh] as [d, H·dh] (each head's dh columns side by side), the others as stored.
    static func stretches(_ model: OneLayerTransformer) -> [[(stored: Int, copied: Int, count: Int)]] {
        let attention = model.attention
        let (h, d, dh) = (attention.heads, model.embed.weight.shape[1], attention.headWidth)
        let headsSideBySide = [attention.queryWeight, attention.keyWeight, attention.valueWeight]
        return model.parameters.map { p in
            guard headsSideBySide.contains(where: { $0 === p }) else { return [(0, 0, p.value.count)] }
            return (0..<h).flatMap { head in (0..<d).map { j in ((head * d + j) * dh, j * h * dh + head * dh, dh) } }
        }
    }

    deinit { rowLoss.deallocate() }

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
        embed()
        project()
        attend()
        valueRows()
        tables()
        mixAndUnembed()
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

    /// The stages' backward passes in reverse, from the loss's gradient in `logits`. (The tables' and the
    /// pattern's are independent; this order keeps the sums that several stages add to in a fixed order.)
    private func backward() {
        mixAndUnembedBackward()
        attendBackward()
        tablesBackward()
        valueRowsBackward()
        projectBackward()
        embedBackward()
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
}

/// Float buffers that live as long as the arena, each aligned to a cache line: cores that write their own
/// columns of one row never share a line.
final class BufferArena {
    private var owned: [UnsafeMutablePointer<Float>] = []

    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 4 * max(count, 1), alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        owned.append(p)
        return p
    }

    deinit { for p in owned { p.deallocate() } }
}
