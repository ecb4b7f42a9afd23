import ArgumentParser
import SciDLGrokking

struct Semigrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from scratch near D_crit with several seeds and look for partial generalisation.",
        discussion: "Default: p = 113 transformer, \(SemiGrokkingExperiment.defaultSteps.grouped) steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(
        help: """
            A grid: \(SweepPreset.varma2023Fig5.rawValue) (Varma et al. 2023, Fig. 5, the paper's sizes), or \
            \(SweepPreset.mlp31NearDcrit.rawValue) / \(SweepPreset.mlp31StableMaxNearDcrit.rawValue) / \
            \(SweepPreset.mlp31GrokfastNearDcrit.rawValue) (SciDL's MLP on a+b mod 31 around its measured D_crit), or \
            \(SweepPreset.p113NearDcrit.rawValue) (the p = 113 transformer from its D_crit up, 1,000,000 steps a run: \
            a cluster's grid).
            """)
    var preset: SweepPreset?

    func run() throws {
        typealias Experiment = SemiGrokkingExperiment
        let grid = try sweep.sizesAndSeeds(
            preset, Experiment.self, defaultSizes: Experiment.defaultSizes, defaultSeeds: Experiment.defaultSeeds)
        let start = preset?.base ?? GrokConfig()
        let base = try settings.config(startingFrom: start)
            .sweepRun(steps: settings.steps ?? preset?.base?.steps ?? Experiment.defaultSteps)
        let experiment = try Experiment(
            base: base, sizes: grid.sizes, weightDecays: try sweep.weightDecays(base, settings),
            seeds: grid.seeds ?? [])
        try sweep.launch(experiment, in: sweep.directory("semigrok"))
    }
}

extension SweepPreset: ExpressibleByArgument {}
