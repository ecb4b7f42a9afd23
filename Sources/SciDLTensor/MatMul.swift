/// Matrix products on tensors, all through `BLAS.gemm`.
extension Tensor {
    /// The matrix product of two rank-2 tensors, optionally transposing either: op(a) · op(b).
    ///
    /// Leading axes of `a` are flattened into rows when `a` has rank > 2 and is not transposed, so a
    /// `[batch, seq, d]` activation times a `[d, e]` weight gives `[batch, seq, e]`.
    public static func matmul(
        _ a: Tensor, _ b: Tensor,
        transposingA: Bool = false, transposingB: Bool = false
    ) -> Tensor {
        precondition(b.rank == 2, "matmul: right operand must have rank 2, got \(b.shape)")
        let (m, k): (Int, Int)
        if transposingA {
            precondition(a.rank == 2, "matmul: a transposed left operand must have rank 2, got \(a.shape)")
            (m, k) = (a.shape[1], a.shape[0])
        } else {
            precondition(a.rank >= 2, "matmul: left operand must have rank ≥ 2, got \(a.shape)")
            (m, k) = (a.rowCount, a.rowLength)
        }
        let (kb, n) = transposingB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(
            k == kb,
            "matmul: inner sizes differ, \(a.shape)\(transposingA ? "ᵀ" : "") · \(b.shape)\(transposingB ? "ᵀ" : "")")
        var shape = transposingA ? [m] : Array(a.shape.dropLast())
        shape.append(n)
        guard m > 0, n > 0, k > 0 else { return Tensor(zeros: shape) }
        // beta = 0: the BLAS overwrites every element, so the buffer need not be zeroed first.
        let out = [Float](unsafeUninitializedCapacity: m * n) { pc, initialized in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    BLAS.gemm(
                        transposeA: transposingA, transposeB: transposingB, m: m, n: n, k: k,
                        a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                }
            }
            initialized = m * n
        }
        return Tensor(shape: shape, scalars: out)
    }
}

extension Tensor {
    /// Products of matching slices along the first axis: op(a[i]) · op(b[i]) for each i.
    /// a: [N, m, k] (or [N, k, m] transposed), b: [N, k, n] (or [N, n, k]) → [N, m, n].
    public static func batchedMatmul(
        _ a: Tensor, _ b: Tensor,
        transposingA: Bool = false, transposingB: Bool = false
    ) -> Tensor {
        precondition(
            a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0], "batchedMatmul shapes \(a.shape) · \(b.shape)")
        let count = a.shape[0]
        let (m, k) = transposingA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let (kb, n) = transposingB ? (b.shape[2], b.shape[1]) : (b.shape[1], b.shape[2])
        precondition(k == kb, "batchedMatmul: inner sizes differ, \(a.shape) · \(b.shape)")
        var out = Tensor(zeros: [count, m, n])
        guard m > 0, n > 0, k > 0 else { return out }
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.scalars.withUnsafeMutableBufferPointer { pc in
                    forEachProduct(count) { i, splitting in
                        BLAS.gemm(
                            transposeA: transposingA, transposeB: transposingB, m: m, n: n, k: k,
                            a: pa.baseAddress! + i * m * k, b: pb.baseAddress! + i * k * n,
                            c: pc.baseAddress! + i * m * n, splitting: splitting)
                    }
                }
            }
        }
        return out
    }
}

extension Tensor {
}
