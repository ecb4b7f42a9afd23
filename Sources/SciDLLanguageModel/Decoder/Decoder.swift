import SciDLSupport
import SciDLTensor

/// A pre-norm decoder for inference on the CPU: token embedding, `blockCount` blocks (RMSNorm → grouped-query
/// causal attention with RoPE → residual; RMSNorm → gated MLP → residual), a final RMSNorm and the unembedding
/// (tied to the embedding when the file has no output matrix). Llama, Mistral, Qwen2 and Gemma 3 are settings
/// of it (`DecoderConfiguration`): Gemma 3 scales the embeddings, normalises queries and keys per head and each
/// sublayer's output before the residual, gates with GELU, and alternates sliding-window and global attention.
///
/// Weights stay in their stored (often quantised) form; see `WeightMatrix`. Sequences are packed as for
/// the BERT encoder: no padding is computed, and positions restart at 0 for every sequence.
public struct Decoder: Sendable {
    public struct Block: Sendable {
        public var attentionNorm: [Float]
        public var query: WeightMatrix, key: WeightMatrix, value: WeightMatrix, output: WeightMatrix
        /// Qwen2's projections carry biases; Llama's do not.
        public var queryBias: [Float]?, keyBias: [Float]?, valueBias: [Float]?
        public var mlpNorm: [Float]
        public var gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
        /// Per-head RMSNorm of queries and keys before RoPE ([headSize] each; Gemma 3, Qwen3), or nil.
        public var queryNorm: [Float]? = nil, keyNorm: [Float]? = nil
        /// RMSNorm of the attention's and the MLP's outputs before they join the residual stream (Gemma 2, 3).
        public var postAttentionNorm: [Float]? = nil, postMLPNorm: [Float]? = nil
    }

    public let configuration: DecoderConfiguration
    public let embedding: WeightMatrix
    public let blocks: [Block]
    public let finalNorm: [Float]
    public let unembedding: WeightMatrix
    /// How products by quantised weights are computed (`exact` unless set).
    public var compute: ComputeMode = .exact
    /// Each block's projections stacked for one product each: q‖k‖v (with their biases, if any) and gate‖up.
    let stacks: [(qkv: WeightStack, qkvBias: [Float]?, gateUp: WeightStack)]

    public init(
        configuration: DecoderConfiguration, embedding: WeightMatrix, blocks: [Block], finalNorm: [Float],
        unembedding: WeightMatrix?, source: String
    ) throws {
        let c = configuration
        try c.validate(source)
        func check(_ m: WeightMatrix, _ name: String, _ rows: Int, _ columns: Int) throws {
            guard m.rows == rows, m.columns == columns else {
                throw SciDLError(
                    """
                    \(source): \(name) is [\(m.rows), \(m.columns)] but the configuration implies [\(rows), \
                    \(columns)] (corrupt or unsupported model)
                    """
                )
            }
        }
        func check(_ v: [Float]?, _ name: String, _ count: Int) throws {
            if let v, v.count != count {
                throw SciDLError(
                    "\(source): \(name) has \(v.count) values, expected \(count) (corrupt or unsupported model)")
            }
        }
        guard blocks.count == c.blockCount else {
            throw SciDLError("\(source): \(blocks.count) blocks but the configuration says \(c.blockCount)")
        }
        try check(embedding, "the token embedding", c.vocabularySize, c.width)
        let q = c.headCount * c.headSize
        let kv = c.keyValueHeadCount * c.headSize
        for (i, b) in blocks.enumerated() {
            try check(b.query, "block \(i)'s query weight", q, c.width)
            try check(b.key, "block \(i)'s key weight", kv, c.width)
            try check(b.value, "block \(i)'s value weight", kv, c.width)
            try check(b.output, "block \(i)'s attention output weight", c.width, q)
            try check(b.gate, "block \(i)'s gate weight", c.mlpWidth, c.width)
            try check(b.up, "block \(i)'s up weight", c.mlpWidth, c.width)
            try check(b.down, "block \(i)'s down weight", c.width, c.mlpWidth)
            try check(b.attentionNorm, "block \(i)'s attention norm", c.width)
            try check(b.mlpNorm, "block \(i)'s MLP norm", c.width)
            try check(b.queryBias, "block \(i)'s query bias", q)
            try check(b.keyBias, "block \(i)'s key bias", kv)
            try check(b.valueBias, "block \(i)'s value bias", kv)
            try check(b.queryNorm, "block \(i)'s query norm", c.headSize)
            try check(b.keyNorm, "block \(i)'s key norm", c.headSize)
            try check(b.postAttentionNorm, "block \(i)'s post-attention norm", c.width)
            try check(b.postMLPNorm, "block \(i)'s post-MLP norm", c.width)
        }
        try check(finalNorm, "the final norm", c.width)
        if let unembedding { try check(unembedding, "the output weight", c.vocabularySize, c.width) }
        self.configuration = c
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.unembedding = unembedding ?? embedding
        stacks = blocks.map { b in
            let biases = [b.queryBias, b.keyBias, b.valueBias]
            let qkvBias =
                biases.allSatisfy { $0 == nil }
                ? nil
                : zip(biases, [q, kv, kv]).flatMap { $0 ?? [Float](repeating: 0, count: $1) }
            return (WeightStack([b.query, b.key, b.value]), qkvBias, WeightStack([b.gate, b.up]))
        }
    }

    /// Runs the packed batch `sequences` and hands the states at `sites` to `visit` as they are
    /// computed, each [Σ lengths, width] with the sequences' rows one after another — or, given `rows` (indices
    /// into that layout), only those rows, in that order: then the last block computes its attention and MLP
    /// for those rows alone. Consecutive sequences that start alike compute their common prefix once (see
    /// `SharedPrefixes`) unless `sharingPrefixes` is false. Stops after the last site asked for.
    public func forward(
        _ sequences: [[Int]], sites: Set<ActivationSite>, rows: [Int]? = nil, sharingPrefixes: Bool = true,
        visit: (_ site: ActivationSite, _ states: Tensor) -> Void
    ) {
        let c = configuration
        precondition(sequences.allSatisfy { !$0.isEmpty }, "empty sequence")
        let layout = SharedPrefixes(sequences, sharing: sharingPrefixes)
        let wanted = rows.map { rows in
            let computed = layout.computedRows
            return rows.map { computed[$0] }
        }
        func hand(_ site: ActivationSite, _ x: Tensor) {
            guard sites.contains(site) else { return }
            visit(site, wanted.map { x.gatherRows($0) } ?? layout.expand(x))
        }
        let lastBlock = sites.map { $0 == .finalNorm ? c.blockCount - 1 : ($0.layer ?? 0) - 1 }.max() ?? -1
        var x = embed(layout.tokens)
        hand(.embed, x)
        guard lastBlock >= 0 else { return }
        let length = layout.positions.max()! + 1
        let globalRope = c.rotary.table(length: length)
        let localRope = c.localRotary?.table(length: length)
        var scratch = Scratch(tokens: layout.rowCount, configuration: c)
        for i in 0...lastBlock {
            let rope = c.window(ofBlock: i) == nil ? globalRope : localRope ?? globalRope
            if let wanted, i == lastBlock {
                let distinct = Array(Set(wanted)).sorted()
                let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
                let y = block(i, x, keeping: distinct, layout: layout, rope: rope, scratch: &scratch)
                    .gatherRows(wanted.map { index[$0]! })
                if sites.contains(.residualPost(block: i)) { visit(.residualPost(block: i), y) }
                if sites.contains(.finalNorm) { visit(.finalNorm, normalised(y)) }
                return
            }
            x.scalars.withUnsafeMutableBufferPointer { residual in
                attention(
                    i, residual.baseAddress!, tokens: layout.rowCount, layout: layout, rope: rope,
                    scratch: &scratch)
                mlp(i, residual.baseAddress!, tokens: layout.rowCount, scratch: &scratch)
            }
            hand(.residualPost(block: i), x)
        }
        if sites.contains(.finalNorm) { visit(.finalNorm, layout.expand(normalised(x))) }
    }

    /// The arithmetic `compute` really gets here: `int8` only when some weight matrix is quantised and the CPU
    /// has integer kernels (float weights and other CPUs are multiplied exactly either way).
    public var effectiveCompute: ComputeMode {
        guard compute == .int8, Int8Kernels.available != nil else { return .exact }
        let quantised =
            ([embedding, unembedding]
            + blocks.flatMap { [$0.query, $0.key, $0.value, $0.output, $0.gate, $0.up, $0.down] })
            .contains { Int8Weights.Layout($0.type) != nil }
        return quantised ? .int8 : .exact
    }

    /// The final RMSNorm of residual-stream rows.
    public func normalised(_ x: Tensor) -> Tensor {
        var y = x
        x.scalars.withUnsafeBufferPointer { src in
            y.scalars.withUnsafeMutableBufferPointer { dst in
                rmsNormalise(
                    src.baseAddress!, into: dst.baseAddress!, rows: x.shape[0], width: configuration.width,
                    weight: finalNorm, epsilon: configuration.normEpsilon)
            }
        }
        return y
    }

    /// Next-token logits at the last token of each sequence: [sequences.count, vocabulary].
    public func lastTokenLogits(_ sequences: [[Int]]) -> Tensor {
        let ends = segmentStarts(sequences.map(\.count)).dropFirst().map { $0 - 1 }
        var last = Tensor(zeros: [0, configuration.width])
        forward(sequences, sites: [.finalNorm], rows: ends) { _, states in last = states }
        return logits(last, compute: compute)
    }

    /// Next-token logits of final-norm states [n, width]: [n, vocabulary] (soft-capped where the model is).
    public func logits(_ states: Tensor, compute: ComputeMode) -> Tensor {
        var logits = unembedding.product(states, compute: compute)
        if let cap = configuration.finalLogitSoftCap {
            logits.scalars.withUnsafeMutableBufferPointer { l in
                AttentionShape(scale: 1, softCap: cap).cap(l.baseAddress!, count: l.count)
            }
        }
        return logits
    }

    /// Token embeddings as the blocks read them, a row per token, scaled by `embeddingScale` (ids out of range
    /// are clamped; tokenizers never produce them).
    func embed(_ ids: [Int]) -> Tensor {
        let d = configuration.width
        let scale = configuration.embeddingScale
        let out = [Float](unsafeUninitializedCapacity: ids.count * d) { buffer, initialized in
            for (r, id) in ids.enumerated() {
                let row = min(max(id, 0), embedding.rows - 1)
                embedding.dequantizeRows(row..<(row + 1), into: buffer.baseAddress! + r * d)
            }
            if scale != 1 { for e in 0..<(ids.count * d) { buffer[e] *= scale } }
            initialized = ids.count * d
        }
        return Tensor(shape: [ids.count, d], scalars: out)
    }

    /// How block i's attention scores are made and which keys its queries see.
    func attentionShape(_ i: Int) -> AttentionShape {
        let c = configuration
        return AttentionShape(scale: c.scoreScale, softCap: c.attentionSoftCap, window: c.window(ofBlock: i))
    }

    /// Buffers a block needs, allocated once per batch.
    struct Scratch {
        var normed: [Float], qkv: [Float], context: [Float], gateUp: [Float]
        /// A sublayer's output before its post-norm (models that have one).
        var sublayer: [Float]
        init(tokens t: Int, configuration c: DecoderConfiguration) {
            let qw = c.headCount * c.headSize
            let kvw = c.keyValueHeadCount * c.headSize
            normed = [Float](repeating: 0, count: t * c.width)
            sublayer = normed
            qkv = [Float](repeating: 0, count: t * (qw + 2 * kvw))
            context = [Float](repeating: 0, count: t * qw)
            gateUp = [Float](repeating: 0, count: t * 2 * c.mlpWidth)
        }
    }

    /// Block i on the residual stream x [T, d] is x += attention(i, x), then x += mlp(i, x).
    /// Only rows `kept` (computed rows, ascending) come out of this one, [kept.count, d]: every row's keys and
    /// values are computed, but queries, the output projection and the MLP only for the kept rows.
    func block(
        _ i: Int, _ x: Tensor, keeping kept: [Int], layout: SharedPrefixes,
        rope: (cos: [Float], sin: [Float]), scratch s: inout Scratch
    ) -> Tensor {
        let qw = configuration.headCount * configuration.headSize
        var y = x.gatherRows(kept)
        var context = [Float](repeating: 0, count: kept.count * qw)
        x.scalars.withUnsafeBufferPointer { residual in
            projectQKV(
                i, residual.baseAddress!, tokens: layout.rowCount, positions: layout.positions, rope: rope,
                scratch: &s)
        }
        let c = configuration
        let stride = qw + 2 * c.keyValueHeadCount * c.headSize
        s.qkv.withUnsafeBufferPointer { qkv in
            let q = qkv.baseAddress!
            let k = q + qw
            let v = k + c.keyValueHeadCount * c.headSize
            causalAttention(
                q: q, k: k, v: v, rowStride: stride, queryRows: kept, into: &context,
                segments: layout.segments, heads: c.headCount, keyValueHeads: c.keyValueHeadCount,
                headSize: c.headSize, shape: attentionShape(i))
        }
        y.scalars.withUnsafeMutableBufferPointer { residual in
            addToResidual(residual.baseAddress!, tokens: kept.count, postNorm: blocks[i].postAttentionNorm, &s.sublayer)
            {
                blocks[i].output.multiply(context, tokens: kept.count, into: $0, beta: $1, compute: compute)
            }
            mlp(i, residual.baseAddress!, tokens: kept.count, scratch: &s)
        }
        return y
    }

    /// x += sublayer for the first `t` rows of x [t, d]: `product(out, beta)` writes the sublayer's output with
    /// `out ← product + beta · out` — straight into the residual stream (beta 1), or, where the block normalises
    /// the output first (`postNorm`: Gemma 2, 3), into scratch, which is normalised and then added.
    func addToResidual(
        _ x: UnsafeMutablePointer<Float>, tokens t: Int, postNorm: [Float]?, _ sublayer: inout [Float],
        _ product: (UnsafeMutablePointer<Float>, Float) -> Void
    ) {
        guard let postNorm else { return product(x, 1) }
        let c = configuration
        sublayer.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            product(o, 0)
            rmsNormalise(o, into: o, rows: t, width: c.width, weight: postNorm, epsilon: c.normEpsilon)
            for e in 0..<(t * c.width) { x[e] += o[e] }
        }
    }

    /// q, k and v of block i for the rows of x [T, d] into `s.qkv`, the columns of a [T, qw + 2·kvw] buffer
    /// (one product), RoPE applied: q = rope(Wq·n), k = rope(Wk·n), v = Wv·n with n = RMSNorm(x).
    func projectQKV(
        _ i: Int, _ x: UnsafePointer<Float>, tokens t: Int, positions: [Int],
        rope: (cos: [Float], sin: [Float]), scratch s: inout Scratch
    ) {
        let c = configuration
        let stack = stacks[i]
        let qw = c.headCount * c.headSize
        let kvw = c.keyValueHeadCount * c.headSize
        let stride = qw + 2 * kvw
        s.normed.withUnsafeMutableBufferPointer { n in
            s.qkv.withUnsafeMutableBufferPointer { qkv in
                let q = qkv.baseAddress!
                let k = q + qw
                rmsNormalise(
                    x, into: n.baseAddress!, rows: t, width: c.width, weight: blocks[i].attentionNorm,
                    epsilon: c.normEpsilon)
                stack.qkv.multiply(n.baseAddress!, tokens: t, into: q, compute: compute)
                if let bias = stack.qkvBias {
                    for r in 0..<t { for j in 0..<stride { q[r * stride + j] += bias[j] } }
                }
                // Query/key norms: each head's vector of every row normalised on its own.
                for (start, heads, weight) in [
                    (q, c.headCount, blocks[i].queryNorm), (k, c.keyValueHeadCount, blocks[i].keyNorm),
                ] {
                    guard let weight else { continue }
                    for r in 0..<t {
                        let row = start + r * stride
                        rmsNormalise(
                            row, into: row, rows: heads, width: c.headSize, weight: weight, epsilon: c.normEpsilon)
                    }
                }
                let rotary = c.rotary(ofBlock: i)
                rotary.apply(
                    q, rowStride: stride, positions: positions, heads: c.headCount, headSize: c.headSize,
                    cos: rope.cos, sin: rope.sin)
                rotary.apply(
                    k, rowStride: stride, positions: positions, heads: c.keyValueHeadCount, headSize: c.headSize,
                    cos: rope.cos, sin: rope.sin)
            }
        }
    }

    /// x += Wo · attention(q, k, v) for block i, every row of x [T, d] in place; q, k and v are read in place
    /// through row strides.
    func attention(
        _ i: Int, _ x: UnsafeMutablePointer<Float>, tokens t: Int, layout: SharedPrefixes,
        rope: (cos: [Float], sin: [Float]), scratch s: inout Scratch
    ) {
        let c = configuration
        let qw = c.headCount * c.headSize
        let kvw = c.keyValueHeadCount * c.headSize
        projectQKV(i, x, tokens: t, positions: layout.positions, rope: rope, scratch: &s)
        s.qkv.withUnsafeBufferPointer { qkv in
            s.context.withUnsafeMutableBufferPointer { context in
                let q = qkv.baseAddress!
                let k = q + qw
                let v = k + kvw
                causalAttention(
                    q: q, k: k, v: v, rowStride: qw + 2 * kvw, into: context.baseAddress!,
                    segments: layout.segments, heads: c.headCount, keyValueHeads: c.keyValueHeadCount,
                    headSize: c.headSize, shape: attentionShape(i))
            }
        }
        let context = s.context  // shares the buffer: scratch's other parts are written below
        addToResidual(x, tokens: t, postNorm: blocks[i].postAttentionNorm, &s.sublayer) { out, beta in
            context.withUnsafeBufferPointer {
                blocks[i].output.multiply($0.baseAddress!, tokens: t, into: out, beta: beta, compute: compute)
            }
        }
    }

    /// x += W_down · (act(W_gate·m) ⊙ W_up·m) with m = RMSNorm(x) and act SiLU (SwiGLU) or tanh GELU (GeGLU),
    /// for the first `t` rows of x [t, d] in place; gate and up come out of one product as the halves of a
    /// [t, 2·f] buffer.
    func mlp(_ i: Int, _ x: UnsafeMutablePointer<Float>, tokens t: Int, scratch s: inout Scratch) {
        let c = configuration
        let f = c.mlpWidth
        s.normed.withUnsafeMutableBufferPointer { n in
            s.gateUp.withUnsafeMutableBufferPointer { gateUp in
                let gate = gateUp.baseAddress!
                rmsNormalise(
                    x, into: n.baseAddress!, rows: t, width: c.width, weight: blocks[i].mlpNorm,
                    epsilon: c.normEpsilon)
                stacks[i].gateUp.multiply(n.baseAddress!, tokens: t, into: gate, compute: compute)
                switch c.mlpGate {
                case .silu: swiGLU(gate: gate, up: gate + f, rowStride: 2 * f, rows: t, width: f)
                case .tanhGELU: geGLU(gate: gate, up: gate + f, rowStride: 2 * f, rows: t, width: f)
                }
            }
        }
        let gated = s.gateUp  // shares the buffer, as above
        addToResidual(x, tokens: t, postNorm: blocks[i].postMLPNorm, &s.sublayer) { out, beta in
            gated.withUnsafeBufferPointer {
                blocks[i].down.multiply(
                    $0.baseAddress!, inputStride: 2 * f, tokens: t, into: out, beta: beta, compute: compute)
            }
        }
    }
}
