import ArgumentParser
import SciDLGrokking

struct Semigrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from scratch near D_crit with several seeds and look for partial generalisation.",
        discussion: "Default: p = 113 transformer, \(SemiGrokkingExperiment.defaultSteps.grouped) steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A paper's grid: \(SweepPreset.varma2023Fig5.rawValue) (Varma et al. 2023, Fig. 5).")
    var preset: SweepPreset?

    func run() throws {
        typealias Experiment = SemiGrokkingExperiment
        let grid = try sweep.sizesAndSeeds(
            preset, Experiment.self, defaultSizes: Experiment.defaultSizes, defaultSeeds: Experiment.defaultSeeds)
        let base = try settings.config().sweepRun(steps: settings.steps ?? Experiment.defaultSteps)
        let experiment = try Experiment(
            base: base, sizes: grid.sizes, weightDecays: try sweep.weightDecays(base, settings),
            seeds: grid.seeds ?? [])
        try sweep.launch(experiment, in: sweep.directory("semigrok"))
    }
}

extension SweepPreset: ExpressibleByArgument {}
