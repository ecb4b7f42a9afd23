import SciDLAutodiff
import SciDLSupport
import SciDLTensor

/// A model that reads token sequences of a fixed length and classifies each from its final position.
public protocol SequenceClassifier: Module {
    /// tokens: B·T ids, example-major; returns logits at the last position [B, outputs].
    func logits(tokens: [Int], length: Int) -> Variable
    /// The same logits as values only, for evaluation: models with a faster path without gradients use it.
    func logitValues(tokens: [Int], length: Int) -> Tensor
    /// The token embedding [vocabulary, d].
    var tokenEmbedding: Tensor { get }
    /// Each hidden neuron's direct effect on the logits [neurons, outputs].
    var neuronLogitMap: Tensor { get }
}

extension SequenceClassifier {
    public func logitValues(tokens: [Int], length: Int) -> Tensor { logits(tokens: tokens, length: length).value }
}

/// Which architecture `scidl grok` trains.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// The one-layer transformer of the grokking papers.
    case transformer
    /// Embeddings of the operands, concatenated, into a one-hidden-layer ReLU MLP.
    case mlp
}

/// Sizes of the models (the grokking papers' defaults).
public struct ModelShape: Codable, Sendable, Equatable {
    public var kind: ModelKind = .transformer
    public var modelWidth = 128
    public var heads = 4
    public var mlpWidth = 512

    public init(kind: ModelKind = .transformer, modelWidth: Int = 128, heads: Int = 4, mlpWidth: Int = 512) {
        self.kind = kind
        self.modelWidth = modelWidth
        self.heads = heads
        self.mlpWidth = mlpWidth
    }

    /// Checks the sizes, explaining what to change.
    public func validate() throws {
        guard modelWidth > 0, mlpWidth > 0, heads > 0 else {
            throw SciDLError("model sizes must be positive (d_model \(modelWidth), heads \(heads), d_mlp \(mlpWidth))")
        }
        // Bounds far above any grokking model, so a damaged config cannot ask for terabytes.
        guard modelWidth <= 8192, mlpWidth <= 65_536, modelWidth * mlpWidth <= 1 << 26 else {
            throw SciDLError(
                """
                model sizes d_model \(modelWidth), d_mlp \(mlpWidth) are too large: use d_model ≤ 8192 and \
                d_mlp ≤ 65536
                """)
        }
        guard modelWidth % heads == 0 else {
            throw SciDLError(
                "d_model \(modelWidth) is not divisible by \(heads) heads: pick --heads dividing --d-model")
        }
    }

    /// Builds a freshly initialised model for a task.
    public func makeModel(
        vocabulary: Int, outputs: Int, length: Int,
        using rng: inout SeededGenerator
    ) -> any SequenceClassifier {
        switch kind {
        case .transformer:
            return OneLayerTransformer(
                vocabulary: vocabulary, outputs: outputs, length: length, width: modelWidth,
                heads: heads, mlpWidth: mlpWidth, using: &rng)
        case .mlp:
            return EmbeddingMLP(
                vocabulary: vocabulary, outputs: outputs, operands: length - 1,
                width: modelWidth, hiddenWidth: mlpWidth, using: &rng)
        }
    }
}
