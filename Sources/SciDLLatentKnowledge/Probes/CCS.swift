import Foundation
import SciDLAutodiff
import SciDLTensor

/// Contrast-Consistent Search (Burns et al. 2022).
///
///     p⁺ = σ(w·x⁺ + b),  p⁻ = σ(w·x⁻ + b)
///     L = mean[(p⁺ − (1 − p⁻))²  +  min(p⁺, p⁻)²]        (consistency + confidence)
///
/// All restarts train at once as the columns of one [d, R] weight matrix, so each epoch is four matrix
/// products; each column's arithmetic is exactly that of its own run.
public enum CCS {
    /// nn.Linear's default initialisation, U(−1/√d, 1/√d) for weights and bias: [d·R] (row-major
    /// [d, R]) and [R].
    static func initialParameters(width d: Int, restarts r: Int, random: inout SeededGenerator) -> ([Float], [Float]) {
        let bound = 1 / Float(d).squareRoot()
        func draw() -> Float { Float(random.nextUniform() * 2 - 1) * bound }
        var w = [Float](repeating: 0, count: d * r)
        var b = [Float](repeating: 0, count: r)
        for j in 0..<r {
            for k in 0..<d { w[k * r + j] = draw() }
            b[j] = draw()
        }
        return (w, b)
    }

    /// Trains `settings.restarts` probes and keeps the one with the lowest final loss.
    public static func fit(_ data: ProbeData, settings: CCSSettings, seed: UInt64) -> FittedProbe {
        var random = SeededGenerator(seed: seed, stream: .ccsStarts)
        let (d, r) = (data.width, max(1, settings.restarts))
        let (w0, b0) = initialParameters(width: d, restarts: r, random: &random)
        var finalW = w0
        var finalB = b0
        switch settings.optimizer {
        case .adamw:
            let w = Variable(Tensor(shape: [d, r], scalars: w0), requiresGrad: true)
            let b = Variable(Tensor(shape: [r], scalars: b0), requiresGrad: true)
            var optimizer = AdamW(learningRate: settings.learningRate, weightDecay: settings.weightDecay)
            for _ in 0..<settings.epochs {
                let step = lossAndGradients(
                    data, w: w.value.scalars, b: b.value.scalars, symmetric: settings.symmetricConfidence)
                w.grad = Tensor(shape: [d, r], scalars: step.gradW)
                b.grad = Tensor(shape: [r], scalars: step.gradB)
                optimizer.update([w, b])
            }
            finalW = w.value.scalars
            finalB = b.value.scalars
        case .lbfgs:
            for j in 0..<r {
                let start = (0..<d).map { w0[$0 * r + j] } + [b0[j]]
                let (x, _) = LBFGS(maxIterations: settings.epochs).minimise(from: start) { x in
                    let step = lossAndGradients(
                        data, w: Array(x[0..<d]), b: [x[d]], symmetric: settings.symmetricConfidence)
                    return (step.loss[0], step.gradW + step.gradB)
                }
                for k in 0..<d { finalW[k * r + j] = x[k] }
                finalB[j] = x[d]
            }
        }
        let losses = lossAndGradients(data, w: finalW, b: finalB, symmetric: settings.symmetricConfidence).loss
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        return FittedProbe(
            method: .ccs, direction: (0..<d).map { finalW[$0 * r + best] }, bias: finalB[best], loss: losses[best])
    }
}
