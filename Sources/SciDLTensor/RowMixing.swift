/// Row mixing: weighted sums of gathered table rows, and their gradient — the kernel behind attention over
/// shared rows and behind the one-layer transformer's linearity reformulation.
///
///     out[i] = Σ_k w[i, k] · table[index[i, k]]            w [N, M], table [R, n], index N·M → out [N, n]
///
/// Both functions work on raw buffers the caller owns, so a training step that keeps its buffers across
/// steps allocates nothing here (`Variable.mixingRows` wraps them for autodiff).
public enum RowMixing {
    /// Fills `out` [N, n] with the weighted sums (relu of them with `rectified`). Zero weights (masked
    /// positions) are skipped.
    public static func mix(
        weights w: UnsafePointer<Float>, index: UnsafePointer<Int>, rows nOut: Int, terms m: Int,
        table: UnsafePointer<Float>, width n: Int, rectified: Bool, into out: UnsafeMutablePointer<Float>
    ) {
        // Each core zeroes and fills its own rows, so no serial pass clears the whole output first.
        parallelChunks(nOut, minimumPerThread: max(1, (1 << 14) / max(n * m, 1))) { rows in
            for i in rows {
                let o = out + i * n
                o.initialize(repeating: 0, count: n)
                for k in 0..<m {
                    let wk = w[i * m + k]
                    if wk == 0 { continue }
                    axpy(wk, table + index[i * m + k] * n, o, count: n)
                }
                if rectified { for e in 0..<n { o[e] = max(o[e], 0) } }
            }
        }
    }

    /// Columns per block of the gradient pass for rows `n` wide: at most 64, a multiple of 16, at least two
    /// blocks for n > 16. Fixed by n alone, so the sums, and a run's numbers, do not depend on the number of
    /// threads; 64 columns of a table of a thousand rows and of its gradient stay in a core's L2.
    public static func blockWidth(_ n: Int) -> Int { min(64, max(16, ((n + 1) / 2 + 15) / 16 * 16)) }

    /// How many floats `gradient`'s `partials` needs.
    public static func partialCount(rows nOut: Int, terms m: Int, width n: Int) -> Int {
        (n + blockWidth(n) - 1) / blockWidth(n) * nOut * m
    }

    /// The gradient of `mix` for the output gradient `g` [N, n]:
    ///
    ///     dweights[i, k] = g[i] · table[index[i, k]]        dtable[index[i, k]] += w[i, k] · g[i]
    ///
    /// With `rectifiedOutput` (the output of a rectified `mix`), g counts only where that output is positive.
    /// `tableGradient` is accumulated into (zero it first for a plain gradient); `weightGradient`, when given,
    /// is overwritten. `partials` is scratch of `partialCount` floats.
    ///
    /// Rows are shared between outputs, so cores split the columns: each block computes its share of every
    /// dot product and accumulates its columns of dtable in one pass over g, and the shares of each dot
    /// product are added in block order, so results do not depend on scheduling.
    public static func gradient(
        outputGradient g: UnsafePointer<Float>, weights w: UnsafePointer<Float>, index: UnsafePointer<Int>,
        rows nOut: Int, terms m: Int, table: UnsafePointer<Float>, width n: Int,
        rectifiedOutput: UnsafePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>?,
        tableGradient dt: UnsafeMutablePointer<Float>, partials: UnsafeMutablePointer<Float>
    ) {
        let width = blockWidth(n)
        let blocks = (n + width - 1) / width
        parallelChunks(blocks, minimumPerThread: nOut * m * n >= 1 << 16 ? 1 : blocks + 1) { blockRange in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { masked in
                for blk in blockRange {
                    let c0 = blk * width
                    let w0 = min(width, n - c0)
                    let pd = partials + blk * nOut * m
                    for i in 0..<nOut {
                        var gi = g + i * n + c0
                        if let o = rectifiedOutput.map({ $0 + i * n + c0 }) {
                            for e in 0..<w0 { masked[e] = o[e] > 0 ? gi[e] : 0 }
                            gi = UnsafePointer(masked.baseAddress!)
                        }
                        for k in 0..<m {
                            let row = index[i * m + k] * n + c0
                            pd[i * m + k] = dotThenAxpy(gi, table + row, alpha: w[i * m + k], dt + row, count: w0)
                        }
                    }
                }
            }
        }
        guard let dw else { return }
        parallelChunks(nOut * m) { range in
            for j in range { dw[j] = partials[j] }
            for blk in 1..<max(blocks, 1) { for j in range { dw[j] += partials[blk * nOut * m + j] } }
        }
    }
}
