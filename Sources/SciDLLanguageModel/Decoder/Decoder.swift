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
    }

    /// Runs the packed batch `sequences` and hands the states at `sites` to `visit` as they are
    /// computed, each [Σ lengths, width] with the sequences' rows one after another. Stops after the last
    /// site asked for.
    public func forward(_ sequences: [[Int]], sites: Set<ActivationSite>,
                        visit: (_ site: ActivationSite, _ states: Tensor) -> Void) {
        let c = configuration
        let lengths = sequences.map(\.count)
        precondition(lengths.allSatisfy { $0 > 0 }, "empty sequence")
        let starts = segmentStarts(lengths), total = starts.last!
        let lastBlock = sites.map { $0 == .finalNorm ? c.blockCount - 1 : ($0.layer ?? 0) - 1 }.max() ?? -1
        var x = embed(sequences)
        if sites.contains(.embed) { visit(.embed, x) }
        guard lastBlock >= 0 else { return }
        let positions = lengths.flatMap { 0..<$0 }
        let rope = c.rotary.table(length: lengths.max()!)
        var scratch = Scratch(tokens: total, configuration: c)
        for (i, block) in blocks.prefix(lastBlock + 1).enumerated() {
            x.scalars.withUnsafeMutableBufferPointer { residual in
                self.block(block, residual.baseAddress!, tokens: total, starts: starts, positions: positions,
                           rope: rope, scratch: &scratch)
            }
            if sites.contains(.residualPost(block: i)) { visit(.residualPost(block: i), x) }
        }
        if sites.contains(.finalNorm) { visit(.finalNorm, normalised(x)) }
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
    func embed(_ sequences: [[Int]]) -> Tensor {
        let d = configuration.width, ids = sequences.flatMap { $0 }
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
        var normed: [Float], q: [Float], k: [Float], v: [Float], context: [Float], gate: [Float], up: [Float]
        init(tokens t: Int, configuration c: DecoderConfiguration) {
            let qw = c.headCount * c.headSize, kvw = c.keyValueHeadCount * c.headSize
            normed = [Float](repeating: 0, count: t * c.width)
            q = [Float](repeating: 0, count: t * qw)
            k = [Float](repeating: 0, count: t * kvw)
            v = k
            context = q
            gate = [Float](repeating: 0, count: t * c.mlpWidth)
            up = gate
        }
    }

    /// One pre-norm block on the residual stream x [T, d], in place:
    /// x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n) with n = RMSNorm(x);
    /// x += W_down · (silu(W_gate·m) ⊙ W_up·m) with m = RMSNorm(x).
    func block(_ b: Block, _ x: UnsafeMutablePointer<Float>, tokens t: Int, starts: [Int], positions: [Int],
               rope: (cos: [Float], sin: [Float]), scratch s: inout Scratch) {
        let c = configuration, d = c.width
        let eps = c.normEpsilon
        s.normed.withUnsafeMutableBufferPointer { n in
        s.q.withUnsafeMutableBufferPointer { q in
        s.k.withUnsafeMutableBufferPointer { k in
        s.v.withUnsafeMutableBufferPointer { v in
        s.context.withUnsafeMutableBufferPointer { context in
        s.gate.withUnsafeMutableBufferPointer { gate in
        s.up.withUnsafeMutableBufferPointer { up in
            let n = n.baseAddress!, q = q.baseAddress!, k = k.baseAddress!, v = v.baseAddress!
            rmsNormalise(x, into: n, rows: t, width: d, weight: b.attentionNorm, epsilon: eps)
            b.query.multiply(n, tokens: t, into: q)
            b.key.multiply(n, tokens: t, into: k)
            b.value.multiply(n, tokens: t, into: v)
            addBias(b.queryBias, to: q, rows: t)
            addBias(b.keyBias, to: k, rows: t)
            addBias(b.valueBias, to: v, rows: t)
            c.rotary.apply(q, positions: positions, heads: c.headCount, headSize: c.headSize, cos: rope.cos, sin: rope.sin)
            c.rotary.apply(k, positions: positions, heads: c.keyValueHeadCount, headSize: c.headSize,
                           cos: rope.cos, sin: rope.sin)
            causalAttention(q: q, k: k, v: v, into: context.baseAddress!, starts: starts, heads: c.headCount,
                            keyValueHeads: c.keyValueHeadCount, headSize: c.headSize)
            b.output.multiply(context.baseAddress!, tokens: t, into: x, beta: 1)

            rmsNormalise(x, into: n, rows: t, width: d, weight: b.mlpNorm, epsilon: eps)
            b.gate.multiply(n, tokens: t, into: gate.baseAddress!)
            b.up.multiply(n, tokens: t, into: up.baseAddress!)
            swiGLU(gate: gate.baseAddress!, up: up.baseAddress!, count: t * c.mlpWidth)
            b.down.multiply(gate.baseAddress!, tokens: t, into: x, beta: 1)
        }}}}}}}
    }

    func addBias(_ bias: [Float]?, to y: UnsafeMutablePointer<Float>, rows: Int) {
        guard let bias else { return }
        let n = bias.count
        for r in 0..<rows { for j in 0..<n { y[r * n + j] += bias[j] } }
    }
}
