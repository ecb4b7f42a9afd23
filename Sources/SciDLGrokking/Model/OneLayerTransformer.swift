import SciDLAutodiff
import SciDLTensor

/// The one-layer, attention-plus-MLP transformer of the grokking papers (Power et al. 2022; Nanda et al.
/// 2023): learned token and positional embeddings, causal multi-head attention, a ReLU MLP, no LayerNorm,
/// an untied unembedding, logits read at the last position.
///
///     r₀ = embed[x] + pos_embed                       [B, T, d]
///     r₁ = r₀ + attn(r₀)                              (heads: W_Q, W_K, W_V [H, d, dh], W_O [H, dh, d])
///     r₂ = r₁ + relu(r₁·W_in + b_in)·W_out + b_out    (W_in [d, d_mlp], W_out [d_mlp, d])
///     logits = r₂[last]·unembed                       [B, p]
///
/// `forward` computes exactly this, activations included. `logits`, used for training, computes the same
/// numbers faster by using two facts. With one layer, r₀ at position i depends on the token there alone,
/// so everything read from r₀ is computed once per distinct (position, token) row. And r₁ at the last
/// position is a weighted sum of such rows — the query's own r₀ row with weight 1, and every key's row
/// through head h's OV circuit with the attention pattern as weight — so by linearity r₁·W_in and r₁·U
/// are the same weighted sums of the rows' products with W_in and U, and W_out·U folds into one matrix.
/// Only relu(·)·(W_out·U) remains per example. This is exact, not an approximation.
public struct OneLayerTransformer: SequenceClassifier {
    public let embed: Embedding
    public let positionEmbed: Variable
    public let attention: CausalSelfAttention
    public let mlp: ReLUMLP
    public let unembed: Variable

    /// Initialises like the published PyTorch code: N(0, 1/d) for everything read from the residual
    /// stream, N(0, 1/d_mlp) for W_out, zero biases.
    public init(
        vocabulary: Int, outputs: Int, length: Int, width d: Int, heads: Int, mlpWidth: Int,
        using rng: inout SeededGenerator
    ) {
        let s = 1 / Float(d).squareRoot()
        let dh = d / heads
        func normal(_ shape: [Int], _ std: Float) -> Tensor {
            .randomNormal(shape, standardDeviation: std, using: &rng)
        }
        let e = normal([vocabulary, d], s)
        let pos = normal([length, d], s)
        let wq = normal([heads, d, dh], s)
        let wk = normal([heads, d, dh], s)
        let wv = normal([heads, d, dh], s)
        let wo = normal([heads, dh, d], s)
        let win = normal([d, mlpWidth], s)
        let wout = normal([mlpWidth, d], 1 / Float(mlpWidth).squareRoot())
        let u = normal([d, outputs], s)
        self.init(
            embed: e, positionEmbed: pos, queryWeight: wq, keyWeight: wk, valueWeight: wv, outputWeight: wo,
            mlpIn: win, mlpInBias: Tensor(zeros: [mlpWidth]), mlpOut: wout, mlpOutBias: Tensor(zeros: [d]),
            unembed: u)
    }

    /// A model with the given weights (shapes as in the type's documentation).
    public init(
        embed: Tensor, positionEmbed: Tensor, queryWeight: Tensor, keyWeight: Tensor, valueWeight: Tensor,
        outputWeight: Tensor, mlpIn: Tensor, mlpInBias: Tensor, mlpOut: Tensor, mlpOutBias: Tensor,
        unembed: Tensor
    ) {
        self.embed = Embedding(weight: embed)
        self.positionEmbed = Variable(positionEmbed, requiresGrad: true)
        self.attention = CausalSelfAttention(
            queryWeight: queryWeight, keyWeight: keyWeight,
            valueWeight: valueWeight, outputWeight: outputWeight)
        self.mlp = ReLUMLP(
            input: Linear(weight: mlpIn, bias: mlpInBias), output: Linear(weight: mlpOut, bias: mlpOutBias))
        self.unembed = Variable(unembed, requiresGrad: true)
    }

    /// Names as in the reference fixtures and the grokking literature.
    public var namedParameters: [(name: String, variable: Variable)] {
        [
            ("embed", embed.weight), ("pos_embed", positionEmbed),
            ("W_Q", attention.queryWeight), ("W_K", attention.keyWeight), ("W_V", attention.valueWeight),
            ("W_O", attention.outputWeight),
            ("W_in", mlp.input.weight), ("b_in", mlp.input.bias!), ("W_out", mlp.output.weight),
            ("b_out", mlp.output.bias!),
            ("unembed", unembed),
        ]
    }

    public var tokenEmbedding: Tensor { embed.weight.value }

    /// W_out · unembed [d_mlp, outputs]: the MLP's neurons act on the logits through the residual stream.
    public var neuronLogitMap: Tensor { Tensor.matmul(mlp.output.weight.value, unembed.value) }

    /// Activations of a forward pass.
    public struct Activations {
        /// Logits [B·Tq, outputs].
        public var logits: Variable
        /// Attention pattern [B·Tq, H·T] (`blocks.0.attn.hook_pattern`).
        public var pattern: Variable
        /// MLP activations after the ReLU [B·Tq, d_mlp] (`blocks.0.mlp.hook_post`).
        public var neurons: Variable
        /// Residual stream after attention [B·Tq, d] (`blocks.0.hook_resid_mid`).
        public var residualMid: Variable
    }

    /// The forward pass as written in the type's documentation, with its activations.
    /// - Parameter allPositions: compute everything at every position (Tq = T), not only the last (Tq = 1).
    public func forward(tokens: [Int], length t: Int, allPositions: Bool) -> Activations {
        let r = ResidualRows(model: self, tokens: tokens, length: t, queryCount: allPositions ? t : 1)
        let residualMid = Variable.mixingRows(
            weights: r.weights, table: Variable.stackingRows([r.direct, r.valueOutput]),
            index: r.mixIndex)
        let (mlpOut, neurons) = mlp(residualMid)
        let logits = Variable.matmul(residualMid + mlpOut, unembed)
        return Activations(logits: logits, pattern: r.pattern, neurons: neurons, residualMid: residualMid)
    }

    /// Logits at the last position [B, outputs], computed by linearity (see the type's documentation).
    public func logits(tokens: [Int], length t: Int) -> Variable {
        let r = ResidualRows(model: self, tokens: tokens, length: t, queryCount: 1)
        let d = embed.weight.shape[1]
        // r₁·W + c as the same weighted sums of the table rows' products with W. The direct rows carry
        // weight exactly 1 in every sum, so a bias c added to them is added once per example.
        func mixed(_ w: Variable, plus bias: Variable, rectified: Bool) -> Variable {
            let table = Variable.stackingRows([
                Variable.matmul(r.direct, w).addingToEachRow(bias),
                Variable.matmul(r.valueOutput, w),
            ])
            return Variable.mixingRows(weights: r.weights, table: table, index: r.mixIndex, rectified: rectified)
        }
        let neurons = mixed(mlp.input.weight, plus: mlp.input.bias!, rectified: true)  // relu(r₁·W_in + b_in)
        // relu(·)·W_out·U + b_out·U + r₁·U, with W_out·U folded into one [d_mlp, p] matrix.
        let biasLogits = Variable.matmul(mlp.output.bias!.reshaped([1, d]), unembed).reshaped([unembed.shape[1]])
        let direct = mixed(unembed, plus: biasLogits, rectified: false)
        return Variable.matmul(neurons, Variable.matmul(mlp.output.weight, unembed)) + direct
    }

    /// The logits of `logits(tokens:length:)` by the hand-written `TransformerStep`, without a graph.
    public func logitValues(tokens: [Int], length t: Int) -> Tensor {
        TransformerStep(model: self, tokens: tokens, targets: nil, length: t).computeLogits()
    }
}

/// The residual stream after attention, as weights over table rows.
///
/// The rows are the distinct (position, token) residuals r₀ that occur. Query (b, i) weights its own r₀
/// row (one of `direct`) by 1, and each key j's row through head h's OV circuit (one of `valueOutput`)
/// by the attention pattern; `mixIndex` numbers rows of `direct` followed by `valueOutput`.
struct ResidualRows {
    let direct: Variable  // [Rq, d]: the r₀ rows that are queries
    let valueOutput: Variable  // [R·H, d]: every r₀ row through every head's OV circuit
    let weights: Variable  // [B·Tq, 1 + H·T]: 1, then the pattern
    let mixIndex: [Int]  // B·Tq·(1 + H·T)
    let pattern: Variable  // [B·Tq, H·T]

    init(model: OneLayerTransformer, tokens: [Int], length t: Int, queryCount tq: Int) {
        let v = model.embed.weight.shape[0]
        precondition(
            tokens.count % t == 0 && t <= model.positionEmbed.shape[0], "token batch does not match the context")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < v }, "token id outside the vocabulary 0..<\(v)")
        let index = Self.distinctRows(tokens: tokens, length: t, vocabulary: v)
        let rows = model.embed(index.tokenOfRow) + model.positionEmbed.gatherRows(index.positionOfRow)  // [R, d]
        let attention = model.attention
        let batch = tokens.count / t
        let heads = attention.heads
        pattern = attention.pattern(rows: rows, index: index.rowOf, length: t, queryCount: tq)
        weights = Variable.concatenatingRows([Variable(Tensor(repeating: 1, shape: [batch * tq, 1])), pattern])
        // Query rows, renumbered densely.
        var directOf = [Int](repeating: -1, count: rows.shape[0])
        var queryRows: [Int] = []
        for b in 0..<batch {
            for i in (t - tq)..<t where directOf[index.rowOf[b * t + i]] < 0 {
                directOf[index.rowOf[b * t + i]] = queryRows.count
                queryRows.append(index.rowOf[b * t + i])
            }
        }
        direct = rows.gatherRows(queryRows)
        valueOutput = attention.valueOutputRows(rows)
        let valueIndex = attention.valueOutputIndex(
            index: index.rowOf, length: t, queryCount: tq, offset: queryRows.count)
        var mix: [Int] = []
        mix.reserveCapacity(batch * tq * (1 + heads * t))
        for b in 0..<batch {
            for i in 0..<tq {
                mix.append(directOf[index.rowOf[b * t + t - tq + i]])
                let q = b * tq + i
                mix.append(contentsOf: valueIndex[(q * heads * t)..<((q + 1) * heads * t)])
            }
        }
        mixIndex = mix
    }

    /// Numbers the distinct (position, token) pairs in first-seen order.
    static func distinctRows(
        tokens: [Int], length t: Int, vocabulary v: Int
    )
        -> (rowOf: [Int], tokenOfRow: [Int], positionOfRow: [Int])
    {
        var rowOfPair = [Int](repeating: -1, count: t * v)
        var tokenOfRow: [Int] = []
        var positionOfRow: [Int] = []
        let rowOf = tokens.indices.map { n -> Int in
            let key = (n % t) * v + tokens[n]
            if rowOfPair[key] < 0 {
                rowOfPair[key] = tokenOfRow.count
                tokenOfRow.append(tokens[n])
                positionOfRow.append(n % t)
            }
            return rowOfPair[key]
        }
        return (rowOf, tokenOfRow, positionOfRow)
    }
}
