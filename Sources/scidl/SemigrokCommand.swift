import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLSupport
import SciDLTensor

struct Semigrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from scratch near D_crit with several seeds and look for partial generalisation.",
        discussion: "Default: p = 113 transformer, \(SemiGrokkingExperiment.defaultSteps.grouped) steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A paper's grid: \(SweepPreset.varma2023Fig5.rawValue) (Varma et al. 2023, Fig. 5).")
    var preset: SweepPreset?

    func run() throws {
        try sweep.slurm.validate(hasOut: sweep.out != nil)
        try preset?.require(SemiGrokkingExperiment.command)
        let grid = try sweep.sizesAndSeeds(
            preset, defaultSizes: SemiGrokkingExperiment.defaultSizes, defaultSeeds: SemiGrokkingExperiment.defaultSeeds
        )
        let base = try settings.config().sweepRun(steps: settings.steps ?? SemiGrokkingExperiment.defaultSteps)
        let experiment = try SemiGrokkingExperiment(
            base: base, sizes: grid.sizes,
            weightDecays: try sweep.grid.weightDecays(base, given: settings.weightDecay != nil), seeds: grid.seeds ?? [])
        try sweep.launch(experiment, in: sweep.directory("semigrok"))
    }
}

extension SweepPreset: ExpressibleByArgument {
    /// A preset given to another command than its own is refused.
    func require(_ command: String) throws {
        guard self.command == command else {
            throw SciDLError("--preset \(rawValue) belongs to `scidl \(self.command)`, not `scidl \(command)`")
        }
    }
}
