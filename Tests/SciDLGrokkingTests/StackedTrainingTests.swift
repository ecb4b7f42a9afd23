import Foundation
import SciDLGrokking
import SciDLReports
import SciDLTensor
import XCTest

final class StackedTrainingTests: XCTestCase {
    func configs() -> [GrokConfig] {
        [(0, 200), (1, 300), (2, 480)].map { seed, count in
            var c = smallMLP(steps: 25)
            c.seed = UInt64(seed)
            c.trainCount = count
            c.randomLabels = seed == 1  // mixing true and random labels in one stack
            return c
        }
    }

    func testStackedTrainingEqualsSeparateRuns() throws {
        let stacked = try StackedTrainer(configs: configs())
        for _ in 0..<25 { stacked.trainStep() }
        let rows = stacked.measure()
        for (m, config) in configs().enumerated() {
            let alone = try GrokRun(config: config, directory: scratchDirectory("alone\(m)"))
            for _ in 0..<25 { alone.trainStep() }
            let weights = stacked.model.weights(of: m)
            for (name, p) in alone.model.namedParameters {
                let got = try XCTUnwrap(weights[name], name)
                let scale = p.value.scalars.map { abs($0) }.max()!
                let diff = zip(got.scalars, p.value.scalars).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(diff, 1e-3 * scale, "model \(m) \(name)")
            }
            let measured = alone.measure()
            for column: MetricName in [.trainLoss, .testLoss, .trainAccuracy, .testAccuracy, .weightNorm] {
                XCTAssertEqual(
                    rows[m][column]!, measured[column]!, accuracy: 1e-3 * max(1, abs(measured[column]!)),
                    "model \(m) \(column)")
            }
        }
    }

    func testStackingRefusesMismatchedRuns() {
        var other = configs()
        other[1].learningRate = 1e-3
        XCTAssertThrowsError(try StackedTrainer(configs: other))
        var transformer = configs()
        for i in transformer.indices { transformer[i].model.kind = .transformer }
        XCTAssertThrowsError(try StackedTrainer(configs: transformer))
    }
}
