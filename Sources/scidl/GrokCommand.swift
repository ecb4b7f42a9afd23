import ArgumentParser
import Foundation
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
            """
    )

    @OptionGroup var settings: GrokSettings

    @Option(help: "Run directory (default: runs/grok-<date>-<time>).")
    var out: String?

    @Option(help: "Continue the run in this directory from its last checkpoint.")
    var resume: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        let run: GrokRun
        if let resume {
            let given = settings.explicitlyGiven.filter { $0 != "--steps" }
            if !given.isEmpty || out != nil {
                throw SciDLError(
                    """
                    --resume continues a run with its saved settings; drop \
                    \((given + (out != nil ? ["--out"] : [])).joined(separator: ", ")) (only --steps may change)
                    """
                )
            }
            run = try GrokRun(resuming: URL(fileURLWithPath: resume), steps: settings.steps)
            print("resuming \(resume) at step \(run.step) of \(run.config.steps)")
        } else {
            let config = try settings.config()
            let dir = out ?? RunFolder.defaultPath("grok")
            run = try GrokRun(config: config, directory: URL(fileURLWithPath: dir))
            print(
                """
                grok: \(config.operation.symbol) mod \(config.modulus), \(config.model.kind.rawValue), \
                \(run.task.count) pairs, out \(dir)
                """
            )
        }
        let summary = try run.run(progress: quiet ? nil : GrokRun.progressBar(label: "grok "))
        print(summary.headline)
        print("results in \(run.directory.path): summary.json, metrics.csv, report.html")
    }

}

/// The settings of a grokking run as flags. All optional, so that `--resume` can tell which were given.
struct GrokSettings: ParsableArguments {
    @Option(help: "Operation: add, subtract, multiply, divide, quadratic, s5 (or a+b, a-b, a*b, a/b, a^2+ab+b^2).")
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

    /// The flags that were set, by name.
    var explicitlyGiven: [String] {
        let all: [(String, Any?)] = [
            ("--operation", operation), ("--p", p), ("--train-fraction", trainFraction), ("--train-count", trainCount),
            ("--seed", seed), ("--model", model), ("--d-model", dModel), ("--heads", heads), ("--d-mlp", dMlp),
            ("--lr", lr), ("--beta1", beta1), ("--beta2", beta2), ("--weight-decay", weightDecay), ("--steps", steps),
            ("--batch-size", batchSize), ("--eval-every", evalEvery), ("--checkpoint-every", checkpointEvery),
            ("--stop-at-test-accuracy", stopAtTestAccuracy), ("--no-early-stop", noEarlyStop ? true : nil),
            ("--random-labels", randomLabels ? true : nil), ("--train-subset", trainSubset), ("--init-from", initFrom),
        ]
        return all.filter { $0.1 != nil }.map(\.0)
    }

    func config() throws -> GrokConfig {
        var c = GrokConfig()
        c.operation = operation ?? c.operation
        c.model.kind = model ?? c.model.kind
        if trainFraction != nil && trainCount != nil {
            throw SciDLError("--train-fraction and --train-count contradict each other: give one")
        }
        if noEarlyStop && stopAtTestAccuracy != nil {
            throw SciDLError("--no-early-stop and --stop-at-test-accuracy contradict each other: give one")
        }
        c.modulus = p ?? c.modulus
        c.trainFraction = trainFraction ?? c.trainFraction
        c.trainCount = trainCount
        c.seed = seed ?? c.seed
        c.model.modelWidth = dModel ?? c.model.modelWidth
        c.model.heads = heads ?? c.model.heads
        c.model.mlpWidth = dMlp ?? c.model.mlpWidth
        c.learningRate = lr ?? c.learningRate
        c.beta1 = beta1 ?? c.beta1
        c.beta2 = beta2 ?? c.beta2
        c.weightDecay = weightDecay ?? c.weightDecay
        c.steps = steps ?? c.steps
        c.batchSize = batchSize
        c.evalEvery = evalEvery ?? c.evalEvery
        c.checkpointEvery = checkpointEvery ?? c.checkpointEvery
        c.stopAtTestAccuracy = noEarlyStop ? nil : (stopAtTestAccuracy ?? c.stopAtTestAccuracy)
        c.randomLabels = randomLabels
        c.trainSubset = trainSubset
        c.initialCheckpoint = initFrom
        try c.validate()
        return c
    }
}

extension BinaryOperation: ExpressibleByArgument {
    /// A name (`add`) or the operation as written (`a+b`).
    public init?(argument: String) { self.init(name: argument) }
}

extension ModelKind: ExpressibleByArgument {}
