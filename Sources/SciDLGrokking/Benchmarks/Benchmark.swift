import Foundation
import SciDLSupport
import SciDLTensor

/// Timing of training steps at a given configuration, for `scidl bench grok`.
public struct StepBenchmark: BenchmarkResult {
    public var benchmark = "grok_train_step"
    public var operation: String
    public var modulus: Int
    public var model: String
    public var trainExamples: Int
    public var threads: Int
    public var steps: Int
    /// Mean, median and fastest step: on a shared machine the median is the robust figure.
    public var msPerStep: Double
    public var msPerStepMedian: Double
    public var msPerStepMin: Double
    /// The step's counted work (`StepWork`) and the rate it ran at (median step).
    public var gflopPerStep: Double
    public var gflopsAchieved: Double
    /// The BLAS's own rate on a 2048³ product with the same threads: the limit to compare against.
    public var sgemm2048Gflops: Double?
    /// One evaluation as `--eval-every` runs it (all p² pairs, every metric, the progress measures), median
    /// of five.
    public var msPerEvaluation: Double

    enum CodingKeys: String, CodingKey {
        case benchmark, operation, model, trainExamples, threads, steps, msPerStep, msPerStepMedian, msPerStepMin
        case gflopPerStep, gflopsAchieved, sgemm2048Gflops, msPerEvaluation
        case modulus = "p"
    }

    /// Trains `warmup` steps untimed, then times `steps` steps in a scratch directory that is removed.
    /// - Parameter sgemm: also time the BLAS on a 2048³ product (about a second).
    public static func run(config: GrokConfig, steps: Int, warmup: Int, sgemm: Bool = true) throws -> StepBenchmark {
        guard steps > 0, warmup >= 0 else { throw SciDLError("benchmark needs --steps > 0 and --warmup ≥ 0") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try GrokRun(config: config, directory: scratch)
        for _ in 0..<warmup { run.trainStep() }
        var times: [Double] = []
        for _ in 0..<steps {
            let t = DispatchTime.now().uptimeNanoseconds
            run.trainStep()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        let distinct = ResidualRows.distinctRows(
            tokens: run.train.tokens, length: run.train.length, vocabulary: run.task.vocabularySize)
        let lastRows = Set(
            stride(from: run.train.length - 1, to: run.train.tokens.count, by: run.train.length).map {
                distinct.rowOf[$0]
            })
        let work = StepWork(
            config: config, outputs: run.task.modulus, examples: run.train.count, rows: distinct.tokenOfRow.count,
            queryRows: lastRows.count, length: run.train.length)
        let median = times.sorted()[steps / 2]
        let evaluations = (0..<5).map { _ in
            let t = DispatchTime.now().uptimeNanoseconds
            _ = run.measure()
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
        }
        return StepBenchmark(
            operation: config.operation.symbol, modulus: config.modulus, model: config.model.kind.rawValue,
            trainExamples: run.train.count, threads: Parallelism.threadCount, steps: steps,
            msPerStep: times.reduce(0, +) / Double(steps), msPerStepMedian: median, msPerStepMin: times.min()!,
            gflopPerStep: work.flops / 1e9, gflopsAchieved: work.flops / 1e9 / (median / 1000),
            sgemm2048Gflops: sgemm ? StepWork.matrixProductRate() : nil, msPerEvaluation: evaluations.sorted()[2])
    }
}

/// Runs per hour for a sweep of small runs: one after another, and on all cores at once as sweeps run them —
/// `scidl bench sweep`.
public struct SweepBenchmark: BenchmarkResult {
    public var benchmark = "sweep_runs_per_hour"
    public var model: String
    public var runs: Int
    public var steps: Int
    public var sequentialRunsPerHour: Double
    public var parallelRunsPerHour: Double

    /// The sweep: p = 31 models (d 64, 4 heads, hidden 256), one seed and training-set size each.
    public static func configs(runs: Int, steps: Int, model: ModelKind = .mlp) -> [GrokConfig] {
        (0..<runs).map { i in
            var c = GrokConfig()
            c.modulus = 31
            c.model = ModelShape(kind: model, modelWidth: 64, heads: 4, mlpWidth: 256)
            c.learningRate = model == .mlp ? 1e-2 : 1e-3
            c.trainCount = 200 + 15 * i
            c.seed = UInt64(i)
            c.steps = steps
            c.evalEvery = 100
            c.checkpointEvery = steps
            c.stopAtTestAccuracy = nil
            return c
        }
    }

    public static func run(runs: Int, steps: Int, model: ModelKind = .mlp) throws -> SweepBenchmark {
        guard runs > 0, steps > 0 else { throw SciDLError("bench sweep needs --runs > 0 and --steps > 0") }
        let configs = Self.configs(runs: runs, steps: steps, model: model)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-bench-sweep-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        func seconds(_ work: () throws -> Void) rethrows -> Double {
            let t = Date()
            try work()
            return Date().timeIntervalSince(t)
        }
        let sequential = try seconds {
            for (i, c) in configs.enumerated() {
                try GrokRun(config: c, directory: scratch.appendingPathComponent("seq\(i)")).train(upTo: steps)
            }
        }
        let parallel = try seconds {
            let plans = configs.enumerated().map { Sweep.Plan(name: "run\($0.offset)", config: $0.element) }
            _ = try Sweep(directory: scratch.appendingPathComponent("parallel"), plans: plans, command: "bench").run()
        }
        func perHour(_ t: Double) -> Double { Double(runs) / t * 3600 }
        return SweepBenchmark(
            model: model.rawValue, runs: runs, steps: steps, sequentialRunsPerHour: perHour(sequential),
            parallelRunsPerHour: perHour(parallel))
    }
}
