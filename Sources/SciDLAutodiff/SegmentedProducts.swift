import SciDLTensor

extension Variable {
    /// Row segment i of x [Σ segments, k] times w[i] [k, n] → [Σ segments, n]: several models' batches,
    /// of different sizes, through their own weights in one operation.
    public static func segmentedMatmul(_ x: Variable, _ w: Variable, segments: [Int]) -> Variable {
        let xv = x.value
        let wv = w.value
        return Variable(Tensor.segmentedMatmul(xv, wv, segments: segments), parents: [x, w]) { g in
            [
                x.requiresGrad ? Tensor.segmentedMatmul(g, wv, segments: segments, transposingW: true) : nil,
                w.requiresGrad ? Tensor.segmentedOuterProducts(xv, g, segments: segments) : nil,
            ]
        }
    }

    /// Adds bias[i] [n] to every row of segment i of self [Σ segments, n].
    public func addingSegmentBiases(_ bias: Variable, segments: [Int]) -> Variable {
        let n = value.rowLength
        precondition(
            bias.shape == [segments.count, n] && segments.reduce(0, +) == value.rowCount,
            "addingSegmentBiases: \(value.shape) with biases \(bias.shape) over \(segments.count) segments")
        let starts = segmentStarts(segments)
        var out = value
        out.scalars.withUnsafeMutableBufferPointer { o in
            bias.value.scalars.withUnsafeBufferPointer { b in
                parallelChunks(segments.count, minimumPerThread: 1) { range in
                    for i in range {
                        for r in starts[i]..<starts[i + 1] {
                            axpy(1, b.baseAddress! + i * n, o.baseAddress! + r * n, count: n)
                        }
                    }
                }
            }
        }
        return Variable(out, parents: [self, bias]) { g in
            var db = Tensor(zeros: [segments.count, n])
            g.scalars.withUnsafeBufferPointer { gp in
                db.scalars.withUnsafeMutableBufferPointer { d in
                    parallelChunks(segments.count, minimumPerThread: 1) { range in
                        for i in range {
                            for r in starts[i]..<starts[i + 1] {
                                axpy(1, gp.baseAddress! + r * n, d.baseAddress! + i * n, count: n)
                            }
                        }
                    }
                }
            }
            return [g, db]
        }
    }
}
