import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Ungrokking (Varma et al. 2023, §4.1): a grokked network trained on, on random subsets of its training
/// set smaller than D_crit, falls back to memorisation and loses its test accuracy — `scidl ungrok`.
public struct UngrokkingExperiment: Sendable {
    /// Subset sizes from far below to above D_crit of the p = 113 transformer.
    public static let defaultSizes = [100, 300, 600, 1000, 1500, 2000, 3000]
    /// Steps of continued training on each subset.
    public static let defaultSteps = 10_000

    /// The grokked network the subsets start from.
    public struct Start: Sendable {
        /// Its run directory.
        public var directory: URL
        /// Its settings, which the continued runs inherit.
        public var config: GrokConfig
        public var trainingExamples: Int
        public var testAccuracy: Double

        /// Pre-training lasts at least this long, and stops once test accuracy reaches `grokked`.
        public static let minimumSteps = 25_000
        public static let grokked = 0.99
        /// Below this test accuracy the network has not grokked, and there is nothing to ungrok.
        public static let minimumTestAccuracy = 0.9

        /// A finished grok run's directory.
        public init(grokRun directory: URL) throws {
            try self.init(GrokRun(resuming: directory))
        }

        /// Pre-trains `config` (at least `minimumSteps`, until `grokked`) in `directory`, continuing a
        /// pre-training already there.
        public init(
            pretraining config: GrokConfig, in directory: URL,
            progress: GrokRun.Progress? = nil
        ) throws {
            var c = config
            c.steps = max(c.steps, Self.minimumSteps)
            c.stopAtTestAccuracy = Self.grokked
            let exists = FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(Checkpoint.fileName).path)
            let run = exists ? try GrokRun(resuming: directory) : try GrokRun(config: c, directory: directory)
            _ = try run.run(progress: progress)
            try self.init(run)
        }

        private init(_ run: GrokRun) throws {
            directory = run.directory
            config = run.config
            trainingExamples = run.trainIndices.count
            testAccuracy = run.measure()[.testAccuracy] ?? 0
            guard testAccuracy >= Self.minimumTestAccuracy else {
                throw SciDLError(
                    """
                    the starting network has only \(String(format: "%.1f", 100 * testAccuracy))% test accuracy: \
                    ungrokking needs a grokked network (train longer or on more data)
                    """)
            }
        }
    }

    /// The pre-training run (or, with `from`, the settings of an existing run).
    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]
    /// Steps of continued training on each subset.
    public var steps: Int

    public init(base: GrokConfig, sizes: [Int], weightDecays: [Double], steps: Int) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty else {
            throw SciDLError("give at least one --sizes and one --weight-decays value")
        }
        guard steps > 0 else { throw SciDLError("--steps must be positive (got \(steps))") }
        self.base = base
        self.sizes = sizes.sorted()
        self.weightDecays = weightDecays
        self.steps = steps
    }

    /// The continued runs, starting from the grokked run in `pretrained`.
    public func plans(pretrained: URL, trainingExamples: Int) throws -> [Sweep.Plan] {
        if let too = sizes.first(where: { $0 > trainingExamples }) {
            throw SciDLError("--sizes \(too) exceeds the \(trainingExamples) training examples of the grokked run")
        }
        return weightDecays.flatMap { wd in
            sizes.map { d in
                var c = base
                c.weightDecay = wd
                c.trainSubset = d
                c.initialCheckpoint = pretrained.path
                c.steps = steps
                c.stopAtTestAccuracy = nil
                return Sweep.Plan(
                    name: CircuitEfficiency.name(weightDecay: wd, size: d, kind: .subset, seed: c.seed), config: c)
            }
        }
    }

    public func report(_ results: [Sweep.Result], sweep: Sweep, startAccuracy: Double) -> HTMLReport {
        var page = HTMLReport(
            title: "Ungrokking: \(base.operation.symbol) mod \(base.modulus), \(base.model.kind.rawValue)")
        page.paragraph(
            """
                A network grokked to \(String(format: "%.1f %%", 100 * startAccuracy)) test accuracy is trained on, \
                with the same test set, on random subsets of its training set of size D. Below D_crit memorisation is \
                the cheaper circuit again, and test accuracy should collapse; above it, stay near 100 %.
                """
        )
        for wd in weightDecays {
            let runs = sizes.map { CircuitEfficiency.name(weightDecay: wd, size: $0, kind: .subset, seed: base.seed) }
            let curves: [LinePlot.Series] = zip(sizes, runs).compactMap { d, name in
                (try? MetricsLog(readingFrom: sweep.runDirectory(name))).map {
                    .init("D = \(d)", $0.series(.testAccuracy))
                }
            }
            let finals = zip(sizes, runs).compactMap { d, name in
                results.first { $0.name == name }?[.testAccuracy].map { (Double(d), $0) }
            }
            page.heading("Weight decay \(formatNumber(wd))")
            page.figures([
                LinePlot(
                    title: "Test accuracy while training on the subset", xLabel: "step", yLabel: "test accuracy",
                    series: curves),
                LinePlot(
                    title: "Final test accuracy", xLabel: "subset size D", yLabel: "test accuracy", xScale: .log,
                    series: [.init("final", finals)]),
            ])
        }
        return page
    }

    /// Trains every subset run from `start` (resuming a sweep already in `directory`), then writes
    /// `summary.json` and `report.html` beside its `results.csv`.
    public func run(
        from start: Start, in directory: URL, workers: Int,
        progress: (@Sendable (Sweep.Progress) -> Void)? = nil
    ) throws -> [Sweep.Result] {
        let plans = try plans(pretrained: start.directory, trainingExamples: start.trainingExamples)
        let sweep = try Sweep(directory: directory, plans: plans, command: "ungrok", workers: workers)
        let results = try sweep.run(progress: progress)
        try AtomicFile.writeJSON(
            [
                "pretrained": start.directory.path, "pretrained_test_accuracy": start.testAccuracy,
                "final_test_accuracy": Dictionary(
                    uniqueKeysWithValues: results.map { ($0.name, $0[.testAccuracy] ?? .nan) }),
            ], to: directory.appendingPathComponent("summary.json"))
        try report(results, sweep: sweep, startAccuracy: start.testAccuracy)
            .write(to: directory.appendingPathComponent("report.html"))
        return results
    }

    /// Final test accuracies as a plain-text table.
    public static func table(_ results: [Sweep.Result], startAccuracy: Double) -> String {
        (["   D   final test acc (started at \(String(format: "%.3f", startAccuracy)))"]
            + results.map { r in
                String(
                    format: "%5.0f   %.3f   (weight decay %@)", r[.trainSize] ?? .nan, r[.testAccuracy] ?? .nan,
                    formatNumber(r[.weightDecay] ?? .nan))
            }).joined(separator: "\n")
    }
}
