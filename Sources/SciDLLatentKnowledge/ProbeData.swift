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
            var out = [Float](); out.reserveCapacity(indices.count * d)
            for i in indices { out.append(contentsOf: t.scalars[((i * l + j) * d)..<((i * l + j + 1) * d)]) }
            return out
        }
        self.init(positive: gather(activations.positive), negative: gather(activations.negative),
                  labels: activations.labels.isEmpty ? [] : indices.map { activations.labels[$0] }, width: d)
    }

    /// x⁺ − x⁻, row by row.
    public var differences: [Float] { zip(positive, negative).map { $0 - $1 } }
}

/// CCS's normalisation: each side (x⁺ and x⁻) centred on its own mean, optionally scaled to unit
/// variance per dimension, so that the probe cannot tell the two sides apart by the answer token alone.
/// Fitted on the training pairs and applied unchanged to the test pairs.
public struct SideNormalisation: Sendable {
    var meanPositive: [Float], meanNegative: [Float]
    var scalePositive: [Float], scaleNegative: [Float]

    public init(fitting data: ProbeData, scalingVariance: Bool) {
        func stats(_ x: [Float]) -> (mean: [Float], scale: [Float]) {
            let (n, d) = (data.count, data.width)
            var mean = [Double](repeating: 0, count: d), square = mean
            for i in 0..<n { for k in 0..<d { let v = Double(x[i * d + k]); mean[k] += v; square[k] += v * v } }
            let m = mean.map { $0 / Double(n) }
            let scale = scalingVariance
                ? zip(square, m).map { Float(1 / max((max($0 / Double(n) - $1 * $1, 0) * Double(n) / Double(max(n - 1, 1))).squareRoot(), 1e-12)) }
                : [Float](repeating: 1, count: d)
            return (m.map(Float.init), scale)
        }
        (meanPositive, scalePositive) = stats(data.positive)
        (meanNegative, scaleNegative) = stats(data.negative)
    }

    public func apply(_ data: ProbeData) -> ProbeData {
        func normalise(_ x: [Float], _ mean: [Float], _ scale: [Float]) -> [Float] {
            var out = x
            let d = data.width
            for i in 0..<data.count { for k in 0..<d { out[i * d + k] = (x[i * d + k] - mean[k]) * scale[k] } }
            return out
        }
        return ProbeData(positive: normalise(data.positive, meanPositive, scalePositive),
                         negative: normalise(data.negative, meanNegative, scaleNegative), labels: data.labels, width: data.width)
    }
}
