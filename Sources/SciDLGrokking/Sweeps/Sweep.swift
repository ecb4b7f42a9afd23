import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Many grokking runs, run on all cores at once or as a Slurm job array, resumable, with one
/// `results.csv` row per run.
///
/// Each run lives in `DIR/runs/NAME` and, once finished, leaves its row there (`result.csv`); the sweep's
/// `results.csv` merges those rows in plan order. A finished run is never redone; one that was interrupted
/// continues from its checkpoint. Locally, independent runs go to separate workers, each keeping one core's
/// worth of SciDL's own parallel loops, since a sweep's runs are small and many. On Slurm
/// (`Sweep+Slurm.swift`) each array task runs one plan of the run list, `run-list.json`, holding only that
/// run's lock, so tasks and the process that merges them never wait for each other.
public final class Sweep: @unchecked Sendable {
    /// One planned run.
    public struct Plan: Sendable, Equatable {
        public var name: String
        public var config: GrokConfig
        public init(name: String, config: GrokConfig) { (self.name, self.config) = (name, config) }
    }

    /// A finished run: its plan, final metrics and wall time.
    public struct Result: Sendable {
        public var name: String
        public var values: [(name: MetricName, value: Double)]
        public subscript(_ column: MetricName) -> Double? { values.first { $0.name == column }?.value }
    }

    public let directory: URL
    public let plans: [Plan]
    public let command: String
    public let workers: Int
    /// The sweep's folder, locked while the sweep lives: one process at a time writes the sweep's own files.
    let folder: RunFolder
    /// The finished runs' results by name (changed only under the engine's lock while the sweep runs).
    private var results: [String: Result] = [:]

    /// The file each finished run leaves in its folder: its row of the sweep's `results.csv`.
    static let resultName = "result.csv"

    /// Opens (or reopens) the sweep in `directory`. A folder made by another command is refused, and so is
    /// a run already in the folder that was made with other settings than its plan: a sweep may grow by new
    /// runs, but never reports old results as if they were new.
    /// - Parameters:
    ///   - command: the command the sweep belongs to (`dcrit`, `semigrok`, …), recorded in the folder.
    ///   - workers: runs at once (default: one per core).
    public init(
        directory: URL, plans: [Plan], command: String = "sweep", workers: Int = Parallelism.threadCount
    ) throws {
        guard !plans.isEmpty else { throw SciDLError("the sweep has no runs: give at least one size") }
        guard Set(plans.map(\.name)).count == plans.count else {
            throw SciDLError("two runs of the sweep share a name")
        }
        for plan in plans { try plan.config.validate() }
        self.directory = directory
        self.plans = plans
        self.command = command
        self.workers = max(1, min(workers, plans.count))
        folder = try RunFolder(directory, command: command, settings: "", sameSettings: false)
        for plan in plans {
            let dir = directory.appendingPathComponent("runs").appendingPathComponent(plan.name)
            guard let recorded = RunFolder.record(at: dir),
                let made = try? GrokConfig(json: Data(recorded.settings.utf8), source: dir.path)
            else { continue }
            guard made == plan.config else {
                throw SciDLError(
                    """
                    \(directory.path) holds run \(plan.name) made with other settings than this sweep's \
                    (\(made.differences(from: plan.config).joined(separator: ", "))): rerun with the same \
                    settings to continue, or pick another --out
                    """)
            }
        }
        // Rows of sweeps from before per-run result files, then every finished run's own row.
        results = try Self.readResults(directory.appendingPathComponent("results.csv"))
        for plan in plans {
            if let row = try Self.readResults(runDirectory(plan.name).appendingPathComponent(Self.resultName))[
                plan.name]
            {
                results[plan.name] = row
            }
        }
    }

    /// The folder of one run.
    public func runDirectory(_ name: String) -> URL { Self.runDirectory(name, in: directory) }

    /// The folder of run `name` of the sweep in `directory`.
    static func runDirectory(_ name: String, in directory: URL) -> URL {
        directory.appendingPathComponent("runs").appendingPathComponent(name)
    }

    /// The finished runs' results in plan order, also written to `results.csv`.
    public func merge() throws -> [Result] {
        let ordered = plans.compactMap { results[$0.name] }
        try Self.writeResults(ordered, to: directory.appendingPathComponent("results.csv"))
        return ordered
    }

    /// The plans without a result yet.
    public var unfinished: [Plan] { plans.filter { results[$0.name] == nil } }

    /// What a sweep tells its caller while it runs.
    public enum Progress: Sendable {
        /// Before the first run: how many runs, how many at once, and where.
        case started(runs: Int, workers: Int, directory: URL)
        /// After each finished run (finished ones from before a resume included).
        case finished(done: Int, total: Int)
    }

    /// Runs every plan without a result yet (through `SweepEngine`) and returns all results in plan order.
    /// - Parameter progress: told when the sweep starts and (under a lock) after each finished run.
    public func run(progress: (@Sendable (Progress) -> Void)? = nil) throws -> [Result] {
        progress?(.started(runs: plans.count, workers: workers, directory: directory))
        let plansByName = Dictionary(uniqueKeysWithValues: plans.map { ($0.name, $0) })
        let threadsPerRun = max(1, Parallelism.threadCount / workers)
        // Each result is recorded and merged as its run finishes, under the engine's lock.
        try SweepEngine.runHere(
            plans.map(\.name), workers: workers, isFinished: { results[$0] != nil },
            isBusy: { RunFolder.isBusy(runDirectory($0)) },
            execute: { name in
                try Parallelism.withThreadBudget(threadsPerRun) {
                    try Self.execute(plansByName[name]!, in: self.runDirectory(name))
                }
            },
            event: { event in
                guard case .finished(let name, let result) = event else { return }
                self.results[name] = result
                if let done = try? self.merge().count { progress?(.finished(done: done, total: self.plans.count)) }
            })
        return plans.compactMap { results[$0.name] }
    }

    /// Trains `plan` in `dir` (continuing from its checkpoint if it has one) and leaves its row there.
    static func execute(_ plan: Plan, in dir: URL) throws -> Result {
        let started = Date()
        // Killed before its first checkpoint, a run has nothing to continue from and simply starts over.
        let resumable = FileManager.default.fileExists(atPath: dir.appendingPathComponent(Checkpoint.fileName).path)
        let run = resumable ? try GrokRun(resuming: dir) : try GrokRun(config: plan.config, directory: dir)
        let summary = try run.run()
        let c = plan.config
        var values: [(name: MetricName, value: Double)] = [
            (.trainSize, Double(run.trainIndices.count)), (.randomLabels, c.randomLabels ? 1 : 0),
            (.weightDecay, c.weightDecay), (.seed, Double(c.subsetSeed ?? c.seed)), (.steps, Double(summary.steps)),
        ]
        for column: MetricName in [
            .trainLoss, .trainAccuracy, .testLoss, .testAccuracy, .weightNorm, .trainCorrectLogit, .trainMargin,
        ] {
            values.append((column, summary.final[column] ?? .nan))
        }
        values.append((.testAccuracy99Step, summary.generalisedAtStep.map(Double.init) ?? .nan))
        values.append((.wallSeconds, Date().timeIntervalSince(started)))
        let result = Result(name: plan.name, values: values)
        // Written while the run's folder is still locked: a row means the run is complete.
        try writeResults([result], to: dir.appendingPathComponent(resultName))
        return result
    }

    static func writeResults(_ results: [Result], to url: URL) throws {
        guard let first = results.first else { return }
        var out = "name," + first.values.map(\.name.rawValue).joined(separator: ",") + "\n"
        for r in results {
            out +=
                r.name + "," + r.values.map { $0.value.isNaN ? "" : formatNumber($0.value) }.joined(separator: ",")
                + "\n"
        }
        try AtomicFile.write(out, to: url)
    }

    static func readResults(_ url: URL) throws -> [String: Result] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        let lines = text.split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            header.first == "name"
        else {
            throw SciDLError("\(url.path) is not a sweep's results file: move it away or choose another --out")
        }
        var out: [String: Result] = [:]
        for (n, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count else {
                throw SciDLError(
                    "\(url.path):\(n + 2) has \(fields.count) fields, the header \(header.count): the file is damaged")
            }
            out[fields[0]] = Result(
                name: fields[0],
                values: zip(header.dropFirst(), fields.dropFirst()).map {
                    (name: MetricName($0.0), value: Double($0.1) ?? .nan)
                })
        }
        return out
    }
}

extension Sweep {
    /// A start line (through `say`) and a progress bar that moves as the runs finish.
    public static func progressBar(say: @escaping @Sendable (String) -> Void) -> @Sendable (Progress) -> Void {
        let bar = SharedBar()
        return { event in
            switch event {
            case .started(let runs, let workers, let directory):
                say("\(runs) runs, \(workers) at a time, in \(directory.path)")
                bar.bar = ProgressBar(total: runs, label: "runs ")
            case .finished(let done, let total):
                bar.bar?.update(step: done, force: true)
                if done == total { bar.bar?.finish() }
            }
        }
    }

    /// The bar, drawn from whichever worker finishes a run (the sweep calls under its lock).
    private final class SharedBar: @unchecked Sendable {
        var bar: ProgressBar?
    }
}
