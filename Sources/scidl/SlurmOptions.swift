import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
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

    /// Here, or Slurm with these resources.
    var placement: CommandGrid.Placement {
        get throws { slurm ? .slurm(try resources, dryRun: dryRun) : .here }
    }

    /// `elicit --slurm` and `challenge --slurm`: the command as given, one Slurm task per layer of `--layers`,
    /// as the sweep `scidl sweep --vary layers=… -- COMMAND …` into `--out` (a layer's probes and seeds do not
    /// depend on the other layers, so its rows are those of the run over all layers). False, after checking
    /// the Slurm flags, when the command runs here.
    func submitsOverLayers(_ layers: String?, out: String?) throws -> Bool {
        guard runIndex == nil else { throw SciDLError("--run-index belongs to scidl sweep") }
        try validate(hasOut: out != nil)
        guard slurm else { return false }
        guard let layers else {
            throw SciDLError("--slurm runs one task per layer: give --layers, e.g. --layers 10,20,30")
        }
        let grid = try CommandGrid(
            command: commandLine(without: ["--out", "--layers"] + Self.valuedFlags, flags: Self.flags),
            axes: [CommandGrid.Axis(flag: "layers", values: try parseIntegers(layers, "--layers").map(String.init))])
        try grid.run(
            in: URL(fileURLWithPath: out!).absoluteURL.standardizedFileURL, placement: try placement,
            executable: Self.executable) { print($0) }
        return true
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
