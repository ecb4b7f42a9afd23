import SciDLTensor

extension Variable {
    /// Mean cross-entropy of `logits` [N, C] against integer class `targets` (N of them), through softmax
    /// or StableMax (`loss`).
    ///
    /// Fused with the softmax: the pullback is (softmax(logits) − onehot(targets)) / N, which is both
    /// cheaper and more accurate than differentiating log(softmax) step by step (StableMax's row gradient
    /// likewise comes from its own formula).
    public func crossEntropy(targets: [Int], loss kind: ClassificationLoss = .softmax) -> Variable {
        let n = value.rowCount
        let c = value.rowLength
        let shape = value.shape
        // Each row's loss weighted 1/N: the mean, in the arithmetic every saved run was trained with.
        let weights = [Float](repeating: 1 / Float(n), count: n)
        precondition(targets.count == n, "\(targets.count) targets for \(n) rows of logits")
        precondition(targets.allSatisfy { $0 >= 0 && $0 < c }, "a target is out of range 0..<\(c)")
        // One pass per row: the row's gradient (softmax probabilities less the one-hot), and −log p[target]
        // computed from the logits (x_t − max − log Σ exp), which stays accurate when p[target] underflows: the
        // tensor module's row.
        var rowLoss = [Double](repeating: 0, count: n)
        let rowGradients = [Float](unsafeUninitializedCapacity: n * c) { P, initialized in
            value.scalars.withUnsafeBufferPointer { X in
                rowLoss.withUnsafeMutableBufferPointer { L in
                    parallelChunks(n, minimumPerThread: max(1, 4096 / max(c, 1))) { rows in
                        for i in rows {
                            let x = X.baseAddress! + i * c
                            let p = P.baseAddress! + i * c
                            p.update(from: x, count: c)
                            L[i] = kind.lossAndGradient(p, count: c, target: targets[i])
                        }
                    }
                }
            }
            initialized = n * c
        }
        let loss = Float(zip(rowLoss, weights).reduce(0) { $0 + $1.0 * Double($1.1) })  // fixed order: deterministic
        return Variable(Tensor(scalar: loss), parents: [self]) { g in
            var d = Tensor(shape: [n, c], scalars: rowGradients)
            let scale = g.scalar
            d.scalars.withUnsafeMutableBufferPointer { o in
                parallelChunks(n, minimumPerThread: max(1, 4096 / max(c, 1))) { rows in
                    for i in rows {
                        let w = scale * weights[i]
                        for j in 0..<c { o[i * c + j] *= w }
                    }
                }
            }
            return [d.reshaped(shape)]
        }
    }
}
