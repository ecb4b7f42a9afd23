import Foundation

/// A set of named runs sent to Slurm as one job array, from a folder that records what it submitted: each
/// call submits the runs that are neither finished, queued nor running, so calling it again after tasks
/// failed, were cancelled or timed out resubmits exactly those.
///
/// The folder holds `run-list.json` (what task `i` runs: the caller's), `sweep.sbatch` (the array script),
/// `slurm-jobs.json` (the jobs submitted and their tasks' runs) and `slurm/` (the tasks' output).
public struct SlurmSubmission: Sendable {
    public var directory: URL
    /// The runs in task-index order.
    public var runs: [String]
    /// The run list the tasks read: written before submitting, and never changed while tasks of another
    /// list are queued.
    public var runList: Data
    /// `--job-name` (and the prefix of the tasks' output files).
    public var jobName: String
    public var resources: SlurmResources
    /// The command of array task `index` (given as a string: `SbatchScript.arrayTaskIndex` for the array).
    public var command: @Sendable (_ index: String) -> [String]

    public static let runListName = "run-list.json"
    static let jobsName = "slurm-jobs.json"

    public init(
        directory: URL, runs: [String], runList: Data, jobName: String, resources: SlurmResources,
        command: @escaping @Sendable (_ index: String) -> [String]
    ) {
        self.directory = directory
        self.runs = runs
        self.runList = runList
        self.jobName = jobName
        self.resources = resources
        self.command = command
    }

    /// A run that the array waits for: submitted as a job of its own first, while unfinished and not queued;
    /// its task index is its name.
    public struct Prerequisite: Sendable {
        public var name: String
        public var isFinished: Bool
        public init(name: String, isFinished: Bool) {
            self.name = name
            self.isFinished = isFinished
        }
    }

    /// Where the runs stand after a call of `submit`.
    public struct Status: Sendable {
        /// The array script (submitted unless a dry run; nil when nothing was left to submit).
        public var script: String?
        public var scriptFile: URL?
        /// The new array job's id (nil for a dry run or when nothing was submitted).
        public var jobID: String?
        /// The prerequisite's job, when one was submitted now.
        public var prerequisiteJobID: String?
        public var submitted: [String] = []
        public var finished = 0
        public var total = 0
        /// Runs still pending or running from earlier submissions.
        public var queued: [String] = []
        /// Runs an earlier submission sent that neither finished nor are queued: they failed, were cancelled
        /// or ran out of time, and are submitted again.
        public var failed: [String] = []
        /// Where the tasks' output goes.
        public var logFolder: URL
    }

    /// The jobs submitted from the folder, so that a later call knows which runs are still queued.
    struct SubmittedJobs: Codable {
        struct Job: Codable {
            var id: String
            /// The runs of its array tasks by task index (for a single job: its one run, at -1).
            var runs: [Int: String]
        }
        var jobs: [Job] = []
    }

    /// Submits every run that is not `finished`, not queued from an earlier call and not `busy` (held by a
    /// process right now), after `prerequisite` where one is unfinished; with `dryRun` writes the scripts
    /// and submits nothing.
    public func submit(
        finished: Set<String>, busy: (String) -> Bool, prerequisite: Prerequisite? = nil, dryRun: Bool = false
    ) throws -> Status {
        var status = Status(logFolder: logFolder)
        let unfinished = runs.filter { !finished.contains($0) }
        status.total = runs.count
        status.finished = runs.count - unfinished.count
        var jobs = try submittedJobs()
        let queued = try queuedRuns(of: jobs)
        let listURL = directory.appendingPathComponent(Self.runListName)
        if let old = try? Data(contentsOf: listURL), old != runList, !queued.isEmpty {
            throw SciDLError(
                """
                \(directory.path) has runs of another grid queued on Slurm (jobs \
                \(jobs.jobs.map(\.id).joined(separator: ", "))): wait for them or scancel them, then run again
                """)
        }
        try AtomicFile.write(runList, to: listURL)

        let everSubmitted = Set(jobs.jobs.flatMap(\.runs.values))
        let waiting = unfinished.filter { !queued.contains($0) && !busy($0) }
        status.queued = unfinished.filter { queued.contains($0) }
        status.failed = waiting.filter { everSubmitted.contains($0) }
        status.submitted = waiting
        guard !waiting.isEmpty else { return status }
        // The prerequisite: queued already, to be submitted now, or finished.
        var dependency: String?
        if let prerequisite, !prerequisite.isFinished {
            if queued.contains(prerequisite.name) {
                dependency = jobs.jobs.last { $0.runs.values.contains(prerequisite.name) }?.id
            } else {
                if everSubmitted.contains(prerequisite.name) { status.failed.insert(prerequisite.name, at: 0) }
                dependency = try submit(prerequisite, jobs: &jobs, dryRun: dryRun)
                if !dryRun { status.prerequisiteJobID = dependency }
            }
        }
        let indices = waiting.compactMap { runs.firstIndex(of: $0) }
        let script = SbatchScript(
            jobName: jobName, resources: resources, arrayIndices: indices, afterSuccessOf: dependency,
            logFolder: logFolder, command: command(SbatchScript.arrayTaskIndex))
        let url = directory.appendingPathComponent("sweep.sbatch")
        try AtomicFile.write(script.text, to: url)
        (status.script, status.scriptFile) = (script.text, url)
        guard !dryRun else { return status }
        status.jobID = try submit(url, runs: Dictionary(uniqueKeysWithValues: zip(indices, waiting)), jobs: &jobs)
        return status
    }

    /// Where the tasks' output goes.
    var logFolder: URL { directory.appendingPathComponent("slurm") }

    /// The jobs earlier calls submitted from the folder.
    private func submittedJobs() throws -> SubmittedJobs {
        let url = directory.appendingPathComponent(Self.jobsName)
        guard let data = try? Data(contentsOf: url) else { return SubmittedJobs() }
        guard let read = try? JSONDecoder().decode(SubmittedJobs.self, from: data) else {
            throw SciDLError("\(url.path) is damaged: check squeue for this sweep's jobs, then delete it")
        }
        return read
    }

    /// The runs of `jobs` still pending or running on Slurm.
    private func queuedRuns(of jobs: SubmittedJobs) throws -> Set<String> {
        guard !jobs.jobs.isEmpty else { return [] }
        let active = try SlurmQueue.activeTasks(of: jobs.jobs.map(\.id))
        var queued = Set<String>()
        for job in jobs.jobs {
            for index in active[job.id] ?? [] {
                if let name = job.runs[index] ?? (index == -1 ? job.runs.values.first : nil) { queued.insert(name) }
            }
        }
        return queued
    }

    /// Submits the prerequisite as a job of its own (its script written either way); its job id, or a
    /// placeholder for a dry run.
    private func submit(_ prerequisite: Prerequisite, jobs: inout SubmittedJobs, dryRun: Bool) throws -> String {
        var single = resources
        single.arrayParallelism = nil
        let script = SbatchScript(
            jobName: "\(jobName)-\(prerequisite.name)", resources: single, logFolder: logFolder,
            command: command(prerequisite.name))
        let url = directory.appendingPathComponent("\(prerequisite.name).sbatch")
        try AtomicFile.write(script.text, to: url)
        guard !dryRun else { return "PREREQUISITE_JOB_ID" }
        return try submit(url, runs: [-1: prerequisite.name], jobs: &jobs)
    }

    /// Submits the script at `url` and records its job (its runs by array task index) in the folder.
    private func submit(_ url: URL, runs: [Int: String], jobs: inout SubmittedJobs) throws -> String {
        try FileManager.default.createDirectory(at: logFolder, withIntermediateDirectories: true)
        let id = try SlurmQueue.submit(url)
        jobs.jobs.append(.init(id: id, runs: runs))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(jobs), to: directory.appendingPathComponent(Self.jobsName))
        return id
    }
}
