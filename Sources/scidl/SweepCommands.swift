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
    @Option(help: "Output directory (default: runs/<command>-<date>-<time>). Re-running with the same one resumes.")
    var out: String?
    @Option(help: "Runs at once (default: one per core).") var workers: Int?

    func directory(_ command: String) -> URL { URL(fileURLWithPath: out ?? "runs/\(command)-\(Grok.timestamp())") }
    var workerCount: Int { workers ?? Parallelism.threadCount }

    func weightDecays(_ base: GrokConfig, given: Bool) throws -> [Double] {
        if given && weightDecays != nil {
            throw SciDLError("--weight-decay and --weight-decays contradict each other: give one")
        }
        return weightDecays ?? [base.weightDecay]
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
        let base = try settings.config().sweepRun(steps: settings.steps ?? CriticalSizeExperiment.defaultSteps)
        let experiment = try CriticalSizeExperiment(
            base: base, sizes: sweep.sizes ?? CriticalSizeExperiment.defaultSizes,
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil))
        let dir = sweep.directory("dcrit")
        let analyses = try experiment.run(
            in: dir, workers: sweep.workerCount, progress: sweepProgress())
        print(CriticalSizeExperiment.table(analyses))
        printWhereResultsAre(dir)
    }
}

struct Ungrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain a grokked network on smaller subsets of its training set and watch it ungrok.",
        discussion: """
            Pre-trains with the grok flags until test accuracy reaches 99 % (or takes --from DIR), then trains a \
            copy on random subsets of each size. Default: p = 113 transformer, 30 % of pairs, \
            \(UngrokkingExperiment.defaultSteps.grouped) steps per subset.
            """)
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A finished grok run directory to start from (instead of pre-training).") var from: String?

    func run() throws {
        let dir = sweep.directory("ungrok")
        let start: UngrokkingExperiment.Start
        if let from {
            start = try .init(grokRun: URL(fileURLWithPath: from))
        } else {
            let pretraining = dir.appendingPathComponent("pretrain")
            print("pre-training in \(pretraining.path)")
            start = try .init(
                pretraining: try settings.config(), in: pretraining,
                progress: GrokRun.progressBar(label: "grok "))
        }
        var base = start.config
        base.evalEvery = settings.evalEvery ?? base.evalEvery
        let experiment = try UngrokkingExperiment(
            base: base, sizes: sweep.sizes ?? UngrokkingExperiment.defaultSizes,
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil),
            steps: settings.steps ?? UngrokkingExperiment.defaultSteps)
        let results = try experiment.run(
            from: start, in: dir, workers: sweep.workerCount, progress: sweepProgress())
        print(UngrokkingExperiment.table(results, startAccuracy: start.testAccuracy))
        printWhereResultsAre(dir)
    }
}

struct Semigrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from scratch near D_crit with several seeds and look for partial generalisation.",
        discussion: "Default: p = 113 transformer, \(SemiGrokkingExperiment.defaultSteps.grouped) steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "Seeds, comma-separated.", transform: commaList(UInt64.init))
    var seeds: [UInt64] = SemiGrokkingExperiment.defaultSeeds

    func run() throws {
        let base = try settings.config().sweepRun(steps: settings.steps ?? SemiGrokkingExperiment.defaultSteps)
        let experiment = try SemiGrokkingExperiment(
            base: base, sizes: sweep.sizes ?? SemiGrokkingExperiment.defaultSizes,
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil), seeds: seeds)
        let dir = sweep.directory("semigrok")
        let results = try experiment.run(
            in: dir, workers: sweep.workerCount, progress: sweepProgress())
        print(SemiGrokkingExperiment.table(results))
        printWhereResultsAre(dir)
    }
}
