import SciDLTensor

/// A Llama-family decoder for inference on the CPU: token embedding, `blockCount` pre-norm blocks
/// (RMSNorm → grouped-query causal attention with RoPE → residual; RMSNorm → SwiGLU MLP → residual), a
/// final RMSNorm and the unembedding (tied to the embedding when the file has no output matrix).
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
    }

    public let configuration: DecoderConfiguration
    public let embedding: WeightMatrix
    public let blocks: [Block]
    public let finalNorm: [Float]
    public let unembedding: WeightMatrix
    /// Each block's projections stacked for one product each: q‖k‖v (with their biases, if any) and gate‖up.
    let stacks: [(qkv: WeightStack, qkvBias: [Float]?, gateUp: WeightStack)]

    public init(configuration: DecoderConfiguration, embedding: WeightMatrix, blocks: [Block], finalNorm: [Float],
                unembedding: WeightMatrix?, source: String) throws {
        let c = configuration
        try c.validate(source)
        func check(_ m: WeightMatrix, _ name: String, _ rows: Int, _ columns: Int) throws {
            guard m.rows == rows, m.columns == columns else {
                throw SciDLError("\(source): \(name) is [\(m.rows), \(m.columns)] but the configuration implies [\(rows), \(columns)] (corrupt or unsupported model)")
            }
        }
        func check(_ v: [Float]?, _ name: String, _ count: Int) throws {
            if let v, v.count != count {
                throw SciDLError("\(source): \(name) has \(v.count) values, expected \(count) (corrupt or unsupported model)")
            }
        }
        guard blocks.count == c.blockCount else {
            throw SciDLError("\(source): \(blocks.count) blocks but the configuration says \(c.blockCount)")
        }
        try check(embedding, "the token embedding", c.vocabularySize, c.width)
        let q = c.headCount * c.headSize, kv = c.keyValueHeadCount * c.headSize
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
            let qkvBias = biases.allSatisfy { $0 == nil } ? nil
                : zip(biases, [q, kv, kv]).flatMap { $0 ?? [Float](repeating: 0, count: $1) }
            return (WeightStack([b.query, b.key, b.value]), qkvBias, WeightStack([b.gate, b.up]))
        }
    }

    /// Runs the packed batch `sequences` and hands the states at `sites` to `visit` as they are
    /// computed, each [Σ lengths, width] with the sequences' rows one after another. Consecutive sequences
    /// that start alike compute their common prefix once (see `SharedPrefixes`) unless `sharingPrefixes`
    /// is false. Stops after the last site asked for.
    public func forward(_ sequences: [[Int]], sites: Set<ActivationSite>, sharingPrefixes: Bool = true,
                        visit: (_ site: ActivationSite, _ states: Tensor) -> Void) {
        let c = configuration
        precondition(sequences.allSatisfy { !$0.isEmpty }, "empty sequence")
        let layout = SharedPrefixes(sequences, sharing: sharingPrefixes)
        let lastBlock = sites.map { $0 == .finalNorm ? c.blockCount - 1 : ($0.layer ?? 0) - 1 }.max() ?? -1
        var x = embed(layout.tokens)
        if sites.contains(.embed) { visit(.embed, layout.expand(x)) }
        guard lastBlock >= 0 else { return }
        let rope = c.rotary.table(length: layout.positions.max()! + 1)
        var scratch = Scratch(tokens: layout.rowCount, configuration: c)
        for i in 0...lastBlock {
            x.scalars.withUnsafeMutableBufferPointer { residual in
                self.block(i, residual.baseAddress!, tokens: layout.rowCount, segments: layout.segments,
                           positions: layout.positions, rope: rope, scratch: &scratch)
            }
            if sites.contains(.residualPost(block: i)) { visit(.residualPost(block: i), layout.expand(x)) }
        }
        if sites.contains(.finalNorm) { visit(.finalNorm, layout.expand(normalised(x))) }
    }

    /// The final RMSNorm of residual-stream rows.
    public func normalised(_ x: Tensor) -> Tensor {
        var y = x
        x.scalars.withUnsafeBufferPointer { src in
            y.scalars.withUnsafeMutableBufferPointer { dst in
                rmsNormalise(src.baseAddress!, into: dst.baseAddress!, rows: x.shape[0], width: configuration.width,
                             weight: finalNorm, epsilon: configuration.normEpsilon)
            }
        }
        return y
    }

    /// Next-token logits at the last token of each sequence: [sequences.count, vocabulary].
    public func lastTokenLogits(_ sequences: [[Int]]) -> Tensor {
        var lastRows: [Float] = []
        let ends = segmentStarts(sequences.map(\.count)).dropFirst().map { $0 - 1 }
        forward(sequences, sites: [.finalNorm]) { _, states in
            for e in ends { lastRows += states.row(e) }
        }
        return unembedding.product(Tensor(shape: [sequences.count, configuration.width], scalars: lastRows))
    }

    /// Token embeddings, a row per token (ids out of range are clamped; tokenizers never produce them).
    func embed(_ ids: [Int]) -> Tensor {
        let d = configuration.width
        let out = [Float](unsafeUninitializedCapacity: ids.count * d) { buffer, initialized in
            for (r, id) in ids.enumerated() {
                let row = min(max(id, 0), embedding.rows - 1)
                embedding.dequantizeRows(row..<(row + 1), into: buffer.baseAddress! + r * d)
            }
            initialized = ids.count * d
        }
        return Tensor(shape: [ids.count, d], scalars: out)
    }

    /// Buffers a block needs, allocated once per batch.
    struct Scratch {
        var normed: [Float], qkv: [Float], context: [Float], gateUp: [Float]
        init(tokens t: Int, configuration c: DecoderConfiguration) {
            let qw = c.headCount * c.headSize, kvw = c.keyValueHeadCount * c.headSize
            normed = [Float](repeating: 0, count: t * c.width)
            qkv = [Float](repeating: 0, count: t * (qw + 2 * kvw))
            context = [Float](repeating: 0, count: t * qw)
            gateUp = [Float](repeating: 0, count: t * 2 * c.mlpWidth)
        }
    }

    /// Block i on the residual stream x [T, d], in place:
    /// x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n) with n = RMSNorm(x);
    /// x += W_down · (silu(W_gate·m) ⊙ W_up·m) with m = RMSNorm(x).
    /// q, k and v come out of one product as the columns of a [T, qw + 2·kvw] buffer, gate and up as those
    /// of a [T, 2·f] one; everything after reads them in place through row strides.
    func block(_ i: Int, _ x: UnsafeMutablePointer<Float>, tokens t: Int, segments: [SharedPrefixes.Segment], positions: [Int],
               rope: (cos: [Float], sin: [Float]), scratch s: inout Scratch) {
        let c = configuration, d = c.width, f = c.mlpWidth, b = blocks[i], stack = stacks[i]
        let qw = c.headCount * c.headSize, kvw = c.keyValueHeadCount * c.headSize, stride = qw + 2 * kvw
        s.normed.withUnsafeMutableBufferPointer { n in
        s.qkv.withUnsafeMutableBufferPointer { qkv in
        s.context.withUnsafeMutableBufferPointer { context in
        s.gateUp.withUnsafeMutableBufferPointer { gateUp in
            let n = n.baseAddress!, q = qkv.baseAddress!, k = q + qw, v = k + kvw
            rmsNormalise(x, into: n, rows: t, width: d, weight: b.attentionNorm, epsilon: c.normEpsilon)
            stack.qkv.multiply(n, tokens: t, into: q)
            if let bias = stack.qkvBias {
                for r in 0..<t { for j in 0..<stride { q[r * stride + j] += bias[j] } }
            }
            c.rotary.apply(q, rowStride: stride, positions: positions, heads: c.headCount, headSize: c.headSize,
                           cos: rope.cos, sin: rope.sin)
            c.rotary.apply(k, rowStride: stride, positions: positions, heads: c.keyValueHeadCount, headSize: c.headSize,
                           cos: rope.cos, sin: rope.sin)
            causalAttention(q: q, k: k, v: v, rowStride: stride, into: context.baseAddress!, segments: segments,
                            heads: c.headCount, keyValueHeads: c.keyValueHeadCount, headSize: c.headSize)
            b.output.multiply(context.baseAddress!, tokens: t, into: x, beta: 1)

            rmsNormalise(x, into: n, rows: t, width: d, weight: b.mlpNorm, epsilon: c.normEpsilon)
            let gate = gateUp.baseAddress!
            stack.gateUp.multiply(n, tokens: t, into: gate)
            swiGLU(gate: gate, up: gate + f, rowStride: 2 * f, rows: t, width: f)
            b.down.multiply(gate, inputStride: 2 * f, tokens: t, into: x, beta: 1)
        }}}}
    }
}
