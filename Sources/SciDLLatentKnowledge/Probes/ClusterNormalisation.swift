/// How each side of the contrast pairs is normalised before the probes see it.
public enum Normalisation: String, Codable, CaseIterable, Sendable {
    /// The activations as they are.
    case none
    /// Burns et al.'s: each side centred (and with variance scaling, scaled) on the training pairs.
    case burns
    /// Cluster-Norm (Laurito et al. 2024): the pairs clustered by their means (x⁺ + x⁻)/2 with HDBSCAN, then
    /// each side centred (and scaled) within its cluster; outliers with the statistics of all training pairs.
    case cluster
}

/// Cluster-Norm fitted on training pairs: one `SideNormalisation` per cluster, and the global one for
/// outliers and for clusters with fewer than two training pairs (whose statistics would be noise).
public struct ClusterNormalisation: Sendable {
    var global: SideNormalisation
    var perCluster: [Int: SideNormalisation]

    /// `clusters` labels the rows of `train` (−1: an outlier).
    public init(fitting train: ProbeData, clusters: [Int], scalingVariance: Bool) {
        precondition(clusters.count == train.count)
        global = SideNormalisation(fitting: train, scalingVariance: scalingVariance)
        var rows: [Int: [Int]] = [:]
        for (i, c) in clusters.enumerated() where c >= 0 { rows[c, default: []].append(i) }
        perCluster = rows.filter { $0.value.count >= 2 }.mapValues {
            SideNormalisation(fitting: train.rows($0), scalingVariance: scalingVariance)
        }
    }

    /// `data` normalised row by row with its rows' clusters' statistics.
    public func apply(_ data: ProbeData, clusters: [Int]) -> ProbeData {
        precondition(clusters.count == data.count)
        var positive = [Float](repeating: 0, count: data.positive.count)
        var negative = positive
        var groups: [Int: [Int]] = [:]
        for (i, c) in clusters.enumerated() { groups[perCluster[c] == nil ? -1 : c, default: []].append(i) }
        for (c, rows) in groups {
            let normalised = (perCluster[c] ?? global).apply(data.rows(rows))
            let d = data.width
            for (k, i) in rows.enumerated() {
                positive.replaceSubrange((i * d)..<((i + 1) * d), with: normalised.positive[(k * d)..<((k + 1) * d)])
                negative.replaceSubrange((i * d)..<((i + 1) * d), with: normalised.negative[(k * d)..<((k + 1) * d)])
            }
        }
        return ProbeData(positive: positive, negative: negative, labels: data.labels, width: data.width)
    }
}

extension ProbeData {
    /// The pairs at `indices`, in that order.
    public func rows(_ indices: [Int]) -> ProbeData {
        func gather(_ x: [Float]) -> [Float] { indices.flatMap { x[($0 * width)..<(($0 + 1) * width)] } }
        return ProbeData(
            positive: gather(positive), negative: gather(negative),
            labels: labels.isEmpty ? [] : indices.map { labels[$0] }, width: width)
    }

    /// (x⁺ + x⁻) / 2, row by row: what Cluster-Norm clusters.
    public var pairMeans: [Float] { zip(positive, negative).map { ($0 + $1) / 2 } }
}
