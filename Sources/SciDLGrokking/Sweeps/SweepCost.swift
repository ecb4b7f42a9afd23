import Foundation
import SciDLSupport
import SciDLTensor

/// What a sweep will cost, from its plans and the step time measured on this machine just before: printed
/// before a long grid starts, so that nobody waits a week by surprise.
public struct SweepCost: Sendable {
    public var runs: Int
    /// Training steps of all runs together.
    public var steps: Int
    /// Measured milliseconds per step (evaluation included) at the smallest and largest training set.
    public var millisecondsPerStep: ClosedRange<Double>
    /// Core-seconds of all runs: each run is timed on one core, as a sweep runs them.
    public var coreSeconds: Double

    /// Times a few steps of the plans with the smallest and largest training sets (from scratch: the step
    /// does not depend on the weights) and interpolates the others linearly in the training-set size.
    public init(plans: [Sweep.Plan]) throws {
        guard !plans.isEmpty else { throw SciDLError("the sweep has no runs") }
        func size(_ c: GrokConfig) throws -> Int {
            if let subset = c.trainSubset { return subset }
            let task = try AlgorithmicTask(operation: c.operation, modulus: c.modulus)
            return try c.trainingSize.resolve(total: task.count)
        }
        let sized = try plans.map { (plan: $0, size: try size($0.config)) }
        let smallest = sized.min { $0.size < $1.size }!
        let largest = sized.max { $0.size < $1.size }!
        let low = try Self.millisecondsPerStep(smallest.plan.config)
        let high = smallest.size == largest.size ? low : try Self.millisecondsPerStep(largest.plan.config)
        func perStep(_ d: Int) -> Double {
            guard largest.size > smallest.size else { return low }
            return low + (high - low) * Double(d - smallest.size) / Double(largest.size - smallest.size)
        }
        runs = plans.count
        steps = plans.reduce(0) { $0 + $1.config.steps }
        millisecondsPerStep = min(low, high)...max(low, high)
        coreSeconds = sized.reduce(0) { $0 + Double($1.plan.config.steps) * perStep($1.size) / 1000 }
    }

    /// One core's milliseconds per training step of `config`, with its evaluations spread over the steps.
    static func millisecondsPerStep(_ config: GrokConfig) throws -> Double {
        var c = config
        c.initialCheckpoint = nil
        let run = try GrokRun(building: c, in: FileManager.default.temporaryDirectory)
        return Parallelism.withThreadBudget(1) {
            run.trainStep()
            let timedSteps = 5
            let t0 = Date()
            for _ in 0..<timedSteps { run.trainStep() }
            let step = Date().timeIntervalSince(t0) / Double(timedSteps)
            let t1 = Date()
            _ = run.measure()
            let evaluation = Date().timeIntervalSince(t1)
            return 1000 * (step + evaluation / Double(max(1, c.evalEvery)))
        }
    }

    /// "70 runs × 10000 steps at 3.1–7.9 ms/step ≈ 1.2 h of one core, ≈ 36 min with 2 at a time"; without
    /// `workers` (on Slurm, where the cluster decides) only the core time.
    public func describe(workers: Int?) -> String {
        let perRun = runs > 0 ? steps / runs : 0
        let rate =
            millisecondsPerStep.lowerBound == millisecondsPerStep.upperBound
            ? String(format: "%.1f", millisecondsPerStep.lowerBound)
            : String(format: "%.1f–%.1f", millisecondsPerStep.lowerBound, millisecondsPerStep.upperBound)
        var text =
            "\(runs) runs × \(perRun) steps at \(rate) ms/step (measured now) ≈ \(Self.duration(coreSeconds)) of one core"
        if let workers {
            text += ", ≈ \(Self.duration(coreSeconds / Double(max(1, min(workers, runs))))) with \(workers) at a time"
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return String(format: "%.0f s", seconds) }
        if seconds < 5400 { return String(format: "%.0f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }
}
