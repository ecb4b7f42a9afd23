import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLSupport
import SciDLTensor

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
        try sweep.slurm.validate(hasOut: sweep.out != nil)
        let dir = sweep.directory("ungrok")
        if case .prerequisite(let name) = sweep.slurm.runIndex {
            // The Slurm job the array waits for: the pre-training, as the run list holds it.
            let plan = try Sweep.plannedRun(.prerequisite(name), in: dir, command: UngrokkingExperiment.command)
            let start = try UngrokkingExperiment.Start(pretraining: plan.config, in: dir.appendingPathComponent(name))
            print("pre-training finished: test accuracy \(formatNumber(start.testAccuracy))")
            return
        }
        try preset?.require(UngrokkingExperiment.command)
        let grid = try sweep.sizesAndSeeds(preset, defaultSizes: UngrokkingExperiment.defaultSizes, defaultSeeds: nil)
        var base: GrokConfig
        let pretrained: URL
        if let from {
            pretrained = URL(fileURLWithPath: from).absoluteURL.standardizedFileURL
            base = try UngrokkingExperiment.Start(grokRun: pretrained).config
        } else {
            pretrained = dir.appendingPathComponent(UngrokkingExperiment.pretrainingName)
            base = UngrokkingExperiment.Start.pretrainingConfig(try settings.config())
            // Here (not on Slurm, where it is the array's first job) the network is grokked before the sweep.
            if !sweep.slurm.slurm && sweep.slurm.runIndex == nil {
                print("pre-training in \(pretrained.path)")
                base = try UngrokkingExperiment.Start(
                    pretraining: base, in: pretrained, progress: GrokRun.progressBar(label: "grok ")
                ).config
            }
        }
        base.evalEvery = settings.evalEvery ?? base.evalEvery
        let experiment = try UngrokkingExperiment(
            base: base, sizes: grid.sizes,
            weightDecays: try sweep.grid.weightDecays(base, given: settings.weightDecay != nil),
            steps: settings.steps ?? UngrokkingExperiment.defaultSteps, seeds: grid.seeds, pretrained: pretrained,
            pretrains: from == nil)
        try sweep.launch(experiment, in: dir)
    }
}
