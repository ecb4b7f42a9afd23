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
        // Each output element is ((0 + w₀t₀) + w₁t₁) + …, in term order, as a row of axpys would give; the sum
        // is kept in registers and stored once, not once per term.
        parallelChunks(nOut, minimumPerThread: max(1, (1 << 14) / max(n * m, 1))) { rows in
            withUnsafeTemporaryAllocation(of: (UnsafeRawPointer, Float).self, capacity: m) { terms in
                for i in rows {
                    var count = 0
                    for k in 0..<m where w[i * m + k] != 0 {
                        terms[count] = (UnsafeRawPointer(table + index[i * m + k] * n), w[i * m + k])
                        count += 1
                    }
                    let o = UnsafeMutableRawPointer(out + i * n)
                    @inline(__always) func store(_ sum: SIMD8<Float>, at c: Int) {
                        var sum = sum
                        if rectified { sum.replace(with: 0, where: sum .<= 0) }  // max(x, 0): −0 becomes 0, NaN stays
                        o.storeBytes(of: sum, toByteOffset: 4 * c, as: SIMD8<Float>.self)
                    }
                    var c = 0
                    // Four independent sums at a time: one sum is a chain of dependent additions, and the
                    // core can run four chains side by side in the time of one.
                    while c + 32 <= n {
                        var (a0, a1, a2, a3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                        for k in 0..<count {
                            let (row, weight) = terms[k]
                            a0 += weight * row.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
                            a1 += weight * row.loadUnaligned(fromByteOffset: 4 * c + 32, as: SIMD8<Float>.self)
                            a2 += weight * row.loadUnaligned(fromByteOffset: 4 * c + 64, as: SIMD8<Float>.self)
                            a3 += weight * row.loadUnaligned(fromByteOffset: 4 * c + 96, as: SIMD8<Float>.self)
                        }
                        store(a0, at: c)
                        store(a1, at: c + 8)
                        store(a2, at: c + 16)
                        store(a3, at: c + 24)
                        c += 32
                    }
                    while c + 8 <= n {
                        var acc = SIMD8<Float>()
                        for k in 0..<count {
                            acc += terms[k].1 * terms[k].0.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
                        }
                        store(acc, at: c)
                        c += 8
                    }
                    while c < n {
                        var acc: Float = 0
                        for k in 0..<count {
                            acc += terms[k].1 * terms[k].0.load(fromByteOffset: 4 * c, as: Float.self)
                        }
                        o.storeBytes(of: rectified ? max(acc, 0) : acc, toByteOffset: 4 * c, as: Float.self)
                        c += 1
                    }
                }
            }
        }
    }

    /// Columns per block of the gradient pass for rows `n` wide: half the row rounded up to a multiple of 16,
    /// at most 256 — two blocks for most widths, one per core on two cores. Fixed by n alone, so the sums,
    /// and a run's numbers, do not depend on the number of threads. Wide blocks measured fastest: each call
    /// of the kernel then does more work per gathered row.
    public static func blockWidth(_ n: Int) -> Int { min(256, max(16, ((n + 1) / 2 + 15) / 16 * 16)) }

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
    public static func gradient(
        outputGradient g: UnsafePointer<Float>, weights w: UnsafePointer<Float>, index: UnsafePointer<Int>,
        rows nOut: Int, terms m: Int, table: UnsafePointer<Float>, width n: Int,
        rectifiedOutput: UnsafePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>?,
        tableGradient dt: UnsafeMutablePointer<Float>, partials: UnsafeMutablePointer<Float>
    ) {
        gradient(
            outputGradientTiles: { rows, columns, tile in
                for (t, i) in rows.enumerated() {
                    (tile + t * columns.count).update(from: g + i * n + columns.lowerBound, count: columns.count)
                    if let o = rectifiedOutput {
                        zeroWhereNotPositive(
                            tile + t * columns.count, output: o + i * n + columns.lowerBound, count: columns.count)
                    }
                }
            }, rowsPerTile: 1, weights: w, index: index, rows: nOut, terms: m, table: table, width: n,
            weightGradient: dw, tableGradient: dt, partials: partials)
    }

    /// Rows of an output gradient handed to `gradient` a tile at a time: fill `tile` [rows.count, columns.count]
    /// with the gradient's `rows` and `columns` (starting at a block boundary, `blockWidth` columns per block;
    /// only the row's last block may be narrower). Called from several threads at once, for different columns.
    public typealias GradientTiles = (_ rows: Range<Int>, _ columns: Range<Int>, _ tile: UnsafeMutablePointer<Float>) ->
        Void

    /// `gradient` with the output gradient made `rowsPerTile` rows at a time by `fill`, for a caller that
    /// would otherwise write all of it out only for this pass to read it back: a product whose tiles stay in
    /// the cache between being written and read.
    ///
    /// Rows are shared between outputs, so cores split the columns: each block computes its share of every
    /// dot product and accumulates its columns of dtable in one pass over the output rows, and the shares of
    /// each dot product are added in block order, so results do not depend on scheduling.
    public static func gradient(
        outputGradientTiles fill: GradientTiles, rowsPerTile: Int, weights w: UnsafePointer<Float>,
        index: UnsafePointer<Int>,
        rows nOut: Int, terms m: Int, table: UnsafePointer<Float>, width n: Int,
        weightGradient dw: UnsafeMutablePointer<Float>?, tableGradient dt: UnsafeMutablePointer<Float>,
        partials: UnsafeMutablePointer<Float>
    ) {
        let width = blockWidth(n)
        let blocks = (n + width - 1) / width
        parallelChunks(blocks, minimumPerThread: nOut * m * n >= 1 << 16 ? 1 : blocks + 1) { blockRange in
            // Example by example over this core's columns; each block's arithmetic is the same in any loop
            // order.
            let c0 = blockRange.lowerBound * width
            let span = min(n, blockRange.upperBound * width) - c0
            // On the heap: a tile of a few hundred rows would be too large for a worker thread's stack.
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerTile * span)
            defer { tile.deallocate() }
            for i in 0..<nOut {
                if i % rowsPerTile == 0 { fill(i..<min(nOut, i + rowsPerTile), c0..<(c0 + span), tile) }
                let gi = UnsafePointer(tile + (i % rowsPerTile) * span)
                for blk in blockRange {
                    let b0 = blk * width - c0
                    let wb = min(width, n - blk * width)
                    let pd = partials + blk * nOut * m + i * m
                    var k = 0
                    while k + 4 <= m {
                        let alphas = SIMD4<Float>(
                            w[i * m + k], w[i * m + k + 1], w[i * m + k + 2], w[i * m + k + 3])
                        guard alphas[0] != 0, alphas[1] != 0, alphas[2] != 0, alphas[3] != 0 else { break }  // dotThenAxpy skips zero weights
                        let rows = SIMD4<Int>(
                            index[i * m + k], index[i * m + k + 1], index[i * m + k + 2], index[i * m + k + 3])
                        let dots = dotThenAxpy4(
                            gi + b0, rows: table + c0 + b0, rows &* n, alphas: alphas, gradients: dt + c0 + b0,
                            count: wb)
                        for j in 0..<4 { pd[k + j] = dots[j] }
                        k += 4
                    }
                    while k < m {
                        let row = index[i * m + k] * n + c0 + b0
                        pd[k] = dotThenAxpy(gi + b0, table + row, alpha: w[i * m + k], dt + row, count: wb)
                        k += 1
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

extension RowMixing {
    /// g[j] ← 0 where output[j] is not positive (relu's gradient: NaN outputs pass nothing either).
    public static func zeroWhereNotPositive(
        _ g: UnsafeMutablePointer<Float>, output o: UnsafePointer<Float>, count n: Int
    ) {
        let (rg, ro) = (UnsafeMutableRawPointer(g), UnsafeRawPointer(o))
        var j = 0
        while j + 8 <= n {
            let x = keptWherePositive(
                rg.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
                output: ro.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self))
            rg.storeBytes(of: x, toByteOffset: 4 * j, as: SIMD8<Float>.self)
            j += 8
        }
        while j < n {
            if !(o[j] > 0) { g[j] = 0 }
            j += 1
        }
    }
}

/// Relu's gradient on eight lanes: g where the output is positive, 0 elsewhere (NaN outputs pass nothing).
@inline(__always)
func keptWherePositive(_ g: SIMD8<Float>, output: SIMD8<Float>) -> SIMD8<Float> {
    var g = g
    g.replace(with: 0, where: .!(output .> 0))
    return g
}

/// `dotThenAxpy` for four table rows against one gradient row: each row's dot product and update are
/// computed with exactly `dotThenAxpy`'s arithmetic (the same partial sums, combined in the same order), so
/// results do not change; reading g once for four rows and one loop for all four is what makes it faster.
/// Every alpha must be non-zero (`dotThenAxpy` leaves dt untouched for a zero alpha).
@inline(__always)
func dotThenAxpy4(
    _ g: UnsafePointer<Float>, rows t: UnsafePointer<Float>, _ r: SIMD4<Int>, alphas: SIMD4<Float>,
    gradients dt: UnsafeMutablePointer<Float>, count n: Int
) -> SIMD4<Float> {
    let (t0, t1, t2, t3) = (
        UnsafeRawPointer(t + r[0]), UnsafeRawPointer(t + r[1]), UnsafeRawPointer(t + r[2]), UnsafeRawPointer(t + r[3])
    )
    let (d0, d1, d2, d3) = (
        UnsafeMutableRawPointer(dt + r[0]), UnsafeMutableRawPointer(dt + r[1]), UnsafeMutableRawPointer(dt + r[2]),
        UnsafeMutableRawPointer(dt + r[3])
    )
    let (a0, a1, a2, a3) = (
        SIMD8<Float>(repeating: alphas[0]), SIMD8<Float>(repeating: alphas[1]), SIMD8<Float>(repeating: alphas[2]),
        SIMD8<Float>(repeating: alphas[3])
    )
    var (s00, s01, s10, s11) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
    var (s20, s21, s30, s31) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
    let rg = UnsafeRawPointer(g)
    var i = 0
    @inline(__always) func step(
        _ t: UnsafeRawPointer, _ d: UnsafeMutableRawPointer, _ a: SIMD8<Float>, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>,
        _ acc0: inout SIMD8<Float>, _ acc1: inout SIMD8<Float>, at o: Int
    ) {
        acc0 += x0 * t.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
        acc1 += x1 * t.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
        d.storeBytes(
            of: d.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + a * x0, toByteOffset: o,
            as: SIMD8<Float>.self)
        d.storeBytes(
            of: d.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self) + a * x1, toByteOffset: o + 32,
            as: SIMD8<Float>.self)
    }
    while i + 16 <= n {
        let x0 = rg.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let x1 = rg.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
        step(t0, d0, a0, x0, x1, &s00, &s01, at: 4 * i)
        step(t1, d1, a1, x0, x1, &s10, &s11, at: 4 * i)
        step(t2, d2, a2, x0, x1, &s20, &s21, at: 4 * i)
        step(t3, d3, a3, x0, x1, &s30, &s31, at: 4 * i)
        i += 16
    }
    @inline(__always) func total(_ acc0: SIMD8<Float>, _ acc1: SIMD8<Float>) -> Float {
        let acc = acc0 + acc1
        return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
    }
    var s = SIMD4<Float>(total(s00, s01), total(s10, s11), total(s20, s21), total(s30, s31))
    while i < n {
        for k in 0..<4 {
            s[k] += g[i] * t[r[k] + i]
            dt[r[k] + i] += alphas[k] * g[i]
        }
        i += 1
    }
    return s
}
