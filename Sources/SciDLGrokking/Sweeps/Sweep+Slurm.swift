import Foundation
import SciDLSupport

/// Sending a sweep to Slurm: the run list and an `sbatch` array script in the sweep's folder, one array task
/// per unfinished run, and on every later call a merge of what has finished and a resubmission of the runs
/// that are neither finished, queued nor running.
extension Sweep {
    /// A run that the array waits for (ungrokking's pre-training): submitted as a job of its own first, and
    /// again only while it has not finished.
    public struct Prerequisite: Sendable {
        /// Its name, which is also its folder in the sweep's and its `--run-index`.
        public var name: String
        public var config: GrokConfig
        public var isFinished: Bool
        public init(name: String, config: GrokConfig, isFinished: Bool) {
            (self.name, self.config, self.isFinished) = (name, config, isFinished)
        }
    }

    /// What each task of the array runs: `plans[i]` for task `i`. Written before anything is submitted, and
    /// read by the tasks, which therefore run exactly what was planned whatever else they are told.
    struct RunList: Codable, Equatable {
        struct Entry: Codable, Equatable {
            var name: String
            var config: GrokConfig
        }
        var command: String
        var runs: [Entry]
        var prerequisite: Entry?
    }
    /// The plan of array task `index` (or of the prerequisite `name`) in the run list of the sweep in
    /// `directory`, made by `command`.
    public static func plannedRun(_ task: SlurmTask, in directory: URL, command: String) throws -> Plan {
        let url = directory.appendingPathComponent(SlurmSubmission.runListName)
        guard let data = try? Data(contentsOf: url) else {
            throw SciDLError(
                "\(url.path) is missing: --run-index runs a task of a sweep submitted with --slurm to this --out")
        }
        guard let list = try? JSONDecoder().decode(RunList.self, from: data) else {
            throw SciDLError("\(url.path) is damaged: submit the sweep again with --slurm")
        }
        guard list.command == command else {
            throw SciDLError("\(url.path) lists runs of `scidl \(list.command)`, not of `scidl \(command)`")
        }
        switch task {
        case .run(let index):
            guard list.runs.indices.contains(index) else {
                throw SciDLError(
                    "--run-index \(index) is outside the run list's 0…\(list.runs.count - 1) (\(url.path))")
            }
            return Plan(name: list.runs[index].name, config: list.runs[index].config)
        case .prerequisite(let name):
            guard let p = list.prerequisite, p.name == name else {
                throw SciDLError("the run list \(url.path) has no run '\(printable(name))'")
            }
            return Plan(name: p.name, config: p.config)
        }
    }

    /// One task of a submitted sweep: a run of the run list, or the run the array waits for.
    public enum SlurmTask: Sendable, Equatable {
        case run(Int)
        case prerequisite(String)

        /// `--run-index`: a run of the array by its index, or the named run it waits for (`pretrain`).
        public init?(parsing text: String) {
            if let i = Int(text), i >= 0 {
                self = .run(i)
            } else if text == UngrokkingExperiment.pretrainingName {
                self = .prerequisite(text)
            } else {
                return nil
            }
        }
    }

    /// Runs array task `index` of the sweep in `directory` into its run folder, holding only that run's lock;
    /// a run already finished is not redone (a resubmitted task may find its run done).
    public static func runTask(_ index: Int, in directory: URL, command: String) throws -> Result {
        let plan = try plannedRun(.run(index), in: directory, command: command)
        let dir = runDirectory(plan.name, in: directory)
        if let done = try readResults(dir.appendingPathComponent(resultName))[plan.name] { return done }
        return try execute(plan, in: dir)
    }

    /// Writes the run list and an `sbatch` array script for every run that is neither finished, queued nor
    /// running, and submits it (unless `dryRun`); see `SlurmSubmission`.
    /// - Parameters:
    ///   - executable: the `scidl` binary the tasks run (on a cluster: a path every node sees).
    ///   - prerequisite: a run the array waits for; submitted first while unfinished and not queued.
    public func submitToSlurm(
        resources: SlurmResources, executable: URL, prerequisite: Prerequisite? = nil, dryRun: Bool = false
    ) throws -> SlurmSubmission.Status {
        let list = RunList(
            command: command, runs: plans.map { .init(name: $0.name, config: $0.config) },
            prerequisite: prerequisite.map { .init(name: $0.name, config: $0.config) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let (command, directory) = (command, directory)
        let submission = SlurmSubmission(
            directory: directory, runs: plans.map(\.name), runList: try encoder.encode(list),
            jobName: "scidl-\(command)", resources: resources,
            command: { [executable.path, command, "--out", directory.path, "--run-index", $0] })
        return try submission.submit(
            finished: Set(plans.map(\.name)).subtracting(unfinished.map(\.name)),
            busy: { RunFolder.isBusy(self.runDirectory($0)) },
            prerequisite: prerequisite.map { .init(name: $0.name, isFinished: $0.isFinished) }, dryRun: dryRun)
    }
}
