import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Semi-grokking (Varma et al. 2023, §4.2): trained from scratch at sizes near D_crit, where neither circuit
/// is clearly cheaper, with several seeds and long runs, a network may generalise only partly, and late —
/// `scidl semigrok`.
public struct SemiGrokkingExperiment: Sendable {
    /// Sizes at and around D_crit of the p = 113 transformer.
    public static let defaultSizes = [1500, 2000, 2500]
    public static let defaultSeeds: [UInt64] = [0, 1, 2]
    /// Steps per run: semi-grokking, when it comes, comes late.
    public static let defaultSteps = 30_000

    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]
    public var seeds: [UInt64]

    public init(base: GrokConfig, sizes: [Int], weightDecays: [Double], seeds: [UInt64]) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty, !seeds.isEmpty else {
            throw SciDLError("give at least one --sizes, --weight-decays and --seeds value")
        }
        self.base = base
        self.sizes = sizes.sorted()
        self.weightDecays = weightDecays
        self.seeds = seeds
    }

    public var plans: [Sweep.Plan] {
        weightDecays.flatMap { wd in
            sizes.flatMap { d in
                seeds.map { seed in
                    CircuitEfficiency.plan(base, weightDecay: wd, size: d, kind: .trueLabels, seed: seed)
                }
            }
        }
    }

    public func report(_ results: [Sweep.Result], sweep: Sweep) -> HTMLReport {
        var page = HTMLReport(
            title: "Semi-grokking: \(base.operation.symbol) mod \(base.modulus), \(base.model.kind.rawValue)")
        page.paragraph(
            """
            Near D_crit neither circuit is clearly cheaper; the prediction is delayed generalisation to a partial \
            test accuracy.
            """
        )
        for wd in weightDecays {
            var curves: [LinePlot.Series] = []
            var finals: [LinePlot.Series] = []
            for seed in seeds {
                var points: [(Double, Double)] = []
                for d in sizes {
                    let name = CircuitEfficiency.name(weightDecay: wd, size: d, kind: .trueLabels, seed: seed)
                    if let log = try? MetricsLog(readingFrom: sweep.runDirectory(name)) {
                        curves.append(.init("D = \(d), seed \(seed)", log.series(.testAccuracy)))
                    }
                    if let acc = results.first(where: { $0.name == name })?[.testAccuracy] {
                        points.append((Double(d), acc))
                    }
                }
                finals.append(.init("seed \(seed)", points))
            }
            page.heading("Weight decay \(formatNumber(wd))")
            page.figures([
                LinePlot(
                    title: "Test accuracy over training", xLabel: "step", yLabel: "test accuracy", xScale: .log,
                    series: curves),
                LinePlot(
                    title: "Final test accuracy", xLabel: "training-set size D", yLabel: "test accuracy", series: finals
                ),
            ])
        }
        return page
    }

    /// Trains every run (resuming a sweep already in `directory`), then writes `summary.json` and
    /// `report.html` beside its `results.csv`.
    public func run(
        in directory: URL, workers: Int,
        progress: (@Sendable (Sweep.Progress) -> Void)? = nil
    ) throws -> [Sweep.Result] {
        let sweep = try Sweep(directory: directory, plans: plans, command: "semigrok", workers: workers)
        let results = try sweep.run(progress: progress)
        try AtomicFile.writeJSON(
            [
                "final_test_accuracy": Dictionary(
                    uniqueKeysWithValues: results.map { ($0.name, $0[.testAccuracy] ?? .nan) })
            ],
            to: directory.appendingPathComponent("summary.json"))
        try report(results, sweep: sweep).write(to: directory.appendingPathComponent("report.html"))
        return results
    }

    /// Final accuracies of every run as a plain-text table.
    public static func table(_ results: [Sweep.Result]) -> String {
        (["run                      final train acc  final test acc"]
            + results.map { r in
                r.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(format: " %15.3f  %14.3f", r[.trainAccuracy] ?? .nan, r[.testAccuracy] ?? .nan)
            }).joined(separator: "\n")
    }
}
