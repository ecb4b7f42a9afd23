import SciDLSupport
import SciDLTensor

/// Something with named, trainable parameters.
///
/// Names are stable (TransformerLens style, e.g. `blocks.0.attn.W_Q`): checkpoints, norms in metrics files
/// and reference fixtures all refer to parameters by them.
public protocol Module {
    /// The parameters with their names, in a fixed order.
    var namedParameters: [(name: String, variable: Variable)] { get }
}

extension Module {
    /// The parameter variables in `namedParameters` order.
    public var parameters: [Variable] { namedParameters.map(\.variable) }

    /// The L2 norm of all parameters together.
    public var parameterNorm: Double {
        parameters.reduce(0) { $0 + $1.value.sumOfSquares() }.squareRoot()
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.grad = nil } }
}

extension Module {
    /// Replaces parameter values by name (from a checkpoint or a reference file).
    /// - Throws: if a name is missing or a shape differs.
    public func load(_ tensors: [String: Tensor], prefix: String = "", source: String) throws {
        for (name, p) in namedParameters {
            guard let t = tensors[prefix + name] else {
                throw SciDLError("\(source) has no tensor '\(prefix + name)': it was written by a different model")
            }
            guard t.shape == p.shape else {
                throw SciDLError(
                    """
                        \(source): '\(prefix + name)' has shape \(t.shape) but the model needs \(p.shape) (different \
                        model sizes?)
                        """
                )
            }
            p.value = t
        }
    }
}
