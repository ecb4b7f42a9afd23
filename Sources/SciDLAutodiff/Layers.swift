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
    public init(input: Linear, output: Linear) { self.input = input; self.output = output }
    /// x: [N, d] → (output [N, d], hidden activations after the ReLU [N, d_mlp]).
    public func callAsFunction(_ x: Variable) -> (output: Variable, hidden: Variable) {
        let hidden = input(x).relu()
        return (output(hidden), hidden)
    }
}

/// Causal multi-head self-attention with per-head weights W_Q, W_K, W_V [H, d, dh] and W_O [H, dh, d].
///
/// Takes the residual stream as *distinct rows* plus an index saying which row sits at each (example,
/// position). For an ordinary batch the rows are the residual stream itself and the index is 0, 1, 2, …;
/// when many examples share rows (in a one-layer model over a small vocabulary, the residual at a position
/// depends only on the token there) the projections are computed once per distinct row, which is exact
/// and far cheaper.
///
/// The output is written as what it is: for each query, a sum over heads h and keys j of the pattern
/// times row j pushed through head h's OV circuit W_V[h]·W_O[h]. So the heads' value-output rows form one
/// table and the output mixes its rows with the pattern as weights (`Variable.mixingRows`).
public struct CausalSelfAttention {
    public let queryWeight, keyWeight, valueWeight, outputWeight: Variable
    public let heads: Int, headWidth: Int

    public init(queryWeight: Tensor, keyWeight: Tensor, valueWeight: Tensor, outputWeight: Tensor) {
        precondition(queryWeight.rank == 3 && keyWeight.shape == queryWeight.shape
                     && valueWeight.shape == queryWeight.shape, "attention weights must be [H, d, dh]")
        self.heads = queryWeight.shape[0]
        self.headWidth = queryWeight.shape[2]
        self.queryWeight = Variable(queryWeight, requiresGrad: true)
        self.keyWeight = Variable(keyWeight, requiresGrad: true)
        self.valueWeight = Variable(valueWeight, requiresGrad: true)
        self.outputWeight = Variable(outputWeight, requiresGrad: true)
    }

    /// - Parameters:
    ///   - rows: distinct residual rows [R, d].
    ///   - index: for example b and position i, `index[b * length + i]` is its row; B·T entries.
    ///   - length: positions per example (T).
    ///   - queryCount: how many final positions to compute outputs for (1 … T).
    /// - Returns: the attention output for those positions [B·Tq, d] and the pattern [B·Tq, H·T].
    public func callAsFunction(rows: Variable, index: [Int], length: Int, queryCount: Int)
        -> (output: Variable, pattern: Variable)
    {
        let a = pattern(rows: rows, index: index, length: length, queryCount: queryCount)
        let out = Variable.mixingRows(weights: a, table: valueOutputRows(rows),
                                      index: valueOutputIndex(index: index, length: length, queryCount: queryCount))
        return (out, a)
    }

    /// The attention pattern of the last `queryCount` positions: [B·Tq, H·T].
    public func pattern(rows: Variable, index: [Int], length: Int, queryCount: Int) -> Variable {
        let d = rows.shape[1], hd = heads * headWidth
        // [H, d, dh] → [d, H, dh] → [d, H·dh]: one product serves all heads.
        func project(_ w: Variable) -> Variable {
            Variable.matmul(rows, w.swappingFirstTwoAxes().reshaped([d, hd]))
        }
        let batch = index.count / length
        let queryIndex = (0..<batch).flatMap { b in ((length - queryCount)..<length).map { index[b * length + $0] } }
        return attentionPattern(queries: project(queryWeight), keys: project(keyWeight), heads: heads,
                                queryIndex: queryIndex, keyIndex: index, length: length)
    }

    /// Every row through every head's OV circuit: `rows · W_V[h] · W_O[h]`, as [R·H, d] with row r·H + h.
    public func valueOutputRows(_ rows: Variable) -> Variable {
        let d = rows.shape[1]
        let ov = Variable.batchedMatmul(valueWeight, outputWeight)  // [H, d, d]
        return Variable.matmul(rows, ov.swappingFirstTwoAxes().reshaped([d, heads * d])).reshaped([rows.shape[0] * heads, d])
    }

    /// For each query (b, i) and pattern column h·T + j, the row of `valueOutputRows` it weights, plus `offset`.
    public func valueOutputIndex(index: [Int], length t: Int, queryCount tq: Int, offset: Int = 0) -> [Int] {
        let batch = index.count / t
        var out: [Int] = []
        out.reserveCapacity(batch * tq * heads * t)
        for b in 0..<batch { for _ in 0..<tq { for h in 0..<heads { for j in 0..<t {
            out.append(offset + index[b * t + j] * heads + h)
        } } } }
        return out
    }
}
