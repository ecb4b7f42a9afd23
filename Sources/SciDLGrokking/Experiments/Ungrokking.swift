import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Ungrokking (Varma et al. 2023, §4.1): a grokked network trained on, on random subsets of its training
/// set smaller than D_crit, falls back to memorisation and loses its test accuracy — `scidl ungrok`.
public struct UngrokkingExperiment: SweepExperiment {
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
            let c = Self.pretrainingConfig(config)
            let exists = FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(Checkpoint.fileName).path)
            let run = exists ? try GrokRun(resuming: directory) : try GrokRun(config: c, directory: directory)
            _ = try run.run(progress: progress)
            try self.init(run)
        }

        /// Where the sweep starts: a finished grok run (`grokRun`), or the pre-training of `config` in the
        /// sweep's `directory` — trained now when `trainNow` (on Slurm it is the array's first job instead).
        /// Returns the base settings of the subset runs and the start's folder; `say` hears where it trains.
        public static func resolve(
            grokRun: URL?, pretraining config: GrokConfig, in directory: URL, trainNow: Bool,
            progress: GrokRun.Progress? = nil, say: (String) -> Void = { _ in }
        ) throws -> (base: GrokConfig, directory: URL) {
            if let grokRun {
                let url = grokRun.absoluteURL.standardizedFileURL
                return (try Start(grokRun: url).config, url)
            }
            let url = directory.appendingPathComponent(UngrokkingExperiment.pretrainingName)
            let c = pretrainingConfig(config)
            guard trainNow else { return (c, url) }
            say("pre-training in \(url.path)")
            return (try Start(pretraining: c, in: url, progress: progress).config, url)
        }

        /// The Slurm job the array waits for: the pre-training of the sweep in `directory`, as its run list
        /// holds it.
        public static func pretrainForSlurm(_ name: String, in directory: URL) throws -> Start {
            let plan = try Sweep.plannedRun(.prerequisite(name), in: directory, command: UngrokkingExperiment.command)
            return try Start(pretraining: plan.config, in: directory.appendingPathComponent(name))
        }

        /// `config` as a pre-training: at least `minimumSteps` long, stopping at `grokked`.
        public static func pretrainingConfig(_ config: GrokConfig) -> GrokConfig {
            var c = config
            c.steps = max(c.steps, minimumSteps)
            c.stopAtTestAccuracy = grokked
            return c
        }

        /// Whether the pre-training in `directory` has ended (its summary is written last).
        static func isFinished(_ directory: URL) -> Bool {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("summary.json").path)
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

    public static let command = "ungrok"
    /// The folder in the sweep's where the sweep pre-trains its grokked network (and that task's `--run-index`).
    public static let pretrainingName = "pretrain"

    /// The grokked network's settings, which the continued runs inherit (apart from the subset, the steps
    /// and the weight decay).
    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]
    /// Steps of continued training on each subset.
    public var steps: Int
    /// Seeds of the subsets' draws: each seed retrains on another random subset of every size.
    public var seeds: [UInt64]
    /// The grokked network's run folder.
    public var pretrained: URL
    /// Whether the sweep trains that network itself first (in `pretrained`) rather than taking a finished run.
    public var pretrains: Bool

    /// - Parameters:
    ///   - base: the grokked network's settings (from `Start.pretrainingConfig`, or a finished run's).
    ///   - pretrained: where that network is, or will be pre-trained when `pretrains`.
    public init(
        base: GrokConfig, sizes: [Int], weightDecays: [Double], steps: Int, seeds: [UInt64]? = nil,
        pretrained: URL, pretrains: Bool
    ) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty, seeds?.isEmpty != true else {
            throw SciDLError("give at least one --sizes, --weight-decays and --seeds value")
        }
        guard steps > 0 else { throw SciDLError("--steps must be positive (got \(steps))") }
        self.base = base
        self.sizes = sizes.sorted()
        self.weightDecays = weightDecays
        self.steps = steps
        self.seeds = seeds ?? [base.seed]
        self.pretrained = pretrained
        self.pretrains = pretrains
    }

    /// The pre-training, when the sweep does it: the array waits for it.
    public var prerequisite: Sweep.Prerequisite? {
        guard pretrains else { return nil }
        return Sweep.Prerequisite(
            name: pretrained.lastPathComponent, config: base, isFinished: Start.isFinished(pretrained))
    }

    /// The continued runs: one per weight decay, size and seed, each from the grokked network.
    public func plans() throws -> [Sweep.Plan] {
        let task = try AlgorithmicTask(operation: base.operation, modulus: base.modulus)
        let trainingExamples = try base.trainingSize.resolve(total: task.count)
        if let too = sizes.first(where: { $0 > trainingExamples }) {
            throw SciDLError("--sizes \(too) exceeds the \(trainingExamples) training examples of the grokked run")
        }
        return weightDecays.flatMap { wd in
            sizes.flatMap { d in
                seeds.map { seed in
                    var c = base
                    c.weightDecay = wd
                    c.trainSubset = d
                    // The split (and so the test set) stays the grokked network's; only the subset is redrawn.
                    c.subsetSeed = seed == base.seed ? nil : seed
                    c.initialCheckpoint = pretrained.path
                    c.steps = steps
                    c.stopAtTestAccuracy = nil
                    c.checkpointEvery = min(c.checkpointEvery, steps)
                    return Sweep.Plan(name: runName(weightDecay: wd, size: d, seed: seed), config: c)
                }
            }
        }
    }

    func runName(weightDecay: Double, size: Int, seed: UInt64) -> String {
        CircuitEfficiency.name(weightDecay: weightDecay, size: size, kind: .subset, seed: seed)
    }

    /// The final test accuracy at each size over seeds, at weight decay `wd`.
    public func finalTestAccuracy(_ results: [Sweep.Result], weightDecay wd: Double) -> SeedSpread {
        SeedSpread(
            sizes: sizes, runs: { d in seeds.map { runName(weightDecay: wd, size: d, seed: $0) } },
            metric: .testAccuracy, in: results)
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
            // Curves of the first seed only: ten seeds of seven sizes would be seventy lines.
            let curves: [LinePlot.Series] = sizes.compactMap { d in
                (try? MetricsLog(readingFrom: sweep.runDirectory(runName(weightDecay: wd, size: d, seed: seeds[0]))))
                    .map { .init("D = \(d)", $0.series(.testAccuracy)) }
            }
            page.heading("Weight decay \(formatNumber(wd))")
            page.figures([
                LinePlot(
                    title: "Test accuracy while training on the subset (seed \(seeds[0]))", xLabel: "step",
                    yLabel: "test accuracy", series: curves),
                LinePlot(
                    title: "Final test accuracy", xLabel: "subset size D", yLabel: "test accuracy", xScale: .log,
                    series: finalTestAccuracy(results, weightDecay: wd).series("final")),
            ])
        }
        return page
    }

    /// The grokked network's test accuracy (NaN until it exists).
    var startAccuracy: Double { (try? Start(grokRun: pretrained))?.testAccuracy ?? .nan }

    public func writeSummaryAndReport(_ results: [Sweep.Result], sweep: Sweep) throws {
        let start = startAccuracy
        var summary = SeedSpread.summary(results, seeds: seeds, weightDecays: weightDecays) {
            finalTestAccuracy(results, weightDecay: $0)
        }
        summary["pretrained"] = pretrained.path
        summary["pretrained_test_accuracy"] = start
        try AtomicFile.writeJSON(summary, to: sweep.directory.appendingPathComponent("summary.json"))
        try report(results, sweep: sweep, startAccuracy: start)
            .write(to: sweep.directory.appendingPathComponent("report.html"))
    }

    /// Final test accuracy per size (mean ± sd over seeds) as a plain-text table.
    public func table(_ results: [Sweep.Result]) -> String {
        let start = startAccuracy
        var lines = ["   D   final test acc (the grokked network: \(String(format: "%.3f", start)))"]
        for wd in weightDecays {
            let spread = finalTestAccuracy(results, weightDecay: wd)
            lines += sizes.indices.map {
                String(format: "%5d   ", sizes[$0]) + spread.describe($0) + "   (weight decay \(formatNumber(wd)))"
            }
        }
        return lines.joined(separator: "\n")
    }
}
