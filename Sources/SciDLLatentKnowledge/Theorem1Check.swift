import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Farquhar et al.'s Theorem 1, made concrete: for any binary feature h of the questions and any probe c,
/// the probe c′ that answers c on pairs with h = 0 and swaps its two credences on pairs with h = 1,
///
///     c′(x⁺ᵢ) = c(x⁻ᵢ),  c′(x⁻ᵢ) = c(x⁺ᵢ)   where hᵢ = 1,
///
/// has exactly the same CCS loss (the loss is symmetric in p⁺ and p⁻), while its prediction
/// 0.5·(p⁺ + 1 − p⁻) flips where hᵢ = 1: c′ predicts truth ⊕ h as well as c predicts truth. So the loss
/// cannot prefer knowledge over any other feature.
public struct TheoremCheck: Sendable {
    public var feature: String
    /// CCS loss of the fitted probe and of the h-swapped probe, on the same pairs.
    public var fittedLoss: Double, swappedLoss: Double
    /// Sign-free accuracies of both probes against the truth and against truth ⊕ h.
    public var fittedTruthAccuracy: Double, swappedTruthAccuracy: Double
    public var fittedXorAccuracy: Double, swappedXorAccuracy: Double

    /// Credences (p⁺, p⁻) of `probe` on `data`, the swap on pairs where `feature` is 1, and the scores.
    public init(probe: FittedProbe, data: ProbeData, feature values: [Int], name: String, symmetric: Bool = false) {
        precondition(values.count == data.count && data.labels.count == data.count)
        let (p, q) = probe.credences(data)
        let swappedP = (0..<data.count).map { values[$0] == 1 ? q[$0] : p[$0] }
        let swappedQ = (0..<data.count).map { values[$0] == 1 ? p[$0] : q[$0] }
        func loss(_ p: [Float], _ q: [Float]) -> Double {
            Double(CCS.loss(positive: p, negative: q, symmetric: symmetric))
        }
        func accuracy(_ p: [Float], _ q: [Float], _ target: [Int]) -> Double {
            let right = zip(zip(p, q), target).filter { ((0.5 * ($0.0.0 + 1 - $0.0.1)) > 0.5 ? 1 : 0) == $0.1 }.count
            let a = Double(right) / Double(target.count)
            return max(a, 1 - a)
        }
        let xor = zip(data.labels, values).map { $0 ^ $1 }
        feature = name
        fittedLoss = loss(p, q)
        swappedLoss = loss(swappedP, swappedQ)
        fittedTruthAccuracy = accuracy(p, q, data.labels)
        swappedTruthAccuracy = accuracy(swappedP, swappedQ, data.labels)
        fittedXorAccuracy = accuracy(p, q, xor)
        swappedXorAccuracy = accuracy(swappedP, swappedQ, xor)
    }
}

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

/// The theorem check's outputs: the table, results.csv, summary.json and report.html.
public struct TheoremReport: Sendable {
    public var checks: [TheoremExperiment.Row]
    public var description: [(String, String)]

    public init(checks: [TheoremExperiment.Row], description: [(String, String)]) {
        self.checks = checks
        self.description = description
    }

    public func table() -> String {
        var out =
            "CCS probe c and its twin c' (credences swapped where h = 1), on held-out pairs; accuracies sign-free\n"
        out += "seed  layer  loss(c)    loss(c')   |diff|     c: truth  c: t xor h  c': truth  c': t xor h\n"
        for r in checks {
            let c = r.check
            out += String(
                format: "%-5d %-6d %-10.6f %-10.6f %-10.2e %-9.3f %-11.3f %-10.3f %.3f\n", Int(r.seed), r.layer,
                c.fittedLoss,
                c.swappedLoss, abs(c.fittedLoss - c.swappedLoss), c.fittedTruthAccuracy, c.fittedXorAccuracy,
                c.swappedTruthAccuracy, c.swappedXorAccuracy)
        }
        return out
    }

    public func csv() -> String {
        "seed,layer,ccs_loss,swapped_ccs_loss,truth_accuracy,xor_accuracy,swapped_truth_accuracy,swapped_xor_accuracy\n"
            + checks.map { r in
                let c = r.check
                return [
                    Double(r.seed), Double(r.layer), c.fittedLoss, c.swappedLoss, c.fittedTruthAccuracy,
                    c.fittedXorAccuracy,
                    c.swappedTruthAccuracy, c.swappedXorAccuracy,
                ].map(formatNumber).joined(separator: ",")
            }.joined(separator: "\n") + "\n"
    }

    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(csv(), to: directory.appendingPathComponent("results.csv"))
        let largest = checks.map { abs($0.check.fittedLoss - $0.check.swappedLoss) }.max() ?? 0
        let summary: [String: Any] = [
            "experiment": Dictionary(description.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }),
            "largest_loss_difference": largest,
            "mean_truth_accuracy": checks.map(\.check.fittedTruthAccuracy).reduce(0, +) / Double(max(checks.count, 1)),
            "mean_swapped_xor_accuracy": checks.map(\.check.swappedXorAccuracy).reduce(0, +)
                / Double(max(checks.count, 1)),
        ]
        try AtomicFile.write(
            try jsonData(summary),
            to: directory.appendingPathComponent("summary.json"))
        var report = HTMLReport(title: "Theorem 1: CCS cannot tell truth from truth XOR h")
        report.table(description)
        report.paragraph(
            """
                c is a CCS probe fitted on the training pairs; c' gives the same credences but swaps p(x⁺) and p(x⁻) \
                on every pair where the feature h is 1. The CCS loss is symmetric in the two, so both probes have the \
                same loss, while c' predicts truth XOR h exactly as well as c predicts the truth. Largest loss \
                difference: \(String(format: "%.2e", largest)).
                """
        )
        report.preformatted(table())
        try report.write(to: directory.appendingPathComponent("report.html"))
    }
}
