import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

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
