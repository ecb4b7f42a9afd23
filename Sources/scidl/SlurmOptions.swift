import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLSupport

/// The flags that send a sweep to Slurm instead of running it here, and the one an array task runs with.
struct SlurmOptions: ParsableArguments {
    @Flag(
        help: """
            Submit the sweep as a Slurm job array (one task per unfinished run) instead of running it here. \
            Run the same command again to merge what has finished and resubmit what failed.
            """)
    var slurm = false
    @Flag(help: "With --slurm: write and print the sbatch script, submit nothing.") var dryRun = false
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Slurm time limit per task, e.g. 2:00:00.") var time: String?
    @Option(help: "CPUs per task, also SciDL's threads in it (default 1: a sweep's runs are small).")
    var cpusPerTask: Int = 1
    @Option(help: "Memory per task, e.g. 4G.") var mem: String?
    @Option(help: "Slurm account to charge.") var account: String?
    @Option(help: "At most this many tasks of the array at once.") var arrayParallelism: Int?
    @Option(help: "Another sbatch option, written as given (repeatable), e.g. --sbatch-arg=--qos=high.")
    var sbatchArg: [String] = []
    @Option(
        help: ArgumentHelp(
            "Run one task of a sweep submitted to --out with --slurm (what the array's tasks run).",
            valueName: "index"))
    var runIndex: Sweep.SlurmTask?

    /// The flags above that take a value, and those that do not (`--run-index` is the sweep's own).
    static let valuedFlags = [
        "--partition", "--time", "--cpus-per-task", "--mem", "--account", "--array-parallelism", "--sbatch-arg",
    ]
    static let flags = ["--slurm", "--dry-run"]

    var resources: SlurmResources {
        get throws {
            try SlurmResources(
                partition: partition, time: time, cpusPerTask: cpusPerTask, memory: mem, account: account,
                arrayParallelism: arrayParallelism, extraArguments: sbatchArg)
        }
    }

    /// Whether Slurm flags were given without --slurm (they would silently do nothing).
    func validate(hasOut: Bool) throws {
        if dryRun && !slurm { throw SciDLError("--dry-run belongs to --slurm: add --slurm") }
        let given = [
            ("--partition", partition != nil), ("--time", time != nil), ("--mem", mem != nil),
            ("--account", account != nil), ("--array-parallelism", arrayParallelism != nil),
            ("--sbatch-arg", !sbatchArg.isEmpty), ("--cpus-per-task", cpusPerTask != 1),
        ].filter(\.1).map(\.0)
        if !slurm, let first = given.first { throw SciDLError("\(first) is a Slurm option: add --slurm") }
        if slurm && runIndex != nil { throw SciDLError("--run-index runs one task here: drop --slurm") }
        if (slurm || runIndex != nil) && !hasOut {
            throw SciDLError("--slurm and --run-index need --out: the folder every task writes into")
        }
    }

    /// The binary the tasks run: this one.
    static var executable: URL {
        Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}

/// `--run-index`: a run of the array by its index, or the named run it waits for (`pretrain`).
extension Sweep.SlurmTask: ExpressibleByArgument {
    public init?(argument: String) {
        if let i = Int(argument) {
            guard i >= 0 else { return nil }
            self = .run(i)
        } else if argument == UngrokkingExperiment.pretrainingName {
            self = .prerequisite(argument)
        } else {
            return nil
        }
    }
}

/// What a Slurm submission did, in a few lines.
func printSlurmStatus(_ status: SlurmSubmission.Status, dryRun: Bool) {
    print("\(status.finished) of \(status.total) runs finished")
    if !status.queued.isEmpty { print("\(status.queued.count) still queued or running on Slurm") }
    if !status.failed.isEmpty {
        print(
            "\(status.failed.count) failed or were cancelled (logs in \(status.logFolder.path)): "
                + status.failed.prefix(5).joined(separator: ", ") + (status.failed.count > 5 ? ", …" : ""))
    }
    if dryRun, let script = status.script {
        print("would submit \(status.submitted.count) runs with \(status.scriptFile?.path ?? "this script"):")
        print(script, terminator: "")
        return
    }
    if let id = status.prerequisiteJobID { print("submitted job \(id): the pre-training the array waits for") }
    if let id = status.jobID {
        print("submitted job \(id): \(status.submitted.count) runs; run this command again to merge them")
    } else if status.queued.isEmpty && status.finished < status.total {
        print("nothing submitted: the unfinished runs are being trained by another process")
    }
}
