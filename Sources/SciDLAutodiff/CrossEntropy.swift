import SciDLTensor

extension Variable {
    /// Mean cross-entropy of `logits` [N, C] against integer class `targets` (N of them).
    ///
    /// Fused with the softmax: the pullback is (softmax(logits) − onehot(targets)) / N, which is both
    /// cheaper and more accurate than differentiating log(softmax) step by step.
    public func crossEntropy(targets: [Int]) -> Variable {
        let n = value.rowCount, c = value.rowLength
        precondition(targets.count == n, "\(targets.count) targets for \(n) rows of logits")
        let probs = value.softmaxRows()
        var total = 0.0
        probs.scalars.withUnsafeBufferPointer { p in
            for (i, t) in targets.enumerated() {
                precondition(t >= 0 && t < c, "target \(t) out of range 0..<\(c)")
                // log p computed from the logits for accuracy when p underflows.
                total -= Double(logSoftmaxEntry(row: i, column: t))
            }
        }
        func logSoftmaxEntry(row i: Int, column t: Int) -> Float {
            value.scalars.withUnsafeBufferPointer { l in
                let r = UnsafeBufferPointer(rebasing: l[(i * c)..<((i + 1) * c)])
                let m = r.max()!
                var z: Float = 0
                for x in r { z += expf(x - m) }
                return r[t] - m - logf(z)
            }
        }
        let loss = Float(total / Double(n))
        return Variable(Tensor(scalar: loss), parents: [self]) { g in
            var d = probs
            let scale = g.scalar / Float(n)
            d.scalars.withUnsafeMutableBufferPointer { o in
                for (i, t) in targets.enumerated() { o[i * c + t] -= 1 }
                for i in 0..<o.count { o[i] *= scale }
            }
            return [d]
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
