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
            self.name = name
            self.config = config
            self.isFinished = isFinished
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
    static let runListName = "run-list.json"
    /// The jobs submitted for this sweep, so that a later call knows which runs are still queued.
    struct SubmittedJobs: Codable {
        struct Job: Codable {
            var id: String
            /// The runs of its array tasks, by task index (for a single job: its one run).
            var runs: [Int: String]
        }
        var jobs: [Job] = []
    }
    static let jobsName = "slurm-jobs.json"

    /// The plan of array task `index` (or of the prerequisite `name`) in the run list of the sweep in
    /// `directory`, made by `command`.
    public static func plannedRun(_ task: SlurmTask, in directory: URL, command: String) throws -> Plan {
        let url = directory.appendingPathComponent(runListName)
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
    }

    /// Runs array task `index` of the sweep in `directory` into its run folder, holding only that run's lock;
    /// a run already finished is not redone (a resubmitted task may find its run done).
    public static func runTask(_ index: Int, in directory: URL, command: String) throws -> Result {
        let plan = try plannedRun(.run(index), in: directory, command: command)
        let dir = directory.appendingPathComponent("runs").appendingPathComponent(plan.name)
        if let done = try readResults(dir.appendingPathComponent(resultName))[plan.name] { return done }
        return try execute(plan, in: dir)
    }

    /// Where the sweep stands on Slurm after a call of `submitToSlurm`.
    public struct SlurmStatus: Sendable {
        /// The script (submitted unless a dry run; nil when nothing was left to submit).
        public var script: String?
        public var scriptFile: URL?
        /// The new job's id (nil for a dry run or when nothing was submitted).
        public var jobID: String?
        /// The prerequisite's job, when one was submitted now.
        public var prerequisiteJobID: String?
        public var submitted: [String] = []
        public var finished = 0
        public var total = 0
        /// Runs still pending or running from earlier submissions.
        public var queued: [String] = []
        /// Runs that an earlier submission or process started but that neither finished nor are queued: they
        /// failed or were cancelled, and are submitted again.
        public var failed: [String] = []
        /// Where the tasks' output goes.
        public var logFolder: URL
    }

    /// Writes the run list and an `sbatch` array script for every run that is neither finished, queued nor
    /// running, and submits it (unless `dryRun`).
    /// - Parameters:
    ///   - executable: the `scidl` binary the tasks run (on a cluster: a path every node sees).
    ///   - prerequisite: a run the array waits for; submitted first while unfinished and not queued.
    public func submitToSlurm(
        resources: SlurmResources, executable: URL, prerequisite: Prerequisite? = nil, dryRun: Bool = false
    ) throws -> SlurmStatus {
        let logFolder = directory.appendingPathComponent("slurm")
        var status = SlurmStatus(logFolder: logFolder)
        status.total = plans.count
        status.finished = plans.count - unfinished.count
        let jobsURL = directory.appendingPathComponent(Self.jobsName)
        var jobs = SubmittedJobs()
        if let data = try? Data(contentsOf: jobsURL) {
            guard let read = try? JSONDecoder().decode(SubmittedJobs.self, from: data) else {
                throw SciDLError("\(jobsURL.path) is damaged: check squeue for this sweep's jobs, then delete it")
            }
            jobs = read
        }
        // Runs of earlier submissions still pending or running, by name.
        var queuedNames = Set<String>()
        if !jobs.jobs.isEmpty {
            let active = try SlurmQueue.activeTasks(of: jobs.jobs.map(\.id))
            for job in jobs.jobs {
                for index in active[job.id] ?? [] {
                    if let name = job.runs[index] ?? (index == -1 ? job.runs.values.first : nil) {
                        queuedNames.insert(name)
                    }
                }
            }
        }
        let list = RunList(
            command: command, runs: plans.map { .init(name: $0.name, config: $0.config) },
            prerequisite: prerequisite.map { .init(name: $0.name, config: $0.config) })
        let listURL = directory.appendingPathComponent(Self.runListName)
        if let data = try? Data(contentsOf: listURL), let old = try? JSONDecoder().decode(RunList.self, from: data),
            old != list, !queuedNames.isEmpty
        {
            throw SciDLError(
                """
                \(directory.path) has runs of another grid queued on Slurm (jobs \
                \(jobs.jobs.map(\.id).joined(separator: ", "))): wait for them or scancel them, then run again
                """)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(list), to: listURL)

        let everSubmitted = Set(jobs.jobs.flatMap(\.runs.values))
        let waiting = unfinished.filter {
            !queuedNames.contains($0.name) && !RunFolder.isBusy(runDirectory($0.name))
        }
        status.queued = unfinished.map(\.name).filter { queuedNames.contains($0) }
        status.failed = waiting.map(\.name).filter { everSubmitted.contains($0) }
        status.submitted = waiting.map(\.name)
        guard !waiting.isEmpty else { return status }

        // The prerequisite: queued already, to be submitted now, or finished.
        var dependency: String?
        if let prerequisite, !prerequisite.isFinished {
            if queuedNames.contains(prerequisite.name) {
                dependency = jobs.jobs.last { $0.runs.values.contains(prerequisite.name) }?.id
            } else {
                let script = SbatchScript(
                    jobName: "scidl-\(command)-\(prerequisite.name)", resources: resources.singleTask,
                    logFolder: logFolder, command: taskCommand(executable, prerequisite.name))
                let url = directory.appendingPathComponent("\(prerequisite.name).sbatch")
                try AtomicFile.write(script.text, to: url)
                if everSubmitted.contains(prerequisite.name) { status.failed.insert(prerequisite.name, at: 0) }
                if !dryRun {
                    try FileManager.default.createDirectory(at: logFolder, withIntermediateDirectories: true)
                    let id = try SlurmQueue.submit(url)
                    jobs.jobs.append(.init(id: id, runs: [-1: prerequisite.name]))
                    try AtomicFile.write(try encoder.encode(jobs), to: jobsURL)
                    status.prerequisiteJobID = id
                    dependency = id
                } else {
                    dependency = "PREREQUISITE_JOB_ID"
                }
            }
        }
        let indices = waiting.compactMap { plan in plans.firstIndex { $0.name == plan.name } }
        let script = SbatchScript(
            jobName: "scidl-\(command)", resources: resources, arrayIndices: indices, afterSuccessOf: dependency,
            logFolder: logFolder, command: taskCommand(executable, SbatchScript.arrayTaskIndex))
        let url = directory.appendingPathComponent("sweep.sbatch")
        try AtomicFile.write(script.text, to: url)
        status.script = script.text
        status.scriptFile = url
        guard !dryRun else { return status }
        try FileManager.default.createDirectory(at: logFolder, withIntermediateDirectories: true)
        let id = try SlurmQueue.submit(url)
        jobs.jobs.append(.init(id: id, runs: Dictionary(uniqueKeysWithValues: zip(indices, waiting.map(\.name)))))
        try AtomicFile.write(try encoder.encode(jobs), to: jobsURL)
        status.jobID = id
        return status
    }

    /// The command a task runs: this sweep's command on its folder, for one run.
    private func taskCommand(_ executable: URL, _ index: String) -> [String] {
        [executable.path, command, "--out", directory.path, "--run-index", index]
    }
}

extension SlurmResources {
    /// These resources for a single job: the array's parallelism does not apply.
    var singleTask: SlurmResources {
        var r = self
        r.arrayParallelism = nil
        return r
    }
}
