import SciDLTensor

#if arch(x86_64)
import SciDLInt8Kernels
#endif

extension WeightStack {
    /// Whether `ComputeMode.int8` multiplies this stack in integers: every part quantised, and integer kernels
    /// on this CPU.
    var multipliesInInt8: Bool {
        Int8Kernels.available != nil && parts.allSatisfy { Int8Weights.Layout($0.type) != nil }
    }

    /// y ← x · Wᵀ + beta · y as `multiply` does, in llama.cpp's integer arithmetic (`ComputeMode.int8`): x's
    /// rows rounded to int8 once per layout the parts need, then each core takes a share of the stacked rows,
    /// unpacks a panel of them at a time (kept in its cache) and runs the tile kernel for every four input
    /// rows against every sixteen rows of the panel.
    func multiplyInInt8(
        _ x: UnsafePointer<Float>, inputStride: Int, tokens: Int, into y: UnsafeMutablePointer<Float>, beta: Float,
        kernels: Int8Kernels = Int8Kernels.available!
    ) {
        #if arch(x86_64)
        var inputs: [Int8Weights.Layout: Int8Activations] = [:]
        for layout in Set(parts.map { Int8Weights.Layout($0.type)! }) {
            inputs[layout] = Int8Activations(
                x, stride: inputStride, rows: tokens, columns: columns, blockLength: layout.blockLength,
                groupLength: layout.groupLength)
        }
        // Whole pairs of octets (the kernel takes two), about 128 KB of unpacked values: in the L2 cache.
        let panelRows = max(16, min(256, (1 << 17) / columns / 16 * 16))
        let stackRows = rows
        // Whole pairs of octets per core.
        parallelChunks(rows, minimumPerThread: max(16, (1 << 18) / max(1, tokens * columns)), granularity: 16) {
            range in
            let weights = Int8Weights(capacity: panelRows, columns: columns)
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: 64)
            defer { tile.deallocate() }
            for first in stride(from: range.lowerBound, to: range.upperBound, by: panelRows) {
                let panel = first..<min(first + panelRows, range.upperBound)
                for (part, local) in segments(of: panel) {
                    weights.unpack(parts[part], rows: local)
                    let input = inputs[Int8Weights.Layout(parts[part].type)!]!
                    weights.multiply(
                        rows: local.count, by: input, kernels: kernels, tile: tile,
                        into: y + starts[part] + local.lowerBound, rowStride: stackRows, beta: beta)
                }
            }
        }
        #else
        preconditionFailure("no integer kernels on this architecture")
        #endif
    }

    /// The parts a range of stacked rows falls in, each with its rows local to that part.
    func segments(of range: Range<Int>) -> [(part: Int, rows: Range<Int>)] {
        parts.indices.compactMap { i in
            let lower = max(range.lowerBound, starts[i])
            let upper = min(range.upperBound, starts[i + 1])
            return lower < upper ? (i, (lower - starts[i])..<(upper - starts[i])) : nil
        }
    }
}

#if arch(x86_64)
extension Int8Weights {
    /// Runs the tile kernel for unpacked rows 0..<rows against every four input rows: y[t, r] ← product
    /// + beta·y[t, r] for the input rows t that exist, y's rows `rowStride` apart.
    func multiply(
        rows: Int, by input: Int8Activations, kernels: Int8Kernels, tile: UnsafeMutablePointer<Float>,
        into y: UnsafeMutablePointer<Float>, rowStride: Int, beta: Float
    ) {
        let k = columns
        input.values.withUnsafeBufferPointer { q in
            input.scales.withUnsafeBufferPointer { d in
                input.groupSums.withUnsafeBufferPointer { sums in
                    input.integerSums.withUnsafeBufferPointer { integerSums in
                        let (blocks, groups) = (k / input.blockLength, k / input.groupLength)
                        for quartet in 0..<(input.paddedRows / 4) {
                            let x = TokenQuartet(
                                values: q.baseAddress! + 4 * quartet * k, scales: d.baseAddress! + 4 * quartet * blocks,
                                groupSums: sums.baseAddress! + 4 * quartet * groups,
                                integerSums: integerSums.baseAddress! + 4 * quartet * groups, columns: k,
                                blockLength: input.blockLength)
                            let tokens = min(4, input.rows - 4 * quartet)
                            // Octets two at a time (an odd last one twice, its copy's products dropped).
                            let octets = (rows + 7) / 8
                            for o in stride(from: 0, to: octets, by: 2) {
                                kernels.octetPairTimesQuartet(octet(o), octet(min(o + 1, octets - 1)), x, into: tile)
                                for t in 0..<tokens {
                                    for half in 0..<min(2, octets - o) {
                                        Self.store(
                                            tile + 16 * t + 8 * half, count: min(8, rows - 8 * (o + half)),
                                            into: y + (4 * quartet + t) * rowStride + 8 * (o + half), beta: beta)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// out[i] ← p[i] + beta·out[i] for i < count (8 at once when whole).
    @inline(__always)
    static func store(_ p: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>, beta: Float) {
        if count == 8 {
            let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
            let o = UnsafeMutableRawPointer(out)
            let sum = beta == 0 ? v : v + beta * o.loadUnaligned(as: SIMD8<Float>.self)
            o.storeBytes(of: sum, as: SIMD8<Float>.self)
            return
        }
        for i in 0..<count { out[i] = beta == 0 ? p[i] : p[i] + beta * out[i] }
    }
}
#endif
