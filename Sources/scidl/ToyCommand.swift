import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLSupport

struct Toy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grokking, ungrokking and semi-grokking in the two-circuit toy model, in seconds.",
        discussion: """
            A slow but efficient generalising circuit competes with a fast memorising one whose cost grows with \
            the training-set size, under gradient descent with weight decay (Varma et al. 2023). Prints a table \
            and writes results.csv, summary.json and report.html into --out.
            """)
    @Option(help: "Output directory (default: runs/toy-<date>-<time>).") var out: String?
    private static let defaults = ToyModel.Settings()
    @Option(help: "Gradient steps per run.") var steps = ToyExperiments.defaultSteps
    @Option(help: "Classes K.") var classes = defaults.classes
    @Option(help: "Weight decay λ.") var weightDecay = defaults.weightDecay
    @Option(help: "Learning rate.") var lr = defaults.learningRate
    @Option(help: "Memorisation scale s_m (sets D_crit).") var memorisationScale = defaults.memorisationScale
    @Option(help: "Interference κ of memorisation on unseen inputs.") var interference = defaults.interference
    @Option(help: "Logit noise σ₀ of an untrained network.") var noiseFloor = defaults.noiseFloor
    @Option(help: "Seed of the test-set noise.") var seed = defaults.seed

    func run() throws {
        var s = Self.defaults
        (s.classes, s.weightDecay, s.learningRate, s.seed) = (classes, weightDecay, lr, seed)
        (s.memorisationScale, s.interference, s.noiseFloor) = (memorisationScale, interference, noiseFloor)
        let folder = try RunFolder.forThisCommand(out: out, defaultName: "toy")
        print(try ToyReport.run(settings: s, steps: steps, in: folder.url).table())
        print(finishedLine(folder, files: "results.csv, summary.json, report.html"))
    }
}
