import SciDLTensor

/// Grokfast (Lee et al. 2024, arXiv 2405.20233): treat each parameter's gradients over the steps as a signal,
/// low-pass filter it, and add the slow component back, amplified, before the optimizer sees the gradient:
///
///     ĝ_t = g_t + λ · slow_t
///
/// where `slow_t` is an exponential moving average, μ_t = α·μ_{t−1} + (1 − α)·g_t with μ_0 = g_0 (Grokfast,
/// the paper's defaults α = 0.98, λ = 2), or the mean of the last `window` gradients, added only once the
/// window is full (Grokfast-MA, w = 100, λ = 5). The paper's reading: the slow component drives the
/// generalising solution, the fast one memorisation.
public enum GradientFilter: Codable, Equatable, Sendable {
    case exponentialMovingAverage(alpha: Double, lambda: Double)
    case movingAverage(window: Int, lambda: Double)

    /// The paper's EMA setting for algorithmic data.
    public static let grokfast = GradientFilter.exponentialMovingAverage(alpha: 0.98, lambda: 2)
    /// The paper's moving-window setting for algorithmic data.
    public static let grokfastMA = GradientFilter.movingAverage(window: 100, lambda: 5)

    /// How the filter reads in a run's description.
    public var summary: String {
        switch self {
        case .exponentialMovingAverage(let a, let l): "Grokfast EMA (α \(a), λ \(l))"
        case .movingAverage(let w, let l): "Grokfast MA (window \(w), λ \(l))"
        }
    }

    /// What to change when a setting is out of range; nil when all are fine.
    public var problem: String? {
        switch self {
        case .exponentialMovingAverage(let a, let l):
            if !(0..<1).contains(a) { return "--grokfast-alpha must lie in [0, 1) (got \(a))" }
            if !l.isFinite || l < 0 { return "--grokfast-lambda must be ≥ 0 (got \(l))" }
        case .movingAverage(let w, let l):
            if w < 1 { return "--grokfast-window must be at least 1 (got \(w))" }
            if !l.isFinite || l < 0 { return "--grokfast-lambda must be ≥ 0 (got \(l))" }
        }
        return nil
    }
}

/// A filter's memory across steps: the moving average per parameter, or the last `window` gradients.
public struct GradientFilterState: Sendable {
    public let filter: GradientFilter
    /// EMA: one tensor per parameter. MA: the window's gradients, oldest first, each a list of parameter tensors.
    public private(set) var average: [Tensor] = []
    public private(set) var window: [[Tensor]] = []

    public init(_ filter: GradientFilter) { self.filter = filter }

    /// A state restored from a checkpoint.
    public init(_ filter: GradientFilter, average: [Tensor], window: [[Tensor]]) {
        self.filter = filter
        self.average = average
        self.window = window
    }

    /// Filters the current gradients of `parameters` in place (a missing gradient counts as zero).
    public mutating func apply(to parameters: [Variable]) {
        let gradients = parameters.map { $0.grad ?? Tensor(zeros: $0.shape) }
        switch filter {
        case .exponentialMovingAverage(let alpha, let lambda):
            if average.isEmpty { average = gradients }
            let (a, keep, l) = (Float(alpha), Float(1 - alpha), Float(lambda))
            for (i, p) in parameters.enumerated() {
                var g = gradients[i]
                average[i].scalars.withUnsafeMutableBufferPointer { m in
                    g.scalars.withUnsafeMutableBufferPointer { g in
                        for j in 0..<g.count {
                            m[j] = m[j] * a + g[j] * keep
                            g[j] += m[j] * l
                        }
                    }
                }
                p.grad = g
            }
        case .movingAverage(let size, let lambda):
            window.append(gradients)
            if window.count > size { window.removeFirst() }
            guard window.count == size else { return }
            let (count, l) = (Float(window.count), Float(lambda))
            for (i, p) in parameters.enumerated() {
                // The window summed oldest first, then divided: the reference's `sum(queue) / len(queue)`.
                var sum = Tensor(zeros: p.shape)
                sum.scalars.withUnsafeMutableBufferPointer { s in
                    for past in window {
                        past[i].scalars.withUnsafeBufferPointer { g in for j in 0..<s.count { s[j] += g[j] } }
                    }
                }
                var g = gradients[i]
                g.scalars.withUnsafeMutableBufferPointer { g in
                    sum.scalars.withUnsafeBufferPointer { s in for j in 0..<g.count { g[j] += s[j] / count * l } }
                }
                p.grad = g
            }
        }
    }
}
