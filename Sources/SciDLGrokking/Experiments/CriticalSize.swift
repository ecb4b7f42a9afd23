import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// The critical dataset size D_crit (Varma et al. 2023, §3): for each training-set size D and weight decay,
/// a run on random labels (memorisation only) and one on the true labels, trained for a fixed number of
/// steps toward the weight-decay equilibrium — `scidl dcrit`.
public struct CriticalSizeExperiment: SweepExperiment {
    /// Sizes around D_crit ≈ 1,500–2,000 of the p = 113 transformer at weight decay 1.
    public static let defaultSizes = [500, 1000, 1500, 2000, 3000, 4000]
    /// Steps per run: long enough to come near the weight-decay equilibrium.
    public static let defaultSteps = 10_000

    public static let command = "dcrit"

    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]
    /// Seeds of every (size, weight decay, labels) run: the curves are their means.
    public var seeds: [UInt64]

    public init(base: GrokConfig, sizes: [Int], weightDecays: [Double], seeds: [UInt64]? = nil) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty, seeds?.isEmpty != true else {
            throw SciDLError("give at least one --sizes, --weight-decays and --seeds value")
        }
        self.base = base
        self.sizes = sizes.sorted()
        self.weightDecays = weightDecays
        self.seeds = seeds ?? [base.seed]
    }

    public func plans() -> [Sweep.Plan] {
        weightDecays.flatMap { wd in
            sizes.flatMap { d in
                seeds.flatMap { seed in
                    [CircuitEfficiency.RunKind.randomLabels, .trueLabels].map { kind in
                        CircuitEfficiency.plan(base, weightDecay: wd, size: d, kind: kind, seed: seed)
                    }
                }
            }
        }
    }

    /// What one weight decay's runs say about D_crit (curves are means over seeds).
    public struct Analysis: Sendable {
        public var weightDecay: Double
        public var sizes: [Double]
        public var memorisingNorm: [Double]
        public var generalisingNorm: [Double]
        public var memorisingEfficiency: [Double]
        public var generalisingEfficiency: [Double]
        public var testAccuracy: [Double]
        /// Where the memorising norm (random labels) rises to the norm of the generalising runs.
        public var criticalSizeFromNorms: Double?
        /// Where the true-label runs' final test accuracy crosses 50 %.
        public var criticalSizeFromAccuracy: Double?
        /// The true-label runs' final test accuracy, every seed.
        public var testAccuracySpread: SeedSpread
    }

    public func analyse(_ results: [Sweep.Result]) -> [Analysis] {
        weightDecays.map { wd in
            func spread(_ kind: CircuitEfficiency.RunKind, _ name: MetricName) -> SeedSpread {
                SeedSpread(
                    sizes: sizes,
                    runs: { d in
                        seeds.map { CircuitEfficiency.name(weightDecay: wd, size: d, kind: kind, seed: $0) }
                    }, metric: name, in: results)
            }
            func column(_ kind: CircuitEfficiency.RunKind, _ name: MetricName) -> [Double] {
                spread(kind, name).means
            }
            let memNorm = column(.randomLabels, .weightNorm)
            let genNorm = column(.trueLabels, .weightNorm)
            let accuracy = column(.trueLabels, .testAccuracy)
            // The generalising circuit's norm: from the runs that did generalise; it should not depend on D.
            let generalised = zip(genNorm, accuracy).filter { $0.1 >= 0.9 }.map(\.0).sorted()
            let genLevel = generalised.isEmpty ? nil : generalised[generalised.count / 2]
            let ds = sizes.map(Double.init)
            return Analysis(
                weightDecay: wd, sizes: ds, memorisingNorm: memNorm, generalisingNorm: genNorm,
                memorisingEfficiency: zip(column(.randomLabels, .trainCorrectLogit), memNorm).map { $0 / $1 },
                generalisingEfficiency: zip(column(.trueLabels, .trainCorrectLogit), genNorm).map { $0 / $1 },
                testAccuracy: accuracy,
                criticalSizeFromNorms: genLevel.flatMap {
                    CircuitEfficiency.crossing(sizes: ds, values: memNorm, level: $0)
                },
                criticalSizeFromAccuracy: CircuitEfficiency.crossing(sizes: ds, values: accuracy, level: 0.5),
                testAccuracySpread: spread(.trueLabels, .testAccuracy))
        }
    }

    public func report(_ analyses: [Analysis], results: [Sweep.Result]) -> HTMLReport {
        var page = HTMLReport(
            title: "Critical dataset size: \(base.operation.symbol) mod \(base.modulus), \(base.model.kind.rawValue)")
        page.paragraph(
            """
            Random labels can only be memorised, so their runs measure the memorising circuit's parameter norm at \
            equilibrium; true labels let the network generalise when that is cheaper. Memorisation should cost \
            more norm as D grows while generalisation costs the same, so the two cross at D_crit.
            """
        )
        for a in analyses {
            page.heading("Weight decay \(formatNumber(a.weightDecay))")
            page.table([
                (
                    "D_crit where the memorising norm reaches the generalising norm",
                    a.criticalSizeFromNorms.map { String(format: "%.0f", $0) } ?? "not bracketed by the sizes"
                ),
                (
                    "D_crit where test accuracy crosses 50 %",
                    a.criticalSizeFromAccuracy.map { String(format: "%.0f", $0) } ?? "not bracketed by the sizes"
                ),
            ])
            /// A quantity of the memorising (random-label) runs against the true-label runs, over D.
            func bySize(_ title: String, _ yLabel: String, memorising: [Double], trueLabels: [Double]) -> LinePlot {
                LinePlot(
                    title: title, xLabel: "training-set size D", yLabel: yLabel, xScale: .log,
                    series: [
                        .init("random labels (memorising)", Array(zip(a.sizes, memorising))),
                        .init("true labels", Array(zip(a.sizes, trueLabels))),
                    ])
            }
            page.figures([
                bySize(
                    "Parameter norm at the end", "L2 norm", memorising: a.memorisingNorm,
                    trueLabels: a.generalisingNorm),
                bySize(
                    "Correct-class logit per unit norm", "logit / norm", memorising: a.memorisingEfficiency,
                    trueLabels: a.generalisingEfficiency),
                LinePlot(
                    title: "Final test accuracy (true labels)", xLabel: "training-set size D", yLabel: "accuracy",
                    xScale: .log, series: a.testAccuracySpread.series("test")),
            ])
        }
        return page
    }

    public func writeSummaryAndReport(_ results: [Sweep.Result], sweep: Sweep) throws {
        let analyses = analyse(results)
        var summary: [String: Any] = ["seeds": seeds.map { Int($0) }]
        for a in analyses {
            summary["weight_decay_\(formatNumber(a.weightDecay))"] = [
                "d_crit_from_norms": a.criticalSizeFromNorms as Any,
                "d_crit_from_test_accuracy": a.criticalSizeFromAccuracy as Any,
                "sizes": a.sizes, "memorising_norm": a.memorisingNorm, "generalising_norm": a.generalisingNorm,
                "test_accuracy": a.testAccuracy, "test_accuracy_over_seeds": a.testAccuracySpread.json,
            ]
        }
        try AtomicFile.writeJSON(summary, to: sweep.directory.appendingPathComponent("summary.json"))
        try report(analyses, results: results).write(to: sweep.directory.appendingPathComponent("report.html"))
    }

    /// The analyses as a plain-text table, one block per weight decay.
    /// The terminal's table of a finished sweep: D_crit per weight decay.
    public func table(_ results: [Sweep.Result]) -> String { Self.table(analyse(results)) }

    public static func table(_ analyses: [Analysis]) -> String {
        func size(_ d: Double?) -> String { d.map { String(format: "%.0f", $0) } ?? "not bracketed" }
        return analyses.map { a in
            let rows = a.sizes.indices.map {
                String(
                    format: "%6.0f   %14.2f  %15.2f  ", a.sizes[$0], a.memorisingNorm[$0], a.generalisingNorm[$0])
                    + a.testAccuracySpread.describe($0)
            }
            return """
                weight decay \(formatNumber(a.weightDecay)):
                   D     memorising norm  true-label norm  test acc (mean ± sd over seeds)
                \(rows.joined(separator: "\n"))
                   D_crit from the norms: \(size(a.criticalSizeFromNorms)); \
                from test accuracy: \(size(a.criticalSizeFromAccuracy))
                """
        }.joined(separator: "\n")
    }
}
