import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Flags shared by the circuit-efficiency sweeps.
struct SweepOptions: ParsableArguments {
    @Option(help: "Training-set sizes D, comma-separated.", transform: commaList(Int.init))
    var sizes: [Int]?
    @Option(
        help: "Weight decays, comma-separated (default: --weight-decay's value, 1.0).",
        transform: commaList(Double.init))
    var weightDecays: [Double]?
    @Option(
        help: "Seeds, comma-separated: every run is repeated per seed (default: --seed's value).",
        transform: commaList(UInt64.init))
    var seeds: [UInt64]?
    @Option(help: "Output directory (default: runs/<command>-<date>-<time>). Re-running with the same one resumes.")
    var out: String?
    @Option(help: "Runs at once (default: one per core).") var workers: Int?
    @OptionGroup var slurm: SlurmOptions

    func directory(_ command: String) -> URL {
        URL(fileURLWithPath: out ?? RunFolder.defaultPath(command)).absoluteURL.standardizedFileURL
    }
    var workerCount: Int { workers ?? Parallelism.threadCount }

    /// Every flag checked as parsed, before any training (pre-training included) starts.
    func validate() throws {
        if let sizes {
            guard !sizes.isEmpty else { throw SciDLError("--sizes is empty: give training-set sizes, e.g. --sizes 500,1000") }
            if let bad = sizes.first(where: { $0 <= 0 }) {
                throw SciDLError("--sizes must be positive training-set sizes (got \(bad))")
            }
            try requireDistinct(sizes, "--sizes")
        }
        if let seeds {
            guard !seeds.isEmpty else { throw SciDLError("--seeds is empty: give e.g. --seeds 0,1,2") }
            try requireDistinct(seeds, "--seeds")
        }
        if let weightDecays {
            guard !weightDecays.isEmpty else { throw SciDLError("--weight-decays is empty: give e.g. --weight-decays 1,0.3") }
            if let bad = weightDecays.first(where: { !($0 >= 0 && $0.isFinite) }) {
                throw SciDLError("--weight-decays must be finite and ≥ 0 (got \(bad))")
            }
            try requireDistinct(weightDecays, "--weight-decays")
        }
        if let workers, workers < 1 { throw SciDLError("--workers must be at least 1 (got \(workers))") }
    }

    func weightDecays(_ base: GrokConfig, given: Bool) throws -> [Double] {
        if given && weightDecays != nil {
            throw SciDLError("--weight-decay and --weight-decays contradict each other: give one")
        }
        return weightDecays ?? [base.weightDecay]
    }

    /// The sizes and seeds: a preset's, or the flags', or the defaults.
    func grid(
        _ preset: SweepPreset?, defaultSizes: [Int], defaultSeeds: [UInt64]?
    ) throws -> (
        sizes: [Int], seeds: [UInt64]?
    ) {
        guard let preset else { return (sizes ?? defaultSizes, seeds ?? defaultSeeds) }
        if sizes != nil || seeds != nil {
            throw SciDLError("--preset \(preset.rawValue) sets the sizes and seeds: drop --sizes and --seeds")
        }
        print("preset: \(preset.citation)")
        return (preset.sizes, preset.seeds)
    }

    /// Runs `experiment` here, or sends it to Slurm, or (as a Slurm task) runs one of its runs; prints
    /// what happened and, once every run has finished, `table` of the results.
    func execute<E: SweepExperiment>(_ experiment: E, in dir: URL, table: ([Sweep.Result]) -> String) throws {
        switch slurm.runIndex {
        case .run(let index):
            let result = try E.runTask(index, in: dir)
            print("run \(result.name) finished: test accuracy \(formatNumber(result[.testAccuracy] ?? .nan))")
            return
        case .prerequisite(let name):
            throw SciDLError("`scidl \(E.command)` has no run '\(name)' to wait for: --run-index takes a number here")
        case nil: break
        }
        let plans = try experiment.plans()
        let cost = try SweepCost(plans: plans).describe(workers: slurm.slurm ? nil : workerCount)
        let after = experiment.prerequisite.map { $0.isFinished ? "" : ", after the \($0.name)" } ?? ""
        print("cost estimate: \(cost)\(after)")
        guard slurm.slurm else {
            let results = try experiment.run(in: dir, workers: workerCount, progress: sweepProgress())
            let busy = plans.count - results.count
            if busy > 0 {
                print(
                    "\(busy) runs are being trained by another process (a Slurm task?): run again later to merge them")
            }
            print(table(results))
            printWhereResultsAre(dir)
            return
        }
        let (results, status) = try experiment.submitToSlurm(
            in: dir, resources: try slurm.resources, executable: SlurmOptions.executable, dryRun: slurm.dryRun)
        printSlurmStatus(status, dryRun: slurm.dryRun)
        if status.finished == status.total {
            print(table(results))
            printWhereResultsAre(dir)
        }
    }
}

/// Refuses a list that names a value twice: the grid would run (and report) it twice.
func requireDistinct<T: Hashable & CustomStringConvertible>(_ values: [T], _ flag: String) throws {
    var seen = Set<T>()
    for v in values where !seen.insert(v).inserted {
        throw SciDLError("\(flag) lists \(v) twice: give each value once")
    }
}

/// Parses "a,b,c" with `parse`, or explains which item is wrong.
func commaList<T>(_ parse: @escaping @Sendable (String) -> T?) -> @Sendable (String) throws -> [T] {
    { text in
        try text.split(separator: ",").map { item in
            let s = item.trimmingCharacters(in: .whitespaces)
            guard let v = parse(s) else { throw SciDLError("'\(s)' in '\(text)' is not a valid number") }
            return v
        }
    }
}

extension Int {
    /// Digits grouped by thousands with commas, whatever the locale: 10000 → "10,000".
    var grouped: String {
        var digits = String(magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (self < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

/// The sweep's last line.
func printWhereResultsAre(_ directory: URL) {
    print("results in \(directory.path): results.csv, summary.json, report.html")
}

/// A sweep's start line and a progress bar that moves as its runs finish.
func sweepProgress() -> @Sendable (Sweep.Progress) -> Void {
    let bar = LockedProgressBar()
    return { event in
        switch event {
        case .started(let runs, let workers, let directory):
            print("\(runs) runs, \(workers) at a time, in \(directory.path)")
            bar.start(ProgressBar(total: runs, label: "runs "))
        case .finished(let done, let total):
            bar.update(step: done, total: total)
        }
    }
}

/// The sweep's bar, drawn from whichever worker finishes a run (the sweep calls under its lock).
final class LockedProgressBar: @unchecked Sendable {
    private var bar: ProgressBar?
    func start(_ bar: ProgressBar) { self.bar = bar }
    func update(step: Int, total: Int) {
        bar?.update(step: step, force: true)
        if step == total { bar?.finish() }
    }
}
