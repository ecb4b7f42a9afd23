import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLSupport
import SciDLTensor

/// The flags that send a sweep to Slurm instead of running it here, and the one an array task runs with.
struct SlurmOptions: ParsableArguments {
    @Flag(help: "Submit as a Slurm job array, a task per unfinished run; run again to merge and resubmit.")
    var slurm = false
    @Flag(help: "With --slurm: write and print the sbatch script, submit nothing.") var dryRun = false
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Slurm time limit per task, e.g. 2:00:00.") var time: String?
    @Option(help: "CPUs per task, also SciDL's threads in it (default 1).") var cpusPerTask: Int = 1
    @Option(help: "Memory per task, e.g. 4G.") var mem: String?
    @Option(help: "Slurm account to charge.") var account: String?
    @Option(help: "At most this many tasks of the array at once.") var arrayParallelism: Int?
    @Option(help: "An sbatch option as given (repeatable), e.g. --sbatch-arg=--qos=high.") var sbatchArg: [String] = []
    @Option(help: ArgumentHelp("Run one task of the sweep submitted to --out.", valueName: "index"))
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
        if !slurm, let flag = try resources.flagsGiven.first {
            throw SciDLError("\(flag) is a Slurm option: add --slurm")
        }
        if slurm && runIndex != nil { throw SciDLError("--run-index runs one task here: drop --slurm") }
        if (slurm || runIndex != nil) && !hasOut {
            throw SciDLError("--slurm and --run-index need --out: the folder every task writes into")
        }
    }

    /// Where a sweep experiment's runs go: one task of it (`--run-index`), Slurm, or here on `workers`.
    func sweepPlacement(workers: Int?) throws -> SweepPlacement {
        if let task = runIndex { return .task(task) }
        if slurm { return .slurm(try resources, executable: Self.executable, dryRun: dryRun) }
        return .here(workers: workers ?? Parallelism.threadCount)
    }

    /// Here, or Slurm with these resources.
    var placement: CommandGrid.Placement {
        get throws { slurm ? .slurm(try resources, dryRun: dryRun) : .here }
    }

    /// `elicit --slurm` and `challenge --slurm`: the command as given, one Slurm task per layer, as the sweep
    /// `scidl sweep --vary layers=… -- COMMAND …` into `--out`. False, after checking the flags, to run here.
    func submitsOverLayers(_ layers: String?, out: String?) throws -> Bool {
        guard runIndex == nil else { throw SciDLError("--run-index belongs to scidl sweep") }
        try validate(hasOut: out != nil)
        guard slurm else { return false }
        let grid = try CommandGrid.overLayers(
            commandLine(without: ["--out", "--layers"] + Self.valuedFlags, flags: Self.flags), layers: layers)
        let dir = URL(fileURLWithPath: out!).absoluteURL.standardizedFileURL
        try grid.run(in: dir, placement: try placement, executable: Self.executable) { print($0) }
        return true
    }

    /// The binary the tasks run: this one.
    static var executable: URL {
        Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}

extension Sweep.SlurmTask: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
