import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// The theorem check for every seed and layer: CCS fitted on the training pairs, the check on the
/// held-out pairs.
public enum TheoremExperiment {
    public struct Row: Sendable {
        public var seed: UInt64
        public var layer: Int
        public var check: TheoremCheck
    }

    public static func run(
        _ activations: ContrastActivations, feature h: [Int], settings: ElicitSettings
    ) throws -> [Row] {
        guard h.count == activations.count, h.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw SciDLError("the feature h needs one 0/1 per pair (\(activations.count) pairs, \(h.count) values)")
        }
        var rows: [Row] = []
        try Elicitation.forEachCell(activations, settings: settings) { cell in
            let probe = CCS.fit(cell.train, settings: settings.ccs, seed: cell.probeSeed)
            rows.append(
                Row(
                    seed: cell.seed, layer: cell.layer,
                    check: TheoremCheck(
                        probe: probe, data: cell.test, feature: cell.testIndices.map { h[$0] }, name: "h",
                        symmetric: settings.ccs.symmetricConfidence)))
        }
        return rows
    }
}
