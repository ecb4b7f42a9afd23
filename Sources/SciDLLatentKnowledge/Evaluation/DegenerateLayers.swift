import Foundation

/// Settings under which probing a layer means nothing, found before anything is fitted. The common one: a
/// decoder's layer 0 read at the last token is the answer token's embedding, the same in every x⁺ and every
/// x⁻, so x⁺ − x⁻ is one constant vector that centring removes: every probe ties and its "accuracy" is the
/// tie rule's. Such a layer is skipped with one line; constant dimensions are only noted.
public struct LayerDiagnosis: Sendable, Equatable {
    public var layer: Int
    /// x⁺ − x⁻ is the same vector for every pair: nothing to probe (the layer is skipped).
    public var constantDifferences: Bool
    /// Dimensions whose value is the same in every x⁺ and every x⁻ (they carry nothing).
    public var constantDimensions: Int
    public var width: Int

    /// One line for the terminal and the report, or nil when the layer is fine.
    public var note: String? {
        if constantDifferences { return "layer \(layer) skipped: \(Self.constantDifferencesReason)" }
        guard constantDimensions > 0 else { return nil }
        return "layer \(layer): \(constantDimensions) of \(width) dimensions are constant over all pairs (they carry nothing)"
    }

    static let constantDifferencesReason = """
        x⁺ − x⁻ is the same vector for every pair (at a decoder's layer 0 and last token, the answer token's \
        embedding), so centring leaves nothing and every probe would tie
        """

    /// Every layer of `activations`, checked on all pairs (no labels are read).
    public static func diagnose(_ activations: ContrastActivations) -> [LayerDiagnosis] {
        activations.layers.indices.map { j in
            let data = ProbeData(activations, layer: j, indices: Array(0..<activations.count))
            let (n, d) = (data.count, data.width)
            var differences = false
            var constant = 0
            // A spread far below the values' own size is float noise, not signal.
            func varies(_ column: (Int) -> Float) -> Bool {
                let first = column(0)
                var largest = abs(first)
                var spread: Float = 0
                for i in 1..<max(n, 1) {
                    let v = column(i)
                    largest = max(largest, abs(v))
                    spread = max(spread, abs(v - first))
                }
                return spread > 1e-6 * max(largest, 1e-30)
            }
            for k in 0..<d {
                let p = varies { data.positive[$0 * d + k] }
                let q = varies { data.negative[$0 * d + k] }
                if !p && !q { constant += 1 }
                if varies({ data.positive[$0 * d + k] - data.negative[$0 * d + k] }) { differences = true }
            }
            return LayerDiagnosis(
                layer: activations.layers[j], constantDifferences: n > 1 && !differences, constantDimensions: constant,
                width: d)
        }
    }
}
