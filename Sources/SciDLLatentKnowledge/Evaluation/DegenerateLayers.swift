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
        return
            "layer \(layer): \(constantDimensions) of \(width) dimensions are constant over all pairs (they carry nothing)"
    }

    static let constantDifferencesReason = """
        x⁺ − x⁻ is the same vector for every pair (at a decoder's layer 0 and last token, the answer token's \
        embedding), so centring leaves nothing and every probe would tie
        """

    /// Every layer of `activations`, checked on all pairs (no labels are read), a block of pairs at a time.
    public static func diagnose(_ activations: ContrastActivations, pairsPerBlock: Int? = nil) -> [LayerDiagnosis] {
        activations.layers.indices.map { j in
            let (n, d) = (activations.count, activations.width)
            // Per column of x⁺, x⁻ and x⁺ − x⁻ (3d columns): does it vary from its first value?
            var columns = [Spread](repeating: Spread(), count: 3 * d)
            activations.forEachBlock(slot: j, pairsPerBlock: pairsPerBlock) { first, positive, negative in
                for r in 0..<(positive.count / d) {
                    for k in 0..<d {
                        let (p, q) = (positive[r * d + k], negative[r * d + k])
                        columns[k].add(p, first: first + r == 0)
                        columns[d + k].add(q, first: first + r == 0)
                        columns[2 * d + k].add(p - q, first: first + r == 0)
                    }
                }
            }
            let constant = (0..<d).filter { !columns[$0].varies && !columns[d + $0].varies }.count
            let differences = columns[(2 * d)...].contains { $0.varies }
            return LayerDiagnosis(
                layer: activations.layers[j], constantDifferences: n > 1 && !differences, constantDimensions: constant,
                width: d)
        }
    }

    /// How far a column's values stray from its first one, against their own size.
    struct Spread {
        var first: Float = 0
        var largest: Float = 0
        var spread: Float = 0

        mutating func add(_ v: Float, first isFirst: Bool) {
            if isFirst { first = v }
            largest = max(largest, abs(v))
            spread = max(spread, abs(v - first))
        }

        /// A spread far below the values' own size is float noise, not signal.
        var varies: Bool { spread > 1e-6 * max(largest, 1e-30) }
    }
}
