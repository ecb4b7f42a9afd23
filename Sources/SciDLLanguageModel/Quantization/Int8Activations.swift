import SciDLTensor

/// The input rows of a product rounded to int8, as llama.cpp rounds them before its integer dot products:
/// per block, scale = max |x| / 127 and value = x / scale rounded to the nearest integer (halves away from
/// zero), so x ≈ scale·value with |value| ≤ 127. Blocks of 256 (llama.cpp's Q8_K) for K-quant weights, of
/// 32 (Q8_1) for the 32-value types; with each weight group's Σ values, for the weights' offsets, and its
/// scale·Σ values, for their minimums.
/// Rows are padded with zeros to a multiple of four, the kernel's tile.
struct Int8Activations {
    let rows: Int, paddedRows: Int, columns: Int, blockLength: Int, groupLength: Int
    /// [paddedRows, columns].
    private(set) var values: [Int8]
    /// [paddedRows, columns / blockLength].
    private(set) var scales: [Float]
    /// [paddedRows, columns / groupLength]: the block's scale times the group's Σ values.
    private(set) var groupSums: [Float]
    /// [paddedRows, columns / groupLength]: the group's Σ values.
    private(set) var integerSums: [Int32]

    /// Rounds x [rows, columns] (rows `stride` apart) in blocks of `blockLength`, summing groups of `groupLength`
    /// (which divides it; both divide `columns`).
    init(_ x: UnsafePointer<Float>, stride: Int, rows: Int, columns: Int, blockLength: Int, groupLength: Int) {
        self.rows = rows
        self.columns = columns
        self.blockLength = blockLength
        self.groupLength = groupLength
        paddedRows = (rows + 3) / 4 * 4
        let blocks = columns / blockLength, groups = columns / groupLength
        var values = [Int8](repeating: 0, count: paddedRows * columns)
        var scales = [Float](repeating: 0, count: paddedRows * blocks)
        var groupSums = [Float](repeating: 0, count: paddedRows * groups)
        var integerSums = [Int32](repeating: 0, count: paddedRows * groups)
        values.withUnsafeMutableBufferPointer { q in
            scales.withUnsafeMutableBufferPointer { scales in
                groupSums.withUnsafeMutableBufferPointer { groupSums in
                    integerSums.withUnsafeMutableBufferPointer { integerSums in
                        let (q, scales) = (q.baseAddress!, scales.baseAddress!)
                        let (groupSums, integerSums) = (groupSums.baseAddress!, integerSums.baseAddress!)
                        parallelChunks(rows, minimumPerThread: max(1, (1 << 16) / columns)) { range in
                            for r in range {
                                for b in 0..<blocks {
                                    let scale = Self.round(
                                        x + r * stride + b * blockLength, count: blockLength,
                                        into: q + r * columns + b * blockLength)
                                    scales[r * blocks + b] = scale
                                    for g in (b * blockLength / groupLength)..<((b + 1) * blockLength / groupLength) {
                                        var sum = 0
                                        for i in 0..<groupLength { sum += Int(q[r * columns + g * groupLength + i]) }
                                        groupSums[r * groups + g] = scale * Float(sum)
                                        integerSums[r * groups + g] = Int32(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.values = values
        self.scales = scales
        self.groupSums = groupSums
        self.integerSums = integerSums
    }

    /// Rounds `count` floats into `out`, returning their scale.
    static func round(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Int8>) -> Float {
        var largest: Float = 0
        for i in 0..<count { largest = max(largest, abs(x[i])) }
        let scale = largest / 127
        let inverse: Float = scale > 0 ? 1 / scale : 0
        for i in 0..<count {
            let v = (x[i] * inverse).rounded()
            out[i] = v.isNaN ? 0 : Int8(max(-127, min(127, v)))  // a NaN or infinite row rounds to zeros
        }
        return scale
    }
}
