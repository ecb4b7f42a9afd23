import Foundation
import SciDLReports
import SciDLTensor

/// The experiments of "Explaining grokking through circuit efficiency" (Varma et al. 2023) on the real
/// networks: the critical dataset size, ungrokking and semi-grokking. Each is a `Sweep` of `GrokRun`s
/// plus an analysis of its `results.csv`.
public enum CircuitEfficiency {
    /// Run names are stable so a re-run finds its finished runs: e.g. `wd1-D2000-random-s0`.
    static func name(weightDecay: Double, size: Int, kind: String, seed: UInt64) -> String {
        "wd\(formatNumber(weightDecay))-D\(size)-\(kind)-s\(seed)"
    }

    /// Linear interpolation in log D of where y(D) crosses `level`, between the first pair of sizes
    /// that brackets it.
    public static func crossing(sizes: [Double], values: [Double], level: Double) -> Double? {
        let pairs = zip(sizes, values).filter { $0.1.isFinite }.sorted { $0.0 < $1.0 }
        for (a, b) in zip(pairs, pairs.dropFirst()) where (a.1 - level) * (b.1 - level) <= 0 && a.1 != b.1 {
            let t = (level - a.1) / (b.1 - a.1)
            return exp(log(a.0) + t * (log(b.0) - log(a.0)))
        }
        return nil
    }
}

// MARK: - D_crit

/// For each training-set size D and weight decay: a run on random labels (memorisation only) and one on
/// the true labels, trained for a fixed number of steps toward the weight-decay equilibrium.
public struct CriticalSizeExperiment: Sendable {
    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]

    public init(base: GrokConfig, sizes: [Int], weightDecays: [Double]) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty else { throw SciDLError("give at least one --sizes and one --weight-decays value") }
        self.base = base
        self.sizes = sizes.sorted()
        self.weightDecays = weightDecays
    }

    public var plans: [Sweep.Plan] {
        weightDecays.flatMap { wd in sizes.flatMap { d in [true, false].map { random in
            var c = base
            c.weightDecay = wd
            c.trainCount = d
            c.randomLabels = random
            c.stopAtTestAccuracy = nil
            return Sweep.Plan(name: CircuitEfficiency.name(weightDecay: wd, size: d, kind: random ? "random" : "true", seed: c.seed), config: c)
        } } }
    }

    /// What one weight decay's runs say about D_crit.
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
    }

    public func analyse(_ results: [Sweep.Result]) -> [Analysis] {
        weightDecays.map { wd in
            func column(_ kind: String, _ name: String) -> [Double] {
                sizes.map { d in
                    results.first { $0.name == CircuitEfficiency.name(weightDecay: wd, size: d, kind: kind, seed: base.seed) }?[name] ?? .nan
                }
            }
            let memNorm = column("random", "weight_norm"), genNorm = column("true", "weight_norm")
            let accuracy = column("true", "test_accuracy")
            // The generalising circuit's norm: from the runs that did generalise; it should not depend on D.
            let generalised = zip(genNorm, accuracy).filter { $0.1 >= 0.9 }.map(\.0).sorted()
            let genLevel = generalised.isEmpty ? nil : generalised[generalised.count / 2]
            let ds = sizes.map(Double.init)
            return Analysis(
                weightDecay: wd, sizes: ds, memorisingNorm: memNorm, generalisingNorm: genNorm,
                memorisingEfficiency: zip(column("random", "train_correct_logit"), memNorm).map { $0 / $1 },
                generalisingEfficiency: zip(column("true", "train_correct_logit"), genNorm).map { $0 / $1 },
                testAccuracy: accuracy,
                criticalSizeFromNorms: genLevel.flatMap { CircuitEfficiency.crossing(sizes: ds, values: memNorm, level: $0) },
                criticalSizeFromAccuracy: CircuitEfficiency.crossing(sizes: ds, values: accuracy, level: 0.5))
        }
    }

    public func report(_ analyses: [Analysis], results: [Sweep.Result]) -> HTMLReport {
        var page = HTMLReport(title: "Critical dataset size: \(base.operation.symbol) mod \(base.modulus), \(base.model.kind.rawValue)")
        page.paragraph("Random labels can only be memorised, so their runs measure the memorising circuit's parameter norm at equilibrium; true labels let the network generalise when that is cheaper. Memorisation should cost more norm as D grows while generalisation costs the same, so the two cross at D_crit.")
        for a in analyses {
            page.heading("Weight decay \(formatNumber(a.weightDecay))")
            page.table([
                ("D_crit where the memorising norm reaches the generalising norm", a.criticalSizeFromNorms.map { String(format: "%.0f", $0) } ?? "not bracketed by the sizes"),
                ("D_crit where test accuracy crosses 50 %", a.criticalSizeFromAccuracy.map { String(format: "%.0f", $0) } ?? "not bracketed by the sizes"),
            ])
            page.figures([
                LinePlot(title: "Parameter norm at the end", xLabel: "training-set size D", yLabel: "L2 norm", xScale: .log,
                         series: [.init("random labels (memorising)", Array(zip(a.sizes, a.memorisingNorm))),
                                  .init("true labels", Array(zip(a.sizes, a.generalisingNorm)))]),
                LinePlot(title: "Correct-class logit per unit norm", xLabel: "training-set size D", yLabel: "logit / norm", xScale: .log,
                         series: [.init("random labels (memorising)", Array(zip(a.sizes, a.memorisingEfficiency))),
                                  .init("true labels", Array(zip(a.sizes, a.generalisingEfficiency)))]),
                LinePlot(title: "Final test accuracy (true labels)", xLabel: "training-set size D", yLabel: "accuracy", xScale: .log,
                         series: [.init("test", Array(zip(a.sizes, a.testAccuracy)))]),
            ])
        }
        return page
    }
}

// MARK: - Ungrokking

/// Continue training a grokked network on random subsets of its training set of sizes D.
public struct UngrokkingExperiment: Sendable {
    /// The pre-training run (or, with `from`, the settings of an existing run).
    public var base: GrokConfig
    public var sizes: [Int]
    public var weightDecays: [Double]
    /// Steps of continued training on each subset.
    public var steps: Int

    public init(base: GrokConfig, sizes: [Int], weightDecays: [Double], steps: Int) throws {
        guard !sizes.isEmpty, !weightDecays.isEmpty else { throw SciDLError("give at least one --sizes and one --weight-decays value") }
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
        return weightDecays.flatMap { wd in sizes.map { d in
            var c = base
            c.weightDecay = wd
            c.trainSubset = d
            c.initialCheckpoint = pretrained.path
            c.steps = steps
            c.stopAtTestAccuracy = nil
            return Sweep.Plan(name: CircuitEfficiency.name(weightDecay: wd, size: d, kind: "subset", seed: c.seed), config: c)
        } }
    }

    public func report(_ results: [Sweep.Result], sweep: Sweep, startAccuracy: Double) -> HTMLReport {
        var page = HTMLReport(title: "Ungrokking: \(base.operation.symbol) mod \(base.modulus), \(base.model.kind.rawValue)")
        page.paragraph("A network grokked to \(String(format: "%.1f %%", 100 * startAccuracy)) test accuracy is trained on, with the same test set, on random subsets of its training set of size D. Below D_crit memorisation is the cheaper circuit again, and test accuracy should collapse; above it, stay near 100 %.")
        for wd in weightDecays {
            let runs = sizes.map { CircuitEfficiency.name(weightDecay: wd, size: $0, kind: "subset", seed: base.seed) }
            let curves: [LinePlot.Series] = zip(sizes, runs).compactMap { d, name in
                (try? MetricsLog(readingFrom: sweep.runDirectory(name))).map { .init("D = \(d)", $0.series("test_accuracy")) }
            }
            let finals = zip(sizes, runs).compactMap { d, name in
                results.first { $0.name == name }?["test_accuracy"].map { (Double(d), $0) }
            }
            page.heading("Weight decay \(formatNumber(wd))")
            page.figures([
                LinePlot(title: "Test accuracy while training on the subset", xLabel: "step", yLabel: "test accuracy", series: curves),
                LinePlot(title: "Final test accuracy", xLabel: "subset size D", yLabel: "test accuracy", xScale: .log,
                         series: [.init("final", finals)]),
            ])
        }
        return page
    }
}

// MARK: - Semi-grokking

/// From scratch at sizes around D_crit, several seeds, long runs.
public struct SemiGrokkingExperiment: Sendable {
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
        weightDecays.flatMap { wd in sizes.flatMap { d in seeds.map { seed in
            var c = base
            c.weightDecay = wd
            c.trainCount = d
            c.seed = seed
            c.stopAtTestAccuracy = nil
            return Sweep.Plan(name: CircuitEfficiency.name(weightDecay: wd, size: d, kind: "true", seed: seed), config: c)
        } } }
    }

    public func report(_ results: [Sweep.Result], sweep: Sweep) -> HTMLReport {
        var page = HTMLReport(title: "Semi-grokking: \(base.operation.symbol) mod \(base.modulus), \(base.model.kind.rawValue)")
        page.paragraph("Near D_crit neither circuit is clearly cheaper; the prediction is delayed generalisation to a partial test accuracy.")
        for wd in weightDecays {
            var curves: [LinePlot.Series] = []
            var finals: [LinePlot.Series] = []
            for seed in seeds {
                var points: [(Double, Double)] = []
                for d in sizes {
                    let name = CircuitEfficiency.name(weightDecay: wd, size: d, kind: "true", seed: seed)
                    if let log = try? MetricsLog(readingFrom: sweep.runDirectory(name)) {
                        curves.append(.init("D = \(d), seed \(seed)", log.series("test_accuracy")))
                    }
                    if let acc = results.first(where: { $0.name == name })?["test_accuracy"] { points.append((Double(d), acc)) }
                }
                finals.append(.init("seed \(seed)", points))
            }
            page.heading("Weight decay \(formatNumber(wd))")
            page.figures([
                LinePlot(title: "Test accuracy over training", xLabel: "step", yLabel: "test accuracy", xScale: .log, series: curves),
                LinePlot(title: "Final test accuracy", xLabel: "training-set size D", yLabel: "test accuracy", series: finals),
            ])
        }
        return page
    }
}
