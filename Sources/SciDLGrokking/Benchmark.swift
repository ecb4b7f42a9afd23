import Foundation
import SciDLTensor

/// Timing of training steps at a given configuration, for `scidl bench grok`.
public struct StepBenchmark: Codable, Sendable {
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

    enum CodingKeys: String, CodingKey {
        case benchmark, operation, modulus = "p", model, trainExamples = "train_examples", threads, steps
        case msPerStep = "ms_per_step", msPerStepMedian = "ms_per_step_median", msPerStepMin = "ms_per_step_min"
    }

    /// Trains `warmup` steps untimed, then times `steps` steps in a scratch directory that is removed.
    public static func run(config: GrokConfig, steps: Int, warmup: Int) throws -> StepBenchmark {
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
        return StepBenchmark(operation: config.operation.symbol, modulus: config.modulus, model: config.model.kind.rawValue,
                             trainExamples: run.train.count, threads: Parallelism.threadCount, steps: steps,
                             msPerStep: times.reduce(0, +) / Double(steps),
                             msPerStepMedian: times.sorted()[steps / 2], msPerStepMin: times.min()!)
    }

    /// One JSON line.
    public var jsonLine: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }
}
