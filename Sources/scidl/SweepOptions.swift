import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLSupport
import SciDLTensor

/// `--seeds`: "0,1,2", "0-9" or a mix, each seed once.
@Sendable func seedList(_ text: String) throws -> [UInt64] { try parseIntegers(text, "--seeds").map(UInt64.init) }

/// Flags shared by the circuit-efficiency sweeps.
struct SweepOptions: ParsableArguments {
    @Option(help: "Training-set sizes D, comma-separated.", transform: commaList(Int.init)) var sizes: [Int]?
    @Option(help: "Weight decays, comma-separated (default: --weight-decay's).", transform: commaList(Double.init))
    var weightDecays: [Double]?
    @Option(
        help: "Seeds, comma-separated or a range (0-9): every run once each (default: --seed's).", transform: seedList)
    var seeds: [UInt64]?
    @Option(help: "Output directory (default: runs/<command>-<date>-<time>). Re-running with the same one resumes.")
    var out: String?
    @Option(help: "Runs at once (default: one per core).") var workers: Int?
    @OptionGroup var slurm: SlurmOptions

    func directory(_ name: String) -> URL {
        URL(fileURLWithPath: out ?? RunFolder.defaultPath(name)).absoluteURL.standardizedFileURL
    }

    var grid: SweepGrid { SweepGrid(sizes: sizes, weightDecays: weightDecays, seeds: seeds) }

    /// --weight-decays, or the run's --weight-decay.
    func weightDecays(_ base: GrokConfig, _ settings: GrokSettings) throws -> [Double] {
        try grid.weightDecays(base, given: settings.weightDecay != nil)
    }

    /// Every flag checked as parsed, before any training (pre-training included) starts.
    func validate() throws {
        try grid.validate()
        try slurm.validate(hasOut: out != nil)
        if let workers, workers < 1 { throw SciDLError("--workers must be at least 1 (got \(workers))") }
    }

    /// The sizes and seeds of `preset` (announced) or of the flags.
    func sizesAndSeeds<E: SweepExperiment>(
        _ preset: SweepPreset?, _: E.Type, defaultSizes: [Int], defaultSeeds: [UInt64]? = nil
    ) throws -> (sizes: [Int], seeds: [UInt64]?) {
        let chosen = try grid.sizesAndSeeds(
            preset, command: E.command, defaultSizes: defaultSizes, defaultSeeds: defaultSeeds)
        if let preset { print("preset: \(preset.citation)") }
        return chosen
    }

    /// Runs `experiment` here, sends it to Slurm or runs one of its tasks, as the flags say.
    func launch<E: SweepExperiment>(_ experiment: E, in dir: URL) throws {
        try experiment.launch(
            in: dir, placement: try slurm.sweepPlacement(workers: workers), progress: Sweep.progressBar { print($0) }
        ) { print($0) }
    }
}
