import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLReports
import SciDLTensor

/// Flags shared by the circuit-efficiency sweeps.
struct SweepOptions: ParsableArguments {
    @Option(help: "Training-set sizes D, comma-separated.", transform: commaList(Int.init))
    var sizes: [Int]?
    @Option(help: "Weight decays, comma-separated (default: --weight-decay's value, 1.0).", transform: commaList(Double.init))
    var weightDecays: [Double]?
    @Option(help: "Output directory (default: runs/<command>-<date>-<time>). Re-running with the same one resumes.")
    var out: String?
    @Option(help: "Runs at once (default: one per core).") var workers: Int?

    func directory(_ command: String) -> URL { URL(fileURLWithPath: out ?? "runs/\(command)-\(Grok.timestamp())") }

    func weightDecays(_ base: GrokConfig, given: Bool) throws -> [Double] {
        if given && weightDecays != nil { throw SciDLError("--weight-decay and --weight-decays contradict each other: give one") }
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

/// Runs a sweep with a progress line per finished run.
func runSweep(_ sweep: Sweep) throws -> [Sweep.Result] {
    let bar = UncheckedProgress(ProgressBar(total: sweep.plans.count, label: "runs "))
    print("\(sweep.plans.count) runs, \(sweep.workers) at a time, in \(sweep.directory.path)")
    let results = try sweep.run { done, _ in bar.value.update(step: done, force: true) }
    bar.value.finish()
    return results
}

final class UncheckedProgress: @unchecked Sendable {
    let value: ProgressBar
    init(_ value: ProgressBar) { self.value = value }
}

func writeJSON(_ object: [String: Any], to url: URL) throws {
    try AtomicFile.write(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: url)
}

/// A sweep's settings: the grok flags, with sweeps' own default length and no early stop.
func sweepBase(_ settings: GrokSettings, defaultSteps: Int) throws -> GrokConfig {
    var c = try settings.config()
    if settings.steps == nil { c.steps = defaultSteps }
    c.stopAtTestAccuracy = nil
    c.checkpointEvery = min(c.checkpointEvery, c.steps)
    return c
}

struct Dcrit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate the critical dataset size D_crit from memorising and generalising runs.",
        discussion: "For each size D: a run on random labels (only memorisation fits them) and one on the true labels. Default: p = 113 transformer, 10,000 steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions

    func run() throws {
        let base = try sweepBase(settings, defaultSteps: 10_000)
        let experiment = try CriticalSizeExperiment(
            base: base, sizes: sweep.sizes ?? [500, 1000, 1500, 2000, 3000, 4000],
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil))
        let dir = sweep.directory("dcrit")
        let s = try Sweep(directory: dir, plans: experiment.plans, workers: sweep.workers ?? Parallelism.threadCount)
        let results = try runSweep(s)
        let analyses = experiment.analyse(results)
        var summary: [String: Any] = [:]
        for a in analyses {
            let key = "weight_decay_\(formatNumber(a.weightDecay))"
            summary[key] = ["d_crit_from_norms": a.criticalSizeFromNorms as Any, "d_crit_from_test_accuracy": a.criticalSizeFromAccuracy as Any,
                            "sizes": a.sizes, "memorising_norm": a.memorisingNorm, "generalising_norm": a.generalisingNorm,
                            "test_accuracy": a.testAccuracy]
            print("weight decay \(formatNumber(a.weightDecay)):")
            print("   D     memorising norm  true-label norm  test acc")
            for i in a.sizes.indices {
                print(String(format: "%6.0f   %14.2f  %15.2f  %8.3f", a.sizes[i], a.memorisingNorm[i], a.generalisingNorm[i], a.testAccuracy[i]))
            }
            print("   D_crit from the norms: \(a.criticalSizeFromNorms.map { String(format: "%.0f", $0) } ?? "not bracketed"); from test accuracy: \(a.criticalSizeFromAccuracy.map { String(format: "%.0f", $0) } ?? "not bracketed")")
        }
        try writeJSON(summary, to: dir.appendingPathComponent("summary.json"))
        try experiment.report(analyses, results: results).write(to: dir.appendingPathComponent("report.html"))
        print("results in \(dir.path): results.csv, summary.json, report.html")
    }
}

struct Ungrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain a grokked network on smaller subsets of its training set and watch it ungrok.",
        discussion: "Pre-trains with the grok flags until test accuracy reaches 99 % (or takes --from DIR), then trains a copy on random subsets of each size. Default: p = 113 transformer, 30 % of pairs, 10,000 steps per subset.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "A finished grok run directory to start from (instead of pre-training).") var from: String?

    func run() throws {
        let dir = sweep.directory("ungrok")
        let pretrained: URL, pretrainedRun: GrokRun
        if let from {
            pretrained = URL(fileURLWithPath: from)
            pretrainedRun = try GrokRun(resuming: pretrained)
        } else {
            var c = try settings.config()
            c.steps = max(c.steps, 25_000)
            c.stopAtTestAccuracy = 0.99
            pretrained = dir.appendingPathComponent("pretrain")
            let exists = FileManager.default.fileExists(atPath: pretrained.appendingPathComponent(Checkpoint.fileName).path)
            pretrainedRun = exists ? try GrokRun(resuming: pretrained) : try GrokRun(config: c, directory: pretrained)
            print("pre-training in \(pretrained.path)")
            _ = try pretrainedRun.run(showProgress: true)
        }
        let startAccuracy = pretrainedRun.measure()["test_accuracy"] ?? 0
        guard startAccuracy >= 0.9 else {
            throw SciDLError("the starting network has only \(String(format: "%.1f", 100 * startAccuracy))% test accuracy: ungrokking needs a grokked network (train longer or on more data)")
        }
        var base = pretrainedRun.config
        base.evalEvery = settings.evalEvery ?? base.evalEvery
        let experiment = try UngrokkingExperiment(
            base: base, sizes: sweep.sizes ?? [100, 300, 600, 1000, 1500, 2000, 3000],
            weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil), steps: settings.steps ?? 10_000)
        let s = try Sweep(directory: dir, plans: try experiment.plans(pretrained: pretrained, trainingExamples: pretrainedRun.trainIndices.count),
                          workers: sweep.workers ?? Parallelism.threadCount)
        let results = try runSweep(s)
        print("   D   final test acc (started at \(String(format: "%.3f", startAccuracy)))")
        for r in results { print(String(format: "%5.0f   %.3f   (weight decay %@)", r["train_size"] ?? .nan, r["test_accuracy"] ?? .nan, formatNumber(r["weight_decay"] ?? .nan))) }
        try writeJSON(["pretrained": pretrained.path, "pretrained_test_accuracy": startAccuracy,
                       "final_test_accuracy": Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0["test_accuracy"] ?? .nan) })],
                      to: dir.appendingPathComponent("summary.json"))
        try experiment.report(results, sweep: s, startAccuracy: startAccuracy).write(to: dir.appendingPathComponent("report.html"))
        print("results in \(dir.path): results.csv, summary.json, report.html")
    }
}

struct Semigrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from scratch near D_crit with several seeds and look for partial generalisation.",
        discussion: "Default: p = 113 transformer, 30,000 steps per run.")
    @OptionGroup var settings: GrokSettings
    @OptionGroup var sweep: SweepOptions
    @Option(help: "Seeds, comma-separated.", transform: commaList(UInt64.init)) var seeds: [UInt64] = [0, 1, 2]

    func run() throws {
        let base = try sweepBase(settings, defaultSteps: 30_000)
        let experiment = try SemiGrokkingExperiment(
            base: base, sizes: sweep.sizes ?? [1500, 2000, 2500], weightDecays: try sweep.weightDecays(base, given: settings.weightDecay != nil),
            seeds: seeds)
        let dir = sweep.directory("semigrok")
        let s = try Sweep(directory: dir, plans: experiment.plans, workers: sweep.workers ?? Parallelism.threadCount)
        let results = try runSweep(s)
        print("run                      final train acc  final test acc")
        for r in results {
            print(r.name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %15.3f  %14.3f", r["train_accuracy"] ?? .nan, r["test_accuracy"] ?? .nan))
        }
        try writeJSON(["final_test_accuracy": Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0["test_accuracy"] ?? .nan) })],
                      to: dir.appendingPathComponent("summary.json"))
        try experiment.report(results, sweep: s).write(to: dir.appendingPathComponent("report.html"))
        print("results in \(dir.path): results.csv, summary.json, report.html")
    }
}
