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

    /// The picture of `activations` at `layer` (nil when the activations do not hold it).
    public init?(_ activations: ContrastActivations, layer: Int, features: [PairFeature: [Int]] = [:]) {
        guard let slot = activations.layers.firstIndex(of: layer), activations.count >= 3 else { return nil }
        let all = ProbeData(activations, layer: slot, indices: Array(0..<activations.count))
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
        labels = activations.labels
        self.features = features
    }

    /// One scatter plot coloured by the truth, and one per competing feature coloured by it.
    public func plots(template: String) -> [ScatterPlot] {
        let x = String(format: "PC1 (%.0f%% of variance)", 100 * explained.0)
        let y = String(format: "PC2 (%.0f%%)", 100 * explained.1)
        func plot(_ name: String, _ values: [Int], _ names: (String, String)) -> ScatterPlot {
            ScatterPlot(
                title: "x⁺ − x⁻, layer \(layer)\(template.isEmpty ? "" : ", \(template)"): by \(name)",
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
