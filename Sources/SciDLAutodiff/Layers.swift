import SciDLTensor

/// A lookup table: token `t` → row `t` of `weight` [vocabulary, width].
public struct Embedding {
    public let weight: Variable
    public init(weight: Tensor) { self.weight = Variable(weight, requiresGrad: true) }
    /// indices: [N] → [N, width].
    public func callAsFunction(_ indices: [Int]) -> Variable { weight.gatherRows(indices) }
}

/// x ↦ x·W + b with W [in, out] and an optional bias b [out].
public struct Linear {
    public let weight: Variable
    public let bias: Variable?
    public init(weight: Tensor, bias: Tensor?) {
        self.weight = Variable(weight, requiresGrad: true)
        self.bias = bias.map { Variable($0, requiresGrad: true) }
    }
    /// x: [..., in] → [..., out].
    public func callAsFunction(_ x: Variable) -> Variable {
        let y = Variable.matmul(x, weight)
        return bias.map { y.addingToEachRow($0) } ?? y
    }
}

/// The two-layer ReLU perceptron of a transformer block: x ↦ relu(x·W_in + b_in)·W_out + b_out.
public struct ReLUMLP {
    public let input: Linear
    public let output: Linear
    public init(input: Linear, output: Linear) {
        self.input = input
        self.output = output
    }
    /// x: [N, d] → (output [N, d], hidden activations after the ReLU [N, d_mlp]).
    public func callAsFunction(_ x: Variable) -> (output: Variable, hidden: Variable) {
        let hidden = input(x).relu()
        return (output(hidden), hidden)
    }
}
