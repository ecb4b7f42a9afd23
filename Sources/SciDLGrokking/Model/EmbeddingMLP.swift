import SciDLAutodiff
import SciDLTensor

/// The simplest model that groks: embed each operand, concatenate, one hidden ReLU layer, logits.
///
///     h = relu([embed[a], embed[b]]·W_in + b_in)     W_in [2d, hidden]
///     logits = h·W_out + b_out                        W_out [hidden, p]
///
/// The final `=` token carries no information and is ignored.
public struct EmbeddingMLP: SequenceClassifier {
    public let embed: Embedding
    public let mlp: ReLUMLP
    public let operands: Int

    public init(
        vocabulary: Int, outputs: Int, operands: Int, width d: Int, hiddenWidth: Int,
        using rng: inout SeededGenerator
    ) {
        self.operands = operands
        let s = 1 / Float(d).squareRoot()
        embed = Embedding(weight: .randomNormal([vocabulary, d], standardDeviation: s, using: &rng))
        let win = Tensor.randomNormal(
            [operands * d, hiddenWidth],
            standardDeviation: 1 / Float(operands * d).squareRoot(), using: &rng)
        let wout = Tensor.randomNormal(
            [hiddenWidth, outputs],
            standardDeviation: 1 / Float(hiddenWidth).squareRoot(), using: &rng)
        mlp = ReLUMLP(
            input: Linear(weight: win, bias: Tensor(zeros: [hiddenWidth])),
            output: Linear(weight: wout, bias: Tensor(zeros: [outputs])))
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        [
            ("embed", embed.weight), ("W_in", mlp.input.weight), ("b_in", mlp.input.bias!),
            ("W_out", mlp.output.weight), ("b_out", mlp.output.bias!),
        ]
    }

    public var tokenEmbedding: Tensor { embed.weight.value }
    public var neuronLogitMap: Tensor { mlp.output.weight.value }

    public func logits(tokens: [Int], length t: Int) -> Variable {
        let parts = (0..<operands).map { i in embed(stride(from: i, to: tokens.count, by: t).map { tokens[$0] }) }
        return mlp(Variable.concatenatingRows(parts)).output
    }
}
