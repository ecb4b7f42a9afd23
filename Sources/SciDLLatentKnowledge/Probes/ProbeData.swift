import SciDLTensor

/// One layer's contrast-pair activations as flat row-major [n, d] matrices, ready for probes.
public struct ProbeData: Sendable {
    public var positive: [Float]
    public var negative: [Float]
    /// 1 when x⁺ is true (empty if unknown).
    public var labels: [Int]
    public let count: Int
    public let width: Int
    /// Pairs per block of the work done a block at a time (`forEachDifferenceBlock`, a cell's held-out pairs):
    /// about 4 MB of floats, whatever the data's size.
    public var rowsPerBlock: Int

    public init(positive: [Float], negative: [Float], labels: [Int], width: Int) {
        precondition(positive.count == negative.count && positive.count % width == 0)
        self.positive = positive
        self.negative = negative
        self.labels = labels
        self.width = width
        count = positive.count / width
        rowsPerBlock = max(1, (1 << 20) / width)
    }

    /// Slot `j` of `activations`, restricted to the pairs at `indices`.
    public init(_ activations: ContrastActivations, layer j: Int, indices: [Int]) {
        self.init(
            positive: activations.rows(.positive, slot: j, pairs: indices),
            negative: activations.rows(.negative, slot: j, pairs: indices),
            labels: activations.labels.isEmpty ? [] : indices.map { activations.labels[$0] }, width: activations.width)
    }

    /// x⁺ − x⁻, row by row (a copy of the layer's size: large data go through `forEachDifferenceBlock`).
    public var differences: [Float] { zip(positive, negative).map { $0 - $1 } }

    /// x⁺ − x⁻ a block of consecutive pairs at a time: the differences of a layer of any size without a second
    /// copy of it. `body` gets the block's first pair and the block ([rows, d] row-major), which it may
    /// overwrite; blocks come in pair order, so sums over them run in the same order as over a whole matrix.
    public func forEachDifferenceBlock(_ body: (Int, UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let d = width
        var block = [Float](repeating: 0, count: min(count, rowsPerBlock) * d)
        try positive.withUnsafeBufferPointer { p in
            try negative.withUnsafeBufferPointer { q in
                try block.withUnsafeMutableBufferPointer { b in
                    var first = 0
                    while first < count {
                        let rows = min(rowsPerBlock, count - first)
                        let part = UnsafeMutableBufferPointer(rebasing: b[0..<(rows * d)])
                        for e in 0..<(rows * d) { part[e] = p[first * d + e] - q[first * d + e] }
                        try body(first, part)
                        first += rows
                    }
                }
            }
        }
    }

    /// The column moments of x⁺ − x⁻ (summed block by block, equal to those of `differences`).
    public func differenceMoments(unbiased: Bool) -> ColumnMoments {
        var sums = ColumnMoments.Sums(columns: width)
        forEachDifferenceBlock { _, x in sums.add(UnsafeBufferPointer(x)) }
        return sums.moments(unbiased: unbiased)
    }
}

/// CCS's normalisation: each side (x⁺ and x⁻) centred on its own mean, optionally scaled to unit
/// variance per dimension, so that the probe cannot tell the two sides apart by the answer token alone.
/// Fitted on the training pairs and applied unchanged to the test pairs.
public struct SideNormalisation: Sendable, Equatable {
    public var meanPositive: [Float], meanNegative: [Float]
    public var scalePositive: [Float], scaleNegative: [Float]

    public init(meanPositive: [Float], meanNegative: [Float], scalePositive: [Float], scaleNegative: [Float]) {
        (self.meanPositive, self.meanNegative) = (meanPositive, meanNegative)
        (self.scalePositive, self.scaleNegative) = (scalePositive, scaleNegative)
    }

    public init(fitting data: ProbeData, scalingVariance: Bool) {
        func stats(_ x: [Float]) -> (mean: [Float], scale: [Float]) {
            let moments = ColumnMoments(x, rows: data.count, columns: data.width, unbiased: true)
            return (moments.mean, scalingVariance ? moments.inverseScale() : [Float](repeating: 1, count: data.width))
        }
        (meanPositive, scalePositive) = stats(data.positive)
        (meanNegative, scaleNegative) = stats(data.negative)
    }

    /// `data` normalised (in place when it is the caller's last use of it).
    public func apply(_ data: consuming ProbeData) -> ProbeData {
        var data = data
        // Moved out first, so the arrays are not shared while they are rewritten.
        let (positive, negative) = (data.positive, data.negative)
        (data.positive, data.negative) = ([], [])
        data.positive = ColumnMoments.standardise(positive, mean: meanPositive, scale: scalePositive)
        data.negative = ColumnMoments.standardise(negative, mean: meanNegative, scale: scaleNegative)
        return data
    }
}
