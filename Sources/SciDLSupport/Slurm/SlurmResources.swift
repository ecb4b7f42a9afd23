/// What each task of a Slurm job asks the cluster for: the `sbatch` options a lab sets per cluster.
///
/// Every field left nil is left to the cluster's defaults, except the CPUs, which SciDL also uses as its
/// thread count inside the task (`SCIDL_THREADS`).
public struct SlurmResources: Sendable, Equatable {
    /// `--partition`: the queue to run in.
    public var partition: String?
    /// `--time`: the wall-time limit of one task, in Slurm's notation (`30:00`, `1-12:00:00`).
    public var time: String?
    /// `--cpus-per-task`: cores per task, and SciDL's threads within it.
    public var cpusPerTask: Int
    /// `--mem`: memory per node in Slurm's notation (`4G`).
    public var memory: String?
    /// `--account`: whom the cluster charges.
    public var account: String?
    /// At most this many tasks of the array at once (the `%N` of `--array`).
    public var arrayParallelism: Int?
    /// Further `sbatch` options, each one written as given (`--qos=high`, `--constraint=avx2`).
    public var extraArguments: [String]

    public init(
        partition: String? = nil, time: String? = nil, cpusPerTask: Int = 1, memory: String? = nil,
        account: String? = nil, arrayParallelism: Int? = nil, extraArguments: [String] = []
    ) throws {
        guard cpusPerTask > 0 else { throw SciDLError("--cpus-per-task must be positive (got \(cpusPerTask))") }
        if let arrayParallelism, arrayParallelism <= 0 {
            throw SciDLError("--array-parallelism must be positive (got \(arrayParallelism))")
        }
        for argument in extraArguments where !argument.hasPrefix("-") || argument.contains("\n") {
            throw SciDLError(
                "--sbatch-arg '\(printable(argument))' is not an sbatch option: give it as --sbatch-arg=--qos=high")
        }
        for (flag, value) in [("--partition", partition), ("--time", time), ("--mem", memory), ("--account", account)]
        where value.map({ $0.isEmpty || $0.contains(where: \.isWhitespace) }) ?? false {
            throw SciDLError("\(flag) '\(printable(value!))' has spaces or is empty: give one word")
        }
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.memory = memory
        self.account = account
        self.arrayParallelism = arrayParallelism
        self.extraArguments = extraArguments
    }

    /// The options set to other than the cluster's defaults, by flag (`--partition`, …): given without
    /// `--slurm`, they would do nothing.
    public var flagsGiven: [String] {
        [
            ("--partition", partition != nil), ("--time", time != nil), ("--mem", memory != nil),
            ("--account", account != nil), ("--array-parallelism", arrayParallelism != nil),
            ("--sbatch-arg", !extraArguments.isEmpty), ("--cpus-per-task", cpusPerTask != 1),
        ].filter(\.1).map(\.0)
    }

    /// The `#SBATCH` lines these resources make, in a fixed order.
    var directives: [String] {
        var lines: [String] = []
        if let partition { lines.append("--partition=\(partition)") }
        if let account { lines.append("--account=\(account)") }
        if let time { lines.append("--time=\(time)") }
        lines.append("--cpus-per-task=\(cpusPerTask)")
        if let memory { lines.append("--mem=\(memory)") }
        return lines + extraArguments
    }
}
