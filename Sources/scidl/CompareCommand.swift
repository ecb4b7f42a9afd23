import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLSupport

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a paper's training variants side by side (Grokfast, StableMax and ⊥Grad, Omnigrok).",
        discussion: """
            Presets: \(LiteraturePreset.allCases.map(\.rawValue).joined(separator: ", ")). Each run is a grok run \
            in --out/runs/VARIANT-sSEED; report.html draws every variant's accuracy, losses, norm, restricted and \
            excluded loss, softmax collapse and weight–descent cosine on shared axes. Re-running with the same \
            --out resumes.
            """)
    @Option(help: "The comparison: \(LiteraturePreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: LiteraturePreset?
    @Option(help: "Steps per run (default: the preset's).") var steps: Int?
    @Option(help: "Seeds, comma-separated or a range (0-4; default 0).", transform: seedList) var seeds: [UInt64] = [0]
    @Option(help: "Output directory (default: runs/compare-<preset>-<date>-<time>).") var out: String?
    @Option(help: "Runs at once (default: one per core).") var workers: Int?
    @OptionGroup var slurm: SlurmOptions

    func validate() throws {
        try slurm.validate(hasOut: out != nil)
        if preset == nil && slurm.runIndex == nil {
            throw SciDLError(
                "--preset is missing: give one of \(LiteraturePreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let steps, steps < 1 { throw SciDLError("--steps must be positive (got \(steps))") }
        if let workers, workers < 1 { throw SciDLError("--workers must be at least 1 (got \(workers))") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out ?? RunFolder.defaultPath("compare-\(preset?.rawValue ?? "")"))
            .absoluteURL.standardizedFileURL
        guard let preset else {
            // A Slurm array task: its run is in the folder's run list, whatever the preset was.
            guard case .run(let index) = slurm.runIndex else { throw SciDLError("--run-index takes a number here") }
            let result = try VariantComparison.runTask(index, in: directory)
            print("run \(result.name) finished: test accuracy \(formatNumber(result[.testAccuracy] ?? .nan))")
            return
        }
        let experiment = try VariantComparison(preset: preset, steps: steps, seeds: seeds)
        print("preset: \(preset.citation)")
        try experiment.launch(
            in: directory, placement: try slurm.sweepPlacement(workers: workers),
            progress: Sweep.progressBar { print($0) }
        ) { print($0) }
    }
}

extension LiteraturePreset: ExpressibleByArgument {}
