import Foundation
import SciDLTensor

/// The floating-point work of one training step, counted once here so that `scidl bench grok` can print
/// how close a step comes to the machine's limit (GFLOP/s achieved against the BLAS's own).
///
/// Counted: every matrix product and row-mixing sum of the forward pass as 2 FLOPs per multiply-add, and the
/// backward pass as twice the forward (each product has two operand gradients). Not counted: softmax,
/// cross-entropy, ReLU, AdamW and the gathers, which are a few percent.
public struct StepWork: Sendable, Equatable {
    /// Multiply-adds of the forward pass.
    public var forwardMultiplyAdds: Double
    /// FLOPs of a whole step: 3 × 2 × the forward multiply-adds.
    public var flops: Double { 6 * forwardMultiplyAdds }

    /// The work of a step of `config`'s model on `examples` training examples whose (position, token)
    /// rows number `rows` distinct ones, `queryRows` of them at the last position.
    public init(config: GrokConfig, outputs p: Int, examples b: Int, rows r: Int, queryRows rq: Int, length t: Int) {
        let shape = config.model
        let (d, m) = (Double(shape.modelWidth), Double(shape.mlpWidth))
        let (pp, bb, rr, rqq, tt) = (Double(p), Double(b), Double(r), Double(rq), Double(t))
        switch shape.kind {
        case .mlp:
            // [B, T−1 operands · d] · W_in, then · W_out.
            forwardMultiplyAdds = bb * (tt - 1) * d * m + bb * m * pp
        case .transformer:
            let h = Double(shape.heads)
            let dh = d / h
            let mixed = 1 + h * tt  // rows each example's residual mixes
            forwardMultiplyAdds =
                2 * rr * d * h * dh  // queries and keys of every row
                + bb * h * tt * dh  // the pattern's scores
                + h * d * dh * d + rr * d * h * d  // W_V·W_O, and every row through every head's OV circuit
                + (rqq + rr * h) * d * (m + pp)  // the rows' products with W_in and U
                + bb * mixed * (m + pp)  // mixing them per example
                + m * d * pp + d * pp  // W_out·U and b_out·U
                + bb * m * pp  // relu(·)·(W_out·U)
        }
    }

    /// Single-precision GFLOP/s of the BLAS on an n × n × n product split across this process's threads, as
    /// the models' products are: the best of `repeats`.
    public static func matrixProductRate(size n: Int = 2048, repeats: Int = 3) -> Double {
        var rng = SeededGenerator(seed: 0, stream: .initialisation)
        let a = Tensor.randomNormal([n, n], standardDeviation: 1, using: &rng)
        let b = Tensor.randomNormal([n, n], standardDeviation: 1, using: &rng)
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = Tensor.matmul(a, b)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
