import ArgumentParser
import Foundation
import SciDLAutodiff
import SciDLGrokking
import SciDLSupport
import SciDLTensor

struct Grok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small network on a modular-arithmetic table and watch it grok.",
        discussion: """
            With no flags: modular addition at p = 113, 30 % of pairs for training, the 1-layer transformer, \
            full-batch AdamW (lr 1e-3, betas 0.9/0.98, weight decay 1.0), until test accuracy reaches 99 %. \
            Writes metrics.jsonl/.csv, checkpoint.safetensors, summary.json and report.html into --out.
            """)
    @OptionGroup var settings: GrokSettings
    @Option(help: "Run directory (default: runs/grok-<date>-<time>).") var out: String?
    @Option(help: "Continue the run in this directory from its last checkpoint.") var resume: String?
    @Flag(help: "No progress bar.") var quiet = false

    func run() throws {
        // Every flag but --steps (and --quiet) would be ignored: the run's saved settings hold.
        let ignored = flagsGiven(except: ["--resume", "--steps"], flags: ["--quiet"]).joined(separator: ", ")
        if resume != nil, !ignored.isEmpty {
            throw SciDLError("--resume continues a run as saved: drop \(ignored) (only --steps may change)")
        }
        let dir = URL(fileURLWithPath: out ?? RunFolder.defaultPath("grok"))
        let run =
            try resume.map { try GrokRun(resuming: URL(fileURLWithPath: $0), steps: settings.steps) }
            ?? GrokRun(config: try settings.config(), directory: dir)
        print(run.startLine(resumed: resume != nil))
        print(try run.run(progress: quiet ? nil : GrokRun.progressBar(label: "grok ")).headline)
        print("results in \(run.directory.path): summary.json, metrics.csv, report.html")
    }
}

/// The settings of a grokking run as flags, all optional: a sweep has its own defaults for some.
struct GrokSettings: ParsableArguments {
    @Option(help: "add, subtract, multiply, divide, quadratic, s5 (or a+b, a-b, a*b, a/b, a^2+ab+b^2).")
    var operation: BinaryOperation?
    @Option(help: "Modulus p (default 113).") var p: Int?
    @Option(help: "Fraction of all pairs used for training (default 0.3).") var trainFraction: Double?
    @Option(help: "Number of training pairs (instead of --train-fraction).") var trainCount: Int?
    @Option(help: "Random seed for the split, initialisation and minibatches (default 0).") var seed: UInt64?
    @Option(help: "Model: transformer or mlp (default transformer).") var model: ModelKind?
    @Option(help: "Residual width (default 128).") var dModel: Int?
    @Option(help: "Attention heads (default 4).") var heads: Int?
    @Option(help: "MLP hidden width (default 512).") var dMlp: Int?
    @Option(help: "Learning rate (default 1e-3).") var lr: Double?
    @Option(help: "AdamW beta1 (default 0.9).") var beta1: Double?
    @Option(help: "AdamW beta2 (default 0.98).") var beta2: Double?
    @Option(help: "AdamW epsilon (default 1e-8).") var adamEpsilon: Double?
    @Option(help: "Decoupled weight decay (default 1.0).") var weightDecay: Double?
    @Option(help: "Total training steps (default 25000).") var steps: Int?
    @Option(help: "Minibatch size (default: full batch).") var batchSize: Int?
    @Option(help: "Log metrics every N steps (default 100).") var evalEvery: Int?
    @Option(help: "Checkpoint every N steps (default 1000).") var checkpointEvery: Int?
    @Option(help: "Stop when test accuracy reaches this (default 0.99).") var stopAtTestAccuracy: Double?
    @Flag(help: "Train all --steps even after test accuracy reaches the stop value.") var noEarlyStop = false
    @Flag(help: "Train on random labels (only memorisation can fit them).") var randomLabels = false
    @Option(help: "Train on a random subset of this many of the training examples.") var trainSubset: Int?
    @Option(help: "Start from the weights of the run in this directory.") var initFrom: String?
    @Option(help: "Grokfast gradient filter (Lee et al. 2024): ema or ma (default: none).") var grokfast: GrokfastKind?
    @Option(help: "Grokfast EMA momentum α (default 0.98).") var grokfastAlpha: Double?
    @Option(help: "Grokfast moving-average window (default 100).") var grokfastWindow: Int?
    @Option(help: "Grokfast amplification λ (default 2 for ema, 5 for ma).") var grokfastLambda: Double?
    @Option(
        help: """
            Cross-entropy through softmax, softmax-float64 (softmax and its gradient in float64, delaying \
            softmax collapse) or stablemax (Prieto et al. 2025; default softmax).
            """)
    var loss: ClassificationLoss?
    @Option(help: "adamw, or orthograd: ⊥Grad's projection before AdamW (Prieto et al. 2025; default adamw).")
    var optimizer: OptimizerKind?
    @Option(help: "Omnigrok: scale the initial weights by this factor (default 1).") var initScale: Double?
    @Flag(help: "Omnigrok: hold the weights' total norm at its value after initialisation.") var constrainNorm = false

    /// The run the flags describe, starting from `start` (the defaults, or a preset's run).
    func config(startingFrom start: GrokConfig = GrokConfig()) throws -> GrokConfig {
        if trainFraction != nil && trainCount != nil {
            throw SciDLError("--train-fraction and --train-count contradict each other: give one")
        }
        if noEarlyStop && stopAtTestAccuracy != nil {
            throw SciDLError("--no-early-stop and --stop-at-test-accuracy contradict each other: give one")
        }
        var c = start
        (c.operation, c.modulus, c.seed) = (operation ?? c.operation, p ?? c.modulus, seed ?? c.seed)
        (c.trainFraction, c.trainCount, c.trainSubset) = (trainFraction ?? c.trainFraction, trainCount, trainSubset)
        (c.randomLabels, c.initialCheckpoint) = (randomLabels, initFrom)
        c.model.kind = model ?? c.model.kind
        c.model.modelWidth = dModel ?? c.model.modelWidth
        (c.model.heads, c.model.mlpWidth) = (heads ?? c.model.heads, dMlp ?? c.model.mlpWidth)
        (c.learningRate, c.beta1, c.beta2) = (lr ?? c.learningRate, beta1 ?? c.beta1, beta2 ?? c.beta2)
        c.adamEpsilon = adamEpsilon ?? c.adamEpsilon
        (c.weightDecay, c.steps, c.batchSize) = (weightDecay ?? c.weightDecay, steps ?? c.steps, batchSize)
        (c.evalEvery, c.checkpointEvery) = (evalEvery ?? c.evalEvery, checkpointEvery ?? c.checkpointEvery)
        c.stopAtTestAccuracy = noEarlyStop ? nil : (stopAtTestAccuracy ?? c.stopAtTestAccuracy)
        c.gradientFilter = try gradientFilter(startingFrom: c.gradientFilter)
        (c.loss, c.orthogonalGradients) = (loss ?? c.loss, optimizer.map { $0 == .orthograd } ?? c.orthogonalGradients)
        (c.initScale, c.constrainNorm) = (initScale ?? c.initScale, constrainNorm || c.constrainNorm)
        try c.validate()
        return c
    }

    /// --grokfast and its settings over `start`'s filter (a preset's): a setting without a filter, or of the
    /// other filter, is refused.
    func gradientFilter(startingFrom start: GradientFilter? = nil) throws -> GradientFilter? {
        let startKind: GrokfastKind? =
            switch start {
            case nil: nil
            case .exponentialMovingAverage: .ema
            case .movingAverage: .ma
            }
        let kind = grokfast ?? startKind
        let base = kind == startKind ? start : nil
        switch kind {
        case nil:
            if grokfastAlpha != nil || grokfastWindow != nil || grokfastLambda != nil {
                throw SciDLError("--grokfast-alpha, --grokfast-window and --grokfast-lambda need --grokfast ema or ma")
            }
            return nil
        case .ema:
            if grokfastWindow != nil { throw SciDLError("--grokfast-window is the ma filter's: use --grokfast ma") }
            guard case .exponentialMovingAverage(let a, let l) = base ?? GradientFilter.grokfast else { return nil }
            return .exponentialMovingAverage(alpha: grokfastAlpha ?? a, lambda: grokfastLambda ?? l)
        case .ma:
            if grokfastAlpha != nil { throw SciDLError("--grokfast-alpha is the ema filter's: use --grokfast ema") }
            guard case .movingAverage(let w, let l) = base ?? GradientFilter.grokfastMA else { return nil }
            return .movingAverage(window: grokfastWindow ?? w, lambda: grokfastLambda ?? l)
        }
    }
}

/// `--grokfast`'s values.
enum GrokfastKind: String, ExpressibleByArgument {
    case ema, ma
}

/// `--optimizer`'s values.
enum OptimizerKind: String, ExpressibleByArgument {
    case adamw, orthograd
}

extension ClassificationLoss: ExpressibleByArgument {}

extension BinaryOperation: ExpressibleByArgument {
    /// A name (`add`) or the operation as written (`a+b`).
    public init?(argument: String) { self.init(name: argument) }
}

extension ModelKind: ExpressibleByArgument {}
