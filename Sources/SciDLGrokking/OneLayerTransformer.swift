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
/// The loss reads only the last position, and with one layer r₀ at position i depends on the token
/// there alone. So the attention projections are computed once per (position, token) pair — T·V rows
/// instead of B·T — and gathered, and the MLP and unembedding run at the last position only. This is
/// exact, not an approximation, and is why training here is several times faster than the usual code.
public struct OneLayerTransformer: SequenceClassifier {
    public let embed: Embedding
    public let positionEmbed: Variable
    public let attention: CausalSelfAttention
    public let mlp: ReLUMLP
    public let unembed: Variable

    /// Initialises like the published PyTorch code: N(0, 1/d) for everything read from the residual
    /// stream, N(0, 1/d_mlp) for W_out, zero biases.
    public init(vocabulary: Int, outputs: Int, length: Int, width d: Int, heads: Int, mlpWidth: Int,
                using rng: inout SeededGenerator) {
        let s = 1 / Float(d).squareRoot(), dh = d / heads
        func normal(_ shape: [Int], _ std: Float) -> Tensor { .randomNormal(shape, standardDeviation: std, using: &rng) }
        let e = normal([vocabulary, d], s), pos = normal([length, d], s)
        let wq = normal([heads, d, dh], s), wk = normal([heads, d, dh], s), wv = normal([heads, d, dh], s)
        let wo = normal([heads, dh, d], s)
        let win = normal([d, mlpWidth], s)
        let wout = normal([mlpWidth, d], 1 / Float(mlpWidth).squareRoot())
        let u = normal([d, outputs], s)
        self.init(embed: e, positionEmbed: pos, queryWeight: wq, keyWeight: wk, valueWeight: wv, outputWeight: wo,
                  mlpIn: win, mlpInBias: Tensor(zeros: [mlpWidth]), mlpOut: wout, mlpOutBias: Tensor(zeros: [d]),
                  unembed: u)
    }

    /// A model with the given weights (shapes as in the type's documentation).
    public init(embed: Tensor, positionEmbed: Tensor, queryWeight: Tensor, keyWeight: Tensor, valueWeight: Tensor,
                outputWeight: Tensor, mlpIn: Tensor, mlpInBias: Tensor, mlpOut: Tensor, mlpOutBias: Tensor,
                unembed: Tensor) {
        self.embed = Embedding(weight: embed)
        self.positionEmbed = Variable(positionEmbed, requiresGrad: true)
        self.attention = CausalSelfAttention(queryWeight: queryWeight, keyWeight: keyWeight,
                                             valueWeight: valueWeight, outputWeight: outputWeight)
        self.mlp = ReLUMLP(input: Linear(weight: mlpIn, bias: mlpInBias), output: Linear(weight: mlpOut, bias: mlpOutBias))
        self.unembed = Variable(unembed, requiresGrad: true)
    }

    /// Names as in the reference fixtures and the grokking literature.
    public var namedParameters: [(name: String, variable: Variable)] {
        [("embed", embed.weight), ("pos_embed", positionEmbed),
         ("W_Q", attention.queryWeight), ("W_K", attention.keyWeight), ("W_V", attention.valueWeight),
         ("W_O", attention.outputWeight),
         ("W_in", mlp.input.weight), ("b_in", mlp.input.bias!), ("W_out", mlp.output.weight), ("b_out", mlp.output.bias!),
         ("unembed", unembed)]
    }

    public func logits(tokens: [Int], length: Int) -> Variable {
        forward(tokens: tokens, length: length, allPositions: false).logits
    }

    /// The forward pass with its intermediate activations.
    /// - Parameter allPositions: compute the MLP and logits at every position, not just the last.
    /// - Returns: logits [B·Tq, outputs] (Tq = T or 1), the attention pattern [B, H, Tq, T], and the MLP's
    ///   post-ReLU activations [B·Tq, d_mlp].
    public func forward(tokens: [Int], length t: Int, allPositions: Bool)
        -> (logits: Variable, pattern: Tensor, neurons: Variable)
    {
        let v = embed.weight.shape[0]
        precondition(tokens.count % t == 0 && t <= positionEmbed.shape[0], "token batch does not match the context")
        // Every (position, token) residual r₀ = embed[token] + pos_embed[position]: [T·V, d].
        let tokenOfRow = (0..<t).flatMap { _ in Array(0..<v) }
        let positionOfRow = (0..<t).flatMap { i in [Int](repeating: i, count: v) }
        let rows = embed(tokenOfRow) + positionEmbed.gatherRows(positionOfRow)
        // Example b, position i reads row i·V + token.
        let index = tokens.indices.map { ($0 % t) * v + tokens[$0] }
        let queryCount = allPositions ? t : 1
        let (attended, pattern) = attention(rows: rows, index: index, length: t, queryCount: queryCount)
        let readIndex = allPositions ? index : stride(from: t - 1, to: index.count, by: t).map { index[$0] }
        let residual = rows.gatherRows(readIndex) + attended
        let (mlpOut, neurons) = mlp(residual)
        let logits = Variable.matmul(residual + mlpOut, unembed)
        return (logits, pattern, neurons)
    }
}
