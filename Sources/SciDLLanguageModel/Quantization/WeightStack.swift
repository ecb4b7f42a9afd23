import SciDLTensor

/// Weight matrices that read the same input, stacked row-wise and multiplied as one — a block's query, key
/// and value projections, or its gate and up projections — so the input is packed for the BLAS once and
/// the products are as wide as possible. The matrices stay where they are; only panels are dequantised.
public struct WeightStack: Sendable {
    public let parts: [WeightMatrix]
    /// Σ parts' rows.
    public let rows: Int
    public let columns: Int
    /// Where each part's rows start in the stack, plus the total.
    let starts: [Int]

    public init(_ parts: [WeightMatrix]) {
        precondition(
            !parts.isEmpty && parts.allSatisfy { $0.columns == parts[0].columns },
            "stacked matrices must share their input width")
        self.parts = parts
        columns = parts[0].columns
        starts = segmentStarts(parts.map(\.rows))
        rows = starts.last!
    }

    /// Stacked rows `range` as floats into `out` ([range.count, columns]).
    func dequantizeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        for (i, part) in parts.enumerated() {
            let lower = max(range.lowerBound, starts[i])
            let upper = min(range.upperBound, starts[i + 1])
            guard lower < upper else { continue }
            part.dequantizeRows(
                (lower - starts[i])..<(upper - starts[i]), into: out + (lower - range.lowerBound) * columns)
        }
    }

    /// y ← x · Wᵀ + beta · y for x [tokens, columns] (rows `inputStride` apart, default `columns`) and
    /// y [tokens, rows], W the stacked [rows, columns] matrix. A lone F32 matrix is multiplied in place;
    /// otherwise rows are dequantised a panel at a time (all cores at once) into a buffer of at most 16 MB,
    /// and each panel is one BLAS product split across the cores: the model is never held in full precision,
    /// and the BLAS sees products as large as for a float model. With `compute` `.int8`, quantised weights
    /// are multiplied in llama.cpp's integer arithmetic instead (`multiplyInInt8`).
    public func multiply(
        _ x: UnsafePointer<Float>, inputStride: Int? = nil, tokens: Int,
        into y: UnsafeMutablePointer<Float>, beta: Float = 0, compute: ComputeMode = .exact
    ) {
        guard tokens > 0 else { return }
        let lda = inputStride ?? columns
        if compute == .int8, multipliesInInt8 {
            multiplyInInt8(x, inputStride: lda, tokens: tokens, into: y, beta: beta)
            return
        }
        if parts.count == 1, parts[0].type == .f32 {
            BLAS.gemm(
                transposeA: false, transposeB: true, m: tokens, n: rows, k: columns, a: x, lda: lda,
                b: parts[0].bytes.baseAddress!.assumingMemoryBound(to: Float.self), ldb: columns,
                beta: beta, c: y, ldc: rows, splitting: true)
            return
        }
        let panelRows = min(rows, max(16, (1 << 22) / columns))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: panelRows * columns)
        defer { buffer.deallocate() }
        for first in stride(from: 0, to: rows, by: panelRows) {
            let count = min(panelRows, rows - first)
            parallelChunks(count, minimumPerThread: max(1, (1 << 15) / columns)) { range in
                dequantizeRows(
                    (first + range.lowerBound)..<(first + range.upperBound), into: buffer + range.lowerBound * columns)
            }
            BLAS.gemm(
                transposeA: false, transposeB: true, m: tokens, n: count, k: columns, a: x, lda: lda,
                b: buffer, ldb: columns, beta: beta, c: y + first, ldc: rows, splitting: true)
        }
    }
}
