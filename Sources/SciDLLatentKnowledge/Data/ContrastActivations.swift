import Foundation
import SciDLSupport
import SciDLTensor

/// Hidden states of both members of every contrast pair, at one or more layers.
public struct ContrastActivations: Sendable {
    /// x⁺ states: [n, layers.count, d].
    public var positive: Tensor
    /// x⁻ states: [n, layers.count, d].
    public var negative: Tensor
    /// 1 when x⁺ is the true member; empty when unknown (unsupervised use only).
    public var labels: [Int]
    /// The name of each layer slot (0 = embeddings for a built-in model; whatever the file said otherwise).
    public var layers: [Int]

    public var count: Int { positive.shape[0] }
    public var width: Int { positive.shape[2] }

    /// Checks that the parts agree, naming `source` in the error.
    public init(positive: Tensor, negative: Tensor, labels: [Int], layers: [Int], source: String) throws {
        guard positive.rank == 3, positive.shape == negative.shape else {
            throw SciDLError(
                """
                    \(source): x⁺ activations have shape \(positive.shape) and x⁻ \(negative.shape); both must be [n, \
                    layers, d] alike
                    """
            )
        }
        guard positive.shape[0] > 0, positive.shape[2] > 0 else {
            throw SciDLError("\(source): there are no activations (shape \(positive.shape))")
        }
        guard layers.count == positive.shape[1] else {
            throw SciDLError("\(source): \(layers.count) layer names for \(positive.shape[1]) layers")
        }
        guard labels.isEmpty || labels.count == positive.shape[0] else {
            throw SciDLError("\(source): \(labels.count) labels for \(positive.shape[0]) contrast pairs")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw SciDLError("\(source): labels must be 0 or 1") }
        guard positive.scalars.allSatisfy(\.isFinite), negative.scalars.allSatisfy(\.isFinite) else {
            throw SciDLError("\(source): the activations contain NaN or infinite values")
        }
        self.positive = positive
        self.negative = negative
        self.labels = labels
        self.layers = layers
    }

    /// The safetensors form, in the layout `ActivationImport` reads: `positive` and `negative` as
    /// [layers, n, d], `labels`, `layers`, plus `metadata`.
    public func file(metadata: [String: String]) -> SafetensorsFile {
        SafetensorsFile(
            tensors: [
                "positive": positive.swappingFirstTwoAxes(), "negative": negative.swappingFirstTwoAxes(),
                "labels": Tensor(shape: [labels.count], scalars: labels.map(Float.init)),
                "layers": Tensor(shape: [layers.count], scalars: layers.map(Float.init)),
            ], metadata: metadata)
    }
}
