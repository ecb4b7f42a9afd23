import SciDLTensor

// Omnigrok (Liu, Michaud & Tegmark 2022, arXiv 2210.01117) reads grokking as weight-norm dynamics: a network
// initialised large memorises at once and generalises only after weight decay has brought its norm down to
// the "Goldilocks zone"; held at a fixed norm there, it generalises without the delay. These two operations
// set the norm: scale the initialisation by α, and project back to a fixed norm after each step.

/// The L2 norm of all the parameters taken as one vector (summed in Double).
public func totalNorm(_ parameters: [Variable]) -> Double {
    parameters.reduce(0.0) { $0 + $1.value.sumOfSquares() }.squareRoot()
}

/// Multiplies every parameter by `factor` (Omnigrok's initialisation scale α).
public func scaleWeights(_ parameters: [Variable], by factor: Double) {
    let f = Float(factor)
    for p in parameters {
        p.value.scalars.withUnsafeMutableBufferPointer { w in for j in 0..<w.count { w[j] *= f } }
    }
}

/// Rescales all the parameters together so that their total L2 norm is `norm` (Omnigrok's constrained
/// training: one projection after each optimizer step). Nothing changes when all are zero.
public func projectWeights(_ parameters: [Variable], toNorm norm: Double) {
    let current = totalNorm(parameters)
    guard current > 0 else { return }
    scaleWeights(parameters, by: norm / current)
}
