import SciDLTensor

/// Limited-memory BFGS with a backtracking (Armijo) line search, for the small smooth problems of
/// probe fitting: minimises `objective`, which returns the loss and its gradient at a point.
public struct LBFGS: Sendable {
    public var history = 10
    public var maxIterations = 500
    /// Stop when the gradient's largest component falls below this.
    public var gradientTolerance: Float = 1e-6

    public init(maxIterations: Int = 500, gradientTolerance: Float = 1e-6) {
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
    }

    public func minimise(
        from start: [Float], _ objective: ([Float]) -> (loss: Float, gradient: [Float])
    ) -> (point: [Float], loss: Float) {
        var x = start
        var (f, g) = objective(x)
        var steps: [[Float]] = []
        var changes: [[Float]] = []
        var rhos: [Float] = []
        for _ in 0..<maxIterations {
            if g.map(abs).max() ?? 0 < gradientTolerance { break }
            // Two-loop recursion: d = −H·g.
            var q = g
            var alphas = [Float](repeating: 0, count: steps.count)
            for i in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[i] = rhos[i] * dot(steps[i], q)
                for k in q.indices { q[k] -= alphas[i] * changes[i][k] }
            }
            if let s = steps.last, let y = changes.last {
                let gamma = dot(s, y) / dot(y, y)
                q = q.map { $0 * gamma }
            }
            for i in 0..<steps.count {
                let beta = rhos[i] * dot(changes[i], q)
                for k in q.indices { q[k] += steps[i][k] * (alphas[i] - beta) }
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, g)
            if !(slope < 0) {
                direction = g.map { -$0 }
                slope = dot(direction, g)
                steps = []
                changes = []
                rhos = []
            }
            var t: Float = steps.isEmpty ? min(1, 1 / max(g.map(abs).max() ?? 1, 1e-12)) : 1
            var accepted = false
            for _ in 0..<40 {
                let candidate = zip(x, direction).map { $0 + t * $1 }
                let (fc, gc) = objective(candidate)
                if fc <= f + 1e-4 * t * slope {
                    let s = zip(candidate, x).map { $0 - $1 }
                    let y = zip(gc, g).map { $0 - $1 }
                    let sy = dot(s, y)
                    if sy > 1e-10 {
                        steps.append(s)
                        changes.append(y)
                        rhos.append(1 / sy)
                        if steps.count > history {
                            steps.removeFirst()
                            changes.removeFirst()
                            rhos.removeFirst()
                        }
                    }
                    x = candidate
                    f = fc
                    g = gc
                    accepted = true
                    break
                }
                t *= 0.5
            }
            if !accepted { break }
        }
        return (x, f)
    }
}
