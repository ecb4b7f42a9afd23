import SciDLReports
import SciDLTensor

/// What the unsupervised methods see: every pair's difference x⁺ − x⁻ at one layer, normalised as the probes
/// saw it (Burns: each side centred on all pairs), projected on the differences' first two principal
/// components. The critique's picture: when the pairs split along a distractor (the appended word), the split
/// is the first component, and the truth is not.
public struct DifferencePicture: Sendable {
    public var layer: Int
    /// Per pair, its coordinates on the first two components.
    public var coordinates: [(x: Double, y: Double)]
    /// Share of the differences' variance along each component.
    public var explained: (Double, Double)
    public var labels: [Int]
    /// Competing features, one value per pair.
    public var features: [PairFeature: [Int]]

    /// How many pairs there are in all (the picture shows `coordinates.count` of them).
    public var pairCount: Int

    /// The most pairs a picture draws: a seeded sample of them when there are more (a picture, not a statistic,
    /// and one a browser opens; it also keeps a 100,000-pair run's report to one block of memory).
    public static let largestPairCount = 5000

    /// The picture of `activations` at `layer` (nil when the activations do not hold it); more than
    /// `largestPairCount` pairs are sampled with `seed`.
    public init?(
        _ activations: ContrastActivations, layer: Int, features: [PairFeature: [Int]] = [:], seed: UInt64 = 0
    ) {
        guard let slot = activations.layers.firstIndex(of: layer), activations.count >= 3 else { return nil }
        var shown = Array(0..<activations.count)
        if shown.count > Self.largestPairCount {
            var random = SeededGenerator(seed: seed, stream: .pictureSample)
            shown = random.permutation(shown.count).prefix(Self.largestPairCount).sorted()
        }
        let all = ProbeData(activations, layer: slot, indices: shown)
        let centredSides = SideNormalisation(fitting: all, scalingVariance: false).apply(all)
        let (n, d) = (all.count, all.width)
        let differences = centredSides.differences
        let directions = principalDirections(differences, rows: n, columns: d, count: 2)
        func project(_ v: [Float]) -> [Double] {
            (0..<n).map { i in (0..<d).reduce(0.0) { $0 + Double(differences[i * d + $1]) * Double(v[$1]) } }
        }
        let (a, b) = (project(directions[0]), project(directions[1]))
        let total = differences.reduce(0.0) { $0 + Double($1) * Double($1) }
        func share(_ p: [Double]) -> Double { total > 0 ? p.reduce(0) { $0 + $1 * $1 } / total : 0 }
        self.layer = layer
        coordinates = zip(a, b).map { (x: $0, y: $1) }
        explained = (share(a), share(b))
        labels = activations.labels.isEmpty ? [] : shown.map { activations.labels[$0] }
        self.features = features.mapValues { values in
            values.count == activations.count ? shown.map { values[$0] } : values
        }
        pairCount = activations.count
    }

    /// One scatter plot coloured by the truth, and one per competing feature coloured by it.
    public func plots(template: String) -> [ScatterPlot] {
        let x = String(format: "PC1 (%.0f%% of variance)", 100 * explained.0)
        let y = String(format: "PC2 (%.0f%%)", 100 * explained.1)
        func plot(_ name: String, _ values: [Int], _ names: (String, String)) -> ScatterPlot {
            ScatterPlot(
                title: "x⁺ − x⁻, layer \(layer)\(template.isEmpty ? "" : ", \(template)"): by \(name)"
                    + (coordinates.count < pairCount ? " (\(coordinates.count) of \(pairCount) pairs)" : ""),
                xLabel: x, yLabel: y,
                categories: [(1, names.0), (0, names.1)].map { value, label in
                    .init(label, coordinates.indices.filter { values[$0] == value }.map { coordinates[$0] })
                })
        }
        var out = labels.count == coordinates.count ? [plot("truth", labels, ("x⁺ true", "x⁺ false"))] : []
        for (f, values) in features.sorted(by: { $0.key < $1.key }) where values.count == coordinates.count {
            out.append(plot(f.name, values, ("\(f.name) = 1", "\(f.name) = 0")))
        }
        return out
    }
}
