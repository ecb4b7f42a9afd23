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
        let (l, d) = (activations.layers.count, activations.width)
        func gather(_ t: Tensor) -> [Float] {
            var out = [Float]()
            out.reserveCapacity(indices.count * d)
            for i in indices { out.append(contentsOf: t.scalars[((i * l + j) * d)..<((i * l + j + 1) * d)]) }
            return out
        }
        self.init(
            positive: gather(activations.positive), negative: gather(activations.negative),
            labels: activations.labels.isEmpty ? [] : indices.map { activations.labels[$0] }, width: d)
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

    public func apply(_ data: ProbeData) -> ProbeData {
        ProbeData(
            positive: ColumnMoments.standardise(data.positive, mean: meanPositive, scale: scalePositive),
            negative: ColumnMoments.standardise(data.negative, mean: meanNegative, scale: scaleNegative),
            labels: data.labels, width: data.width)
    }
}
