import SciDLTensor

/// One layer's contrast-pair activations as flat row-major [n, d] matrices, ready for probes.
public struct ProbeData: Sendable {
    public var positive: [Float]
    public var negative: [Float]
    /// 1 when x⁺ is true (empty if unknown).
    public var labels: [Int]
    public let count: Int
    public let width: Int

    public init(positive: [Float], negative: [Float], labels: [Int], width: Int) {
        precondition(positive.count == negative.count && positive.count % width == 0)
        self.positive = positive
        self.negative = negative
        self.labels = labels
        self.width = width
        count = positive.count / width
    }

    /// Slot `j` of `activations`, restricted to the pairs at `indices`.
    public init(_ activations: ContrastActivations, layer j: Int, indices: [Int]) {
        self.init(
            positive: activations.rows(.positive, slot: j, pairs: indices),
            negative: activations.rows(.negative, slot: j, pairs: indices),
            labels: activations.labels.isEmpty ? [] : indices.map { activations.labels[$0] }, width: activations.width)
    }

    /// x⁺ − x⁻, row by row.
    public var differences: [Float] { zip(positive, negative).map { $0 - $1 } }
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
