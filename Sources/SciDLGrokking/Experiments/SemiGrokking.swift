import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Semi-grokking (Varma et al. 2023, §4.2): trained from scratch at sizes near D_crit, where neither circuit
/// is clearly cheaper, with several seeds and long runs, a network may generalise only partly, and late —
/// `scidl semigrok`.
public struct SemiGrokkingExperiment: SweepExperiment {
    public static let command = "semigrok"

    /// Sizes at and around D_crit of the p = 113 transformer.
    public static let defaultSizes = [1500, 2000, 2500]
    public static let defaultSeeds: [UInt64] = [0, 1, 2]
    /// Steps per run: semi-grokking, when it comes, comes late.
    public static let defaultSteps = 30_000

    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]
    public var seeds: [UInt64]
    /// When a run counts as semi-grokked, stated before the runs.
    public var criterion = SemiGrokkingCriterion()

    public init(base: GrokConfig, sizes: [Int], weightDecays: [Double], seeds: [UInt64]) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty, !seeds.isEmpty else {
            throw SciDLError("give at least one --sizes, --weight-decays and --seeds value")
        }
        self.base = base
        self.sizes = sizes.sorted()
        self.weightDecays = weightDecays
        self.seeds = seeds
    }

    public func plans() -> [Sweep.Plan] {
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
        let judged = judgements(results, sweep: sweep)
        page.paragraph(
            """
            A run semi-groks when, after memorising (train accuracy ≥ 99 %), its test accuracy rises to a plateau \
            strictly between \(percent(criterion.low)) and \(percent(criterion.high)) and holds it over the last \
            third of training: every evaluation there in the band and within \(percent(criterion.tolerance)) of \
            the third's mean, its two halves' means less than \(percent(criterion.drift)) apart, and the mean at \
            least \(percent(criterion.minimumRise)) above the test accuracy at memorisation. \
            \(judged.filter { $0.judgement.verdict == .semiGrokked }.count) of \(judged.count) runs did.
            """)
        page.table(
            header: [
                "run", "verdict", "memorised at step", "plateau (last third)", "final stretch in the band",
                "final test",
            ],
            rows: judged.map { name, j in
                [
                    name, j.verdict.rawValue, j.memorisedAtStep.map { $0.grouped } ?? "–",
                    j.plateauLevel.map { percent($0) } ?? "–",
                    j.plateauSteps.map { "\($0.grouped) steps" } ?? "–", j.finalTestAccuracy.map { percent($0) } ?? "–",
                ]
            }, caption: "Each run by the criterion")
        for wd in weightDecays {
            let curves = sweep.logs(
                grouped: sizes.map { d in
                    (
                        "D = \(d)",
                        seeds.map { CircuitEfficiency.name(weightDecay: wd, size: d, kind: .trueLabels, seed: $0) }
                    )
                }
            ).map { LinePlot.Series($0.name, $0.log.series(.testAccuracy), colour: $0.colour) }
            page.heading("Weight decay \(formatNumber(wd))")
            page.figures([
                LinePlot(
                    title: "Test accuracy over training", xLabel: "step", yLabel: "test accuracy", xScale: .log,
                    series: curves),
                LinePlot(
                    title: "Final test accuracy", xLabel: "training-set size D", yLabel: "test accuracy",
                    series: finalTestAccuracy(results, weightDecay: wd).series("final")),
            ])
        }
        return page
    }

    /// Each finished run's judgement by `criterion`, by run name, from its metrics log.
    public func judgements(
        _ results: [Sweep.Result], sweep: Sweep
    ) -> [(name: String, judgement: SemiGrokkingCriterion.Judgement)] {
        results.compactMap { r in
            guard let log = try? MetricsLog(readingFrom: sweep.runDirectory(r.name)), !log.rows.isEmpty else {
                return nil
            }
            return (r.name, criterion.judge(log))
        }
    }

    /// The final test accuracy at each size over seeds, at weight decay `wd`.
    public func finalTestAccuracy(_ results: [Sweep.Result], weightDecay wd: Double) -> SeedSpread {
        SeedSpread(
            sizes: sizes,
            runs: { d in
                seeds.map { CircuitEfficiency.name(weightDecay: wd, size: d, kind: .trueLabels, seed: $0) }
            }, metric: .testAccuracy, in: results)
    }

    public func writeSummaryAndReport(_ results: [Sweep.Result], sweep: Sweep) throws {
        var summary = SeedSpread.summary(results, seeds: seeds, weightDecays: weightDecays) {
            finalTestAccuracy(results, weightDecay: $0)
        }
        summary["criterion"] = [
            "band": [criterion.low, criterion.high], "held_fraction": criterion.heldFraction,
            "tolerance": criterion.tolerance, "drift": criterion.drift, "minimum_rise": criterion.minimumRise,
        ]
        summary["runs"] = Dictionary(
            uniqueKeysWithValues: judgements(results, sweep: sweep).map { name, j -> (String, Any) in
                var entry: [String: Any] = ["verdict": j.verdict.rawValue]
                entry["memorised_at_step"] = j.memorisedAtStep
                entry["plateau_level"] = j.plateauLevel
                entry["plateau_start_step"] = j.plateauStartStep
                entry["plateau_steps"] = j.plateauSteps
                entry["final_test_accuracy"] = j.finalTestAccuracy
                return (name, entry)
            })
        try AtomicFile.writeJSON(summary, to: sweep.directory.appendingPathComponent("summary.json"))
        try report(results, sweep: sweep).write(to: sweep.directory.appendingPathComponent("report.html"))
    }

    private func percent(_ x: Double) -> String { String(format: "%.0f %%", 100 * x) }

    /// Final accuracies of every run as a plain-text table.
    public func table(_ results: [Sweep.Result]) -> String {
        table(results, verdicts: [:])
    }

    /// The same with each run's verdict by the criterion, read from its log in `sweep`.
    public func table(_ results: [Sweep.Result], sweep: Sweep) -> String {
        let judged = judgements(results, sweep: sweep).map { ($0.name, $0.judgement.verdict) }
        return table(results, verdicts: Dictionary(uniqueKeysWithValues: judged))
    }

    private func table(_ results: [Sweep.Result], verdicts: [String: SemiGrokkingCriterion.Verdict]) -> String {
        let verdictColumn = verdicts.isEmpty ? "" : "  verdict"
        var lines =
            ["run                      final train acc  final test acc" + verdictColumn]
            + results.map { r in
                r.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(format: " %15.3f  %14.3f", r[.trainAccuracy] ?? .nan, r[.testAccuracy] ?? .nan)
                    + (verdicts[r.name].map { "  " + $0.rawValue } ?? "")
            }
        for wd in weightDecays {
            let spread = finalTestAccuracy(results, weightDecay: wd)
            lines.append("weight decay \(formatNumber(wd)): final test accuracy over seeds")
            lines += sizes.indices.map { String(format: "%7d   ", sizes[$0]) + spread.describe($0) }
        }
        if !verdicts.isEmpty {
            let semi = verdicts.values.filter { $0 == .semiGrokked }.count
            lines.append("semi-grokked by the criterion: \(semi) of \(verdicts.count) runs")
        }
        return lines.joined(separator: "\n")
    }
}
