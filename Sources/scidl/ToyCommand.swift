import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLTensor

struct Toy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grokking, ungrokking and semi-grokking in the two-circuit toy model, in seconds.",
        discussion: """
        A slow but efficient generalising circuit competes with a fast memorising one whose cost grows with \
        the training-set size, under gradient descent with weight decay (Varma et al. 2023). Prints a table \
        and writes results.csv, summary.json and report.html into --out.
        """
    )
    @Option(help: "Output directory (default: runs/toy-<date>-<time>).") var out: String?
    @Option(help: "Gradient steps per run.") var steps = 20_000
    @Option(help: "Classes K.") var classes = 10
    @Option(help: "Weight decay λ.") var weightDecay = 0.01
    @Option(help: "Learning rate.") var lr = 0.1
    @Option(help: "Memorisation scale s_m (sets D_crit).") var memorisationScale = 36.85
    @Option(help: "Interference κ of memorisation on unseen inputs.") var interference = 0.5
    @Option(help: "Logit noise σ₀ of an untrained network.") var noiseFloor = 0.1
    @Option(help: "Seed of the test-set noise.") var seed: UInt64 = 0

    func run() throws {
        var s = ToyModel.Settings()
        s.classes = classes
        s.weightDecay = weightDecay
        s.learningRate = lr
        s.memorisationScale = memorisationScale
        s.interference = interference
        s.noiseFloor = noiseFloor
        s.seed = seed
        let experiments = try ToyExperiments(settings: s, steps: steps)
        let dir = URL(fileURLWithPath: out ?? "runs/toy-\(Grok.timestamp())")
        let started = Date()
        let report = ToyReport(experiments)
        try report.write(to: dir)
        print(report.table())
        print("\(formatDuration(Date().timeIntervalSince(started))); results in \(dir.path): results.csv, summary.json, report.html")
    }
}
