import Foundation
import SciDLReports
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
    /// The terminal's table of the finished runs.
    func table(_ results: [Sweep.Result]) -> String
    /// The same, for an experiment that also reads the runs' logs in `sweep` (semi-grokking's verdicts).
    func table(_ results: [Sweep.Result], sweep: Sweep) -> String
}

extension SweepExperiment {
    public var prerequisite: Sweep.Prerequisite? { nil }

    public func table(_ results: [Sweep.Result], sweep: Sweep) -> String { table(results) }

    /// Opens (or reopens) the experiment's sweep in `directory`.
    public func sweep(in directory: URL, workers: Int = Parallelism.threadCount) throws -> Sweep {
        try Sweep(directory: directory, plans: plans(), command: Self.command, workers: workers)
    }

    /// Trains every unfinished run here (resuming a sweep already in `directory`), then writes the summary
    /// and report. Runs that another process is training (a Slurm task) are left to it.
    public func run(
        in directory: URL, workers: Int, progress: (@Sendable (Sweep.Progress) -> Void)? = nil
    ) throws -> [Sweep.Result] {
        try run(try sweep(in: directory, workers: workers), progress: progress)
    }

    /// The same in a sweep already open.
    private func run(_ sweep: Sweep, progress: (@Sendable (Sweep.Progress) -> Void)?) throws -> [Sweep.Result] {
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

/// Where a sweep experiment's runs go: trained here, sent to Slurm, or (in a Slurm array task) one of them.
public enum SweepPlacement: Sendable {
    case here(workers: Int)
    /// `executable`: the `scidl` binary the tasks run (on a cluster: a path every node sees).
    case slurm(SlurmResources, executable: URL, dryRun: Bool)
    case task(Sweep.SlurmTask)
}

extension SweepExperiment {
    /// Runs the experiment where `placement` says, telling `say` what happened (a cost estimate first) and,
    /// once every run has finished, the table of the results.
    public func launch(
        in directory: URL, placement: SweepPlacement, progress: (@Sendable (Sweep.Progress) -> Void)? = nil,
        say: (String) -> Void
    ) throws {
        let whereResultsAre = "results in \(directory.path): results.csv, summary.json, report.html"
        switch placement {
        case .task(.run(let index)):
            let result = try Self.runTask(index, in: directory)
            say("run \(result.name) finished: test accuracy \(formatNumber(result[.testAccuracy] ?? .nan))")
        case .task(.prerequisite(let name)):
            throw SciDLError(
                "`scidl \(Self.command)` has no run '\(name)' to wait for: --run-index takes a number here")
        case .here(let workers):
            let sweep = try sweep(in: directory, workers: workers)
            try estimateCost(of: sweep, workers: workers, say: say)
            let results = try run(sweep, progress: progress)
            if sweep.plans.count > results.count {
                say(
                    """
                    \(sweep.plans.count - results.count) runs are being trained by another process (a Slurm task?): \
                    run again later to merge them
                    """)
            }
            say(table(results, sweep: sweep))
            say(whereResultsAre)
        case .slurm(let resources, let executable, let dryRun):
            // Each open sweep holds the folder, and the submission opens its own: none is held across it.
            try estimateCost(of: try sweep(in: directory), workers: nil, say: say)
            let (results, status) = try submitToSlurm(
                in: directory, resources: resources, executable: executable, dryRun: dryRun)
            status.lines(dryRun: dryRun).forEach(say)
            if status.finished == status.total {
                say(table(results, sweep: try sweep(in: directory)))
                say(whereResultsAre)
            }
        }
    }

    /// The cost of the runs `sweep` has not yet finished (all of them in a new folder; nothing when every run
    /// has finished and only the report is rewritten).
    private func estimateCost(of sweep: Sweep, workers: Int?, say: (String) -> Void) throws {
        let left = sweep.unfinished
        guard !left.isEmpty else { return }
        let part =
            left.count < sweep.plans.count ? " (the \(left.count) of \(sweep.plans.count) runs not finished)" : ""
        say("cost estimate\(part): \(try SweepCost(plans: left).describe(workers: workers))\(prerequisiteNote)")
    }

    private var prerequisiteNote: String {
        prerequisite.map { $0.isFinished ? "" : ", after the \($0.name)" } ?? ""
    }
}
