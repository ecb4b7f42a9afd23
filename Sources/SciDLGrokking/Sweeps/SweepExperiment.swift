import Foundation
import SciDLSupport
import SciDLTensor

/// A circuit-efficiency experiment made of a sweep of grokking runs (`dcrit`, `ungrok`, `semigrok`): the
/// runs it plans and what it writes from their results. Run locally (`run`) or on Slurm (`submitToSlurm`),
/// the folder, the runs and the files written from them are the same.
public protocol SweepExperiment: Sendable {
    /// The `scidl` command, recorded in the sweep's folder and run by its Slurm tasks.
    static var command: String { get }
    /// Every run of the experiment, in a fixed order (the Slurm array's task indices).
    func plans() throws -> [Sweep.Plan]
    /// A run the others start from, trained first (ungrokking's grokked network).
    var prerequisite: Sweep.Prerequisite? { get }
    /// Writes `summary.json` and `report.html` beside `results.csv` from the finished runs.
    func writeSummaryAndReport(_ results: [Sweep.Result], sweep: Sweep) throws
}

extension SweepExperiment {
    public var prerequisite: Sweep.Prerequisite? { nil }

    /// Opens (or reopens) the experiment's sweep in `directory`.
    public func sweep(in directory: URL, workers: Int = Parallelism.threadCount) throws -> Sweep {
        try Sweep(directory: directory, plans: plans(), command: Self.command, workers: workers)
    }

    /// Trains every unfinished run here (resuming a sweep already in `directory`), then writes the summary
    /// and report. Runs that another process is training (a Slurm task) are left to it.
    public func run(
        in directory: URL, workers: Int, progress: (@Sendable (Sweep.Progress) -> Void)? = nil
    ) throws -> [Sweep.Result] {
        let sweep = try sweep(in: directory, workers: workers)
        let results = try sweep.run(progress: progress)
        try writeSummaryAndReport(results, sweep: sweep)
        return results
    }

    /// Merges what has finished into `results.csv`, `summary.json` and `report.html`, then submits every
    /// run that is neither finished, queued nor running as one Slurm job array (see `Sweep.submitToSlurm`).
    public func submitToSlurm(
        in directory: URL, resources: SlurmResources, executable: URL, dryRun: Bool = false
    ) throws -> (results: [Sweep.Result], status: SlurmSubmission.Status) {
        let sweep = try sweep(in: directory)
        let results = try sweep.merge()
        if !results.isEmpty { try writeSummaryAndReport(results, sweep: sweep) }
        let status = try sweep.submitToSlurm(
            resources: resources, executable: executable, prerequisite: prerequisite, dryRun: dryRun)
        return (results, status)
    }

    /// Runs one task of the experiment's Slurm array in `directory`: the task's run only.
    public static func runTask(_ index: Int, in directory: URL) throws -> Sweep.Result {
        try Sweep.runTask(index, in: directory, command: command)
    }
}
