import SciDLTensor

extension Variable {
    /// Weighted sums of table rows: `out[i] = Σ_m weights[i, m] · table[index[i·M + m]]`.
    ///
    /// weights [N, M], table [R, n], index N·M row numbers → [N, n]. Attention is this with the pattern
    /// as weights and value rows as the table; so is an embedding bag. Zero weights (masked positions)
    /// are skipped. With `rectified`, returns relu of the sums: the same as `.relu()` after, without two
    /// more passes over the output.
    public static func mixingRows(
        weights w: Variable, table: Variable, index: [Int], rectified: Bool = false
    ) -> Variable {
        let nOut = w.shape[0]
        let m = w.shape[1]
        let r = table.shape[0]
        let n = table.shape[1]
        precondition(
            w.value.rank == 2 && table.value.rank == 2 && index.count == nOut * m,
            "mixingRows: weights \(w.shape), table \(table.shape), \(index.count) indices")
        precondition(index.allSatisfy { $0 >= 0 && $0 < r }, "mixingRows: index out of range 0..<\(r)")
        // Each core zeroes and fills its own rows, so no serial pass clears the whole output first.
        let out = [Float](unsafeUninitializedCapacity: nOut * n) { O, initialized in
            w.value.scalars.withUnsafeBufferPointer { W in
                table.value.scalars.withUnsafeBufferPointer { T in
                    parallelChunks(nOut, minimumPerThread: max(1, (1 << 14) / max(n * m, 1))) { rows in
                        for i in rows {
                            let o = O.baseAddress! + i * n
                            o.initialize(repeating: 0, count: n)
                            for k in 0..<m {
                                let wk = W[i * m + k]
                                if wk == 0 { continue }
                                axpy(wk, T.baseAddress! + index[i * m + k] * n, o, count: n)
                            }
                            if rectified { for e in 0..<n { o[e] = max(o[e], 0) } }
                        }
                    }
                }
            }
            initialized = nOut * n
        }
        let wv = w.value
        let tv = table.value
        let result = out
        return Variable(Tensor(shape: [nOut, n], scalars: out), parents: [w, table]) { g in
            // With `rectified`, the gradient reaching the sums is g where the output is positive, else 0.
            // dweights[i, m] = g[i] · table[index[i, m]];  dtable[index[i, m]] += weights[i, m] · g[i].
            // Rows are shared between outputs, so cores split the columns: each computes its share of every
            // dot product and accumulates its columns of dtable in one pass over g; the shares of each dot
            // product are then added in a fixed order, so results do not depend on scheduling.
            // Blocks of at most 128 columns, two or more for n > 16, each a multiple of 16 wide: fixed by n
            // alone, so the sums, and the run's numbers, are the same whatever the number of threads (the
            // blocks a 2-core machine always had).
            let half = (n + 1) / 2
            let blockWidth = min(128, max(16, (half + 15) / 16 * 16))
            let blocks = (n + blockWidth - 1) / blockWidth
            var partial = [Float](repeating: 0, count: blocks * nOut * m)
            var dt = [Float](repeating: 0, count: r * n)
            g.scalars.withUnsafeBufferPointer { G in
                wv.scalars.withUnsafeBufferPointer { W in
                    tv.scalars.withUnsafeBufferPointer { T in
                        result.withUnsafeBufferPointer { O in
                            partial.withUnsafeMutableBufferPointer { PD in
                                dt.withUnsafeMutableBufferPointer { DT in
                                    parallelChunks(blocks, minimumPerThread: nOut * m * n >= 1 << 16 ? 1 : blocks + 1) {
                                        blockRange in
                                        let masked = UnsafeMutablePointer<Float>.allocate(capacity: blockWidth)
                                        defer { masked.deallocate() }
                                        for blk in blockRange {
                                            let c0 = blk * blockWidth
                                            let width = min(blockWidth, n - c0)
                                            let pd = PD.baseAddress! + blk * nOut * m
                                            for i in 0..<nOut {
                                                var gi = UnsafePointer(G.baseAddress! + i * n + c0)
                                                if rectified {
                                                    let o = O.baseAddress! + i * n + c0
                                                    for e in 0..<width { masked[e] = o[e] > 0 ? gi[e] : 0 }
                                                    gi = UnsafePointer(masked)
                                                }
                                                for k in 0..<m {
                                                    let row = index[i * m + k] * n + c0
                                                    pd[i * m + k] = dotThenAxpy(
                                                        gi, T.baseAddress! + row, alpha: W[i * m + k],
                                                        DT.baseAddress! + row, count: width)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var dw = Tensor(zeros: wv.shape)
            dw.scalars.withUnsafeMutableBufferPointer { DW in
                partial.withUnsafeBufferPointer { PD in
                    parallelChunks(nOut * m) { range in
                        for blk in 0..<blocks { for j in range { DW[j] += PD[blk * nOut * m + j] } }
                    }
                }
            }
            return [w.requiresGrad ? dw : nil, table.requiresGrad ? Tensor(shape: tv.shape, scalars: dt) : nil]
        }
    }
}
