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

/// Parses "a,b,c" with `parse`, or explains which item is wrong.
/// Refuses a list that names a value twice: the grid would run (and report) it twice.
func requireDistinct<T: Hashable & CustomStringConvertible>(_ values: [T], _ flag: String) throws {
    var seen = Set<T>()
    for v in values where !seen.insert(v).inserted {
        throw SciDLError("\(flag) lists \(v) twice: give each value once")
    }
}

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

struct Dcrit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate the critical dataset size D_crit from memorising and generalising runs.",
        discussion: """
            For each size D: a run on random labels (only memorisation fits them) and one on the true labels. \
            Default: p = 113 transformer, \(CriticalSizeExperiment.defaultSteps.grouped) steps per run.
            """)
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions

    func run() throws {
        try sweep.slurm.validate(hasOut: sweep.out != nil)
        let base = try settings.config().sweepRun(steps: settings.steps ?? CriticalSizeExperiment.defaultSteps)
        let experiment = try CriticalSizeExperiment(
            base: base, sizes: sweep.sizes ?? CriticalSizeExperiment.defaultSizes,
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil), seeds: sweep.seeds)
        try sweep.execute(experiment, in: sweep.directory("dcrit")) {
            CriticalSizeExperiment.table(experiment.analyse($0))
        }
    }
}

struct Ungrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain a grokked network on smaller subsets of its training set and watch it ungrok.",
        discussion: """
            Pre-trains with the grok flags until test accuracy reaches 99 % (or takes --from DIR), then trains a \
            copy on random subsets of each size (one subset per seed). Default: p = 113 transformer, 30 % of \
            pairs, \(UngrokkingExperiment.defaultSteps.grouped) steps per subset.
            """)
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A finished grok run directory to start from (instead of pre-training).") var from: String?
    @Option(help: "A paper's grid: \(SweepPreset.varma2023Fig7.rawValue) (Varma et al. 2023, Fig. 7).")
    var preset: SweepPreset?

    func run() throws {
        try sweep.slurm.validate(hasOut: sweep.out != nil)
        let dir = sweep.directory("ungrok")
        if case .prerequisite(let name) = sweep.slurm.runIndex {
            // The Slurm job the array waits for: the pre-training, as the run list holds it.
            let plan = try Sweep.plannedRun(.prerequisite(name), in: dir, command: UngrokkingExperiment.command)
            let start = try UngrokkingExperiment.Start(pretraining: plan.config, in: dir.appendingPathComponent(name))
            print("pre-training finished: test accuracy \(formatNumber(start.testAccuracy))")
            return
        }
        try preset?.require(UngrokkingExperiment.command)
        let grid = try sweep.grid(preset, defaultSizes: UngrokkingExperiment.defaultSizes, defaultSeeds: nil)
        var base: GrokConfig
        let pretrained: URL
        if let from {
            pretrained = URL(fileURLWithPath: from).absoluteURL.standardizedFileURL
            base = try UngrokkingExperiment.Start(grokRun: pretrained).config
        } else {
            pretrained = dir.appendingPathComponent(UngrokkingExperiment.pretrainingName)
            base = UngrokkingExperiment.Start.pretrainingConfig(try settings.config())
            // Here (not on Slurm, where it is the array's first job) the network is grokked before the sweep.
            if !sweep.slurm.slurm && sweep.slurm.runIndex == nil {
                print("pre-training in \(pretrained.path)")
                base = try UngrokkingExperiment.Start(
                    pretraining: base, in: pretrained, progress: GrokRun.progressBar(label: "grok ")
                ).config
            }
        }
        base.evalEvery = settings.evalEvery ?? base.evalEvery
        let experiment = try UngrokkingExperiment(
            base: base, sizes: grid.sizes,
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil),
            steps: settings.steps ?? UngrokkingExperiment.defaultSteps, seeds: grid.seeds, pretrained: pretrained,
            pretrains: from == nil)
        try sweep.execute(experiment, in: dir) { experiment.table($0) }
    }
}

struct Semigrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from scratch near D_crit with several seeds and look for partial generalisation.",
        discussion: "Default: p = 113 transformer, \(SemiGrokkingExperiment.defaultSteps.grouped) steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A paper's grid: \(SweepPreset.varma2023Fig5.rawValue) (Varma et al. 2023, Fig. 5).")
    var preset: SweepPreset?

    func run() throws {
        try sweep.slurm.validate(hasOut: sweep.out != nil)
        try preset?.require(SemiGrokkingExperiment.command)
        let grid = try sweep.grid(
            preset, defaultSizes: SemiGrokkingExperiment.defaultSizes, defaultSeeds: SemiGrokkingExperiment.defaultSeeds
        )
        let base = try settings.config().sweepRun(steps: settings.steps ?? SemiGrokkingExperiment.defaultSteps)
        let experiment = try SemiGrokkingExperiment(
            base: base, sizes: grid.sizes,
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil), seeds: grid.seeds ?? [])
        try sweep.execute(experiment, in: sweep.directory("semigrok")) { experiment.table($0) }
    }
}

extension SweepPreset: ExpressibleByArgument {
    /// A preset given to another command than its own is refused.
    func require(_ command: String) throws {
        guard self.command == command else {
            throw SciDLError("--preset \(rawValue) belongs to `scidl \(self.command)`, not `scidl \(command)`")
        }
    }
}
