import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports

struct Ungrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain a grokked network on smaller subsets of its training set and watch it ungrok.",
        discussion: """
            Pre-trains with the grok flags until test accuracy reaches 99 % (or takes --from DIR), then trains a \
            copy on random subsets of each size (one subset per seed). Default: p = 113 transformer, 30 % of \
            pairs, \(UngrokkingExperiment.defaultSteps.grouped) steps per subset.
            """)
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A finished grok run directory to start from (instead of pre-training).") var from: String?
    @Option(help: "A paper's grid: \(SweepPreset.varma2023Fig7.rawValue) (Varma et al. 2023, Fig. 7).")
    var preset: SweepPreset?

    func run() throws {
        typealias Experiment = UngrokkingExperiment
        let dir = sweep.directory("ungrok")
        if case .prerequisite(let name) = sweep.slurm.runIndex {
            let start = try Experiment.Start.pretrainForSlurm(name, in: dir)
            return print("pre-training finished: test accuracy \(formatNumber(start.testAccuracy))")
        }
        let grid = try sweep.sizesAndSeeds(preset, Experiment.self, defaultSizes: Experiment.defaultSizes)
        var (base, start) = try Experiment.Start.resolve(
            grokRun: from.map { URL(fileURLWithPath: $0) }, pretraining: try settings.config(), in: dir,
            trainNow: !sweep.slurm.slurm && sweep.slurm.runIndex == nil,
            progress: GrokRun.progressBar(label: "grok "), say: { print($0) })
        base.evalEvery = settings.evalEvery ?? base.evalEvery
        let experiment = try Experiment(
            base: base, sizes: grid.sizes, weightDecays: try sweep.weightDecays(base, settings),
            steps: settings.steps ?? Experiment.defaultSteps, seeds: grid.seeds, pretrained: start,
            pretrains: from == nil)
        try sweep.launch(experiment, in: dir)
    }
}
