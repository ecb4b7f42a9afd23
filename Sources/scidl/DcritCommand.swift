import ArgumentParser
import SciDLGrokking

struct Dcrit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate the critical dataset size D_crit from memorising and generalising runs.",
        discussion: """
            For each size D: a run on random labels (only memorisation fits them) and one on the true labels. \
            Default: p = 113 transformer, \(CriticalSizeExperiment.defaultSteps.grouped) steps per run.
            """)
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions

    func run() throws {
        let base = try settings.config().sweepRun(steps: settings.steps ?? CriticalSizeExperiment.defaultSteps)
        let experiment = try CriticalSizeExperiment(
            base: base, sizes: sweep.sizes ?? CriticalSizeExperiment.defaultSizes,
            weightDecays: try sweep.weightDecays(base, settings), seeds: sweep.seeds)
        try sweep.launch(experiment, in: sweep.directory("dcrit"))
    }
}
