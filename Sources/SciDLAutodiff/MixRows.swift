import SciDLTensor

extension Variable {
    /// Weighted sums of table rows: `out[i] = Σ_m weights[i, m] · table[index[i·M + m]]`.
    ///
    /// weights [N, M], table [R, n], index N·M row numbers → [N, n]. Attention is this with the pattern
    /// as weights and value rows as the table; so is an embedding bag. Zero weights (masked positions)
    /// are skipped. With `rectified`, returns relu of the sums: the same as `.relu()` after, without two
    /// more passes over the output. The arithmetic is `RowMixing`'s.
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
        let out = [Float](unsafeUninitializedCapacity: nOut * n) { O, initialized in
            w.value.scalars.withUnsafeBufferPointer { W in
                table.value.scalars.withUnsafeBufferPointer { T in
                    RowMixing.mix(
                        weights: W.baseAddress!, index: index, rows: nOut, terms: m, table: T.baseAddress!,
                        width: n, rectified: rectified, into: O.baseAddress!)
                }
            }
            initialized = nOut * n
        }
        let wv = w.value
        let tv = table.value
        return Variable(Tensor(shape: [nOut, n], scalars: out), parents: [w, table]) { g in
            var partials = [Float](repeating: 0, count: RowMixing.partialCount(rows: nOut, terms: m, width: n))
            var dw = Tensor(zeros: wv.shape)
            var dt = Tensor(zeros: tv.shape)
            g.scalars.withUnsafeBufferPointer { G in
                wv.scalars.withUnsafeBufferPointer { W in
                    tv.scalars.withUnsafeBufferPointer { T in
                        out.withUnsafeBufferPointer { O in
                            partials.withUnsafeMutableBufferPointer { PD in
                                dw.scalars.withUnsafeMutableBufferPointer { DW in
                                    dt.scalars.withUnsafeMutableBufferPointer { DT in
                                        RowMixing.gradient(
                                            outputGradient: G.baseAddress!, weights: W.baseAddress!, index: index,
                                            rows: nOut, terms: m, table: T.baseAddress!, width: n,
                                            rectifiedOutput: rectified ? O.baseAddress! : nil,
                                            weightGradient: DW.baseAddress!, tableGradient: DT.baseAddress!,
                                            partials: PD.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [w.requiresGrad ? dw : nil, table.requiresGrad ? dt : nil]
        }
    }
}
