import Foundation
import SciDLGrokking
import SciDLReports
import SciDLTensor
import XCTest

/// A small MLP setting that groks in ~1,600 steps (p = 31, half the pairs).
func smallMLP(steps: Int) -> GrokConfig {
    var c = GrokConfig()
    c.modulus = 31
    c.trainFraction = 0.5
    c.model = ModelShape(kind: .mlp, modelWidth: 64, heads: 4, mlpWidth: 256)
    c.learningRate = 1e-2
    c.steps = steps
    c.evalEvery = 100
    c.checkpointEvery = steps
    c.stopAtTestAccuracy = nil
    return c
}

final class CircuitEfficiencyTests: XCTestCase {
    func testCrossingInterpolatesInLogSize() {
        XCTAssertEqual(
            CircuitEfficiency.crossing(sizes: [100, 400], values: [0, 1], level: 0.5)!, 200, accuracy: 1e-9)
        XCTAssertNil(CircuitEfficiency.crossing(sizes: [100, 400], values: [0.6, 1], level: 0.5))
    }

    func testSweepRunsEachPlanOnceAndResumes() throws {
        let dir = scratchDirectory("sweep")
        var small = smallConfig(steps: 20)
        small.checkpointEvery = 20
        let plans = (0..<3).map { i -> Sweep.Plan in
            var c = small
            c.seed = UInt64(i)
            return Sweep.Plan(name: "seed\(i)", config: c)
        }
        let first = try Sweep(directory: dir, plans: Array(plans.prefix(2)), workers: 2).run()
        XCTAssertEqual(first.map(\.name), ["seed0", "seed1"])
        let stamp =
            try FileManager.default.attributesOfItem(
                atPath: dir.appendingPathComponent("runs/seed0/summary.json").path)[.modificationDate] as! Date
        // Run again with one more plan: only the new one trains.
        let all = try Sweep(directory: dir, plans: plans, workers: 2).run()
        XCTAssertEqual(all.map(\.name), ["seed0", "seed1", "seed2"])
        let after =
            try FileManager.default.attributesOfItem(
                atPath: dir.appendingPathComponent("runs/seed0/summary.json").path)[.modificationDate] as! Date
        XCTAssertEqual(stamp, after, "a finished run was redone")
        let csv = try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 4)
        XCTAssertEqual(all[1][.seed], 1)
        // A run killed before its first checkpoint starts over instead of blocking the sweep.
        let partial = scratchDirectory("partial")
        _ = try Sweep(directory: partial, plans: Array(plans.prefix(1)))  // started, then killed
        var log = MetricsLog(directory: partial.appendingPathComponent("runs/seed0"))
        log.append(MetricsRow([(.step, 0)]))
        try log.flush()
        XCTAssertEqual(try Sweep(directory: partial, plans: Array(plans.prefix(1))).run().count, 1)
        // Same seed, same numbers, whether run in a sweep or alone.
        let alone = try GrokRun(config: plans[2].config, directory: scratchDirectory("alone")).run()
        XCTAssertEqual(all[2][.testAccuracy], alone.final[.testAccuracy])
    }

    func testMemorisingNormGrowsWithTheTrainingSet() throws {
        let experiment = try CriticalSizeExperiment(
            base: smallMLP(steps: 2000), sizes: [120, 240, 480], weightDecays: [1])
        let plans = experiment.plans().filter { $0.config.randomLabels }
        let results = try Sweep(directory: scratchDirectory("dcrit"), plans: plans).run()
        let norms = results.map { $0[.weightNorm]! }
        XCTAssertEqual(results.map { $0[.trainAccuracy]! }, [1, 1, 1], "random labels must be memorised")
        XCTAssertLessThan(norms[0], norms[1])
        XCTAssertLessThan(norms[1], norms[2])
    }

    /// The library's ungrokking experiment end to end: pre-training until grokked (as `scidl ungrok` does),
    /// the subset runs, and their summary and report.
    func testAGrokkedNetworkRetrainedOnATinySubsetUngroks() throws {
        let pretrainDir = scratchDirectory("pretrain")
        let start = try UngrokkingExperiment.Start(pretraining: smallMLP(steps: 4000), in: pretrainDir)
        XCTAssertGreaterThanOrEqual(start.testAccuracy, 0.99)
        XCTAssertEqual(start.trainingExamples, 480)
        let experiment = try UngrokkingExperiment(
            base: start.config, sizes: [30, 480], weightDecays: [1], steps: 1500, pretrained: pretrainDir,
            pretrains: false)
        let dir = scratchDirectory("ungrok")
        let results = try experiment.run(in: dir, workers: 2)
        XCTAssertLessThan(results[0][.testAccuracy]!, 0.3, "D = 30 should ungrok")
        XCTAssertEqual(results[0][.trainAccuracy]!, 1, "while still fitting its 30 examples")
        XCTAssertGreaterThan(results[1][.testAccuracy]!, 0.9, "the full training set should stay grokked")
        for file in ["results.csv", "summary.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), file)
        }
        var tooLarge = experiment
        tooLarge.sizes = [500]
        XCTAssertThrowsError(try tooLarge.plans()) { XCTAssertTrue("\($0)".contains("exceeds the 480"), "\($0)") }
        // A network that has not grokked is refused as a start.
        let ungrokked = scratchDirectory("ungrokked")
        _ = try GrokRun(config: smallMLP(steps: 5), directory: ungrokked).run()
        XCTAssertThrowsError(try UngrokkingExperiment.Start(grokRun: ungrokked)) { error in
            XCTAssertTrue("\(error)".contains("needs a grokked network"), "\(error)")
        }
    }

    func testRandomLabelsAndSubsetsAreSeededAndValidated() throws {
        var c = smallConfig(steps: 1)
        c.randomLabels = true
        c.trainSubset = 50
        let a = try GrokRun(config: c, directory: scratchDirectory("labels-a"))
        let b = try GrokRun(config: c, directory: scratchDirectory("labels-b"))
        XCTAssertEqual(a.trainIndices, b.trainIndices)
        XCTAssertEqual(a.trainingTargets, b.trainingTargets)
        XCTAssertEqual(a.trainIndices.count, 50)
        XCTAssertNotEqual(a.trainingTargets, a.task.targets)
        c.trainSubset = 10_000
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--train-subset")) }
    }
}
