import Foundation
import SciDLGrokking
import SciDLReports
import XCTest

/// A small configuration really groks: memorisation first, generalisation much later.
final class GrokkingTests: XCTestCase {
    func testSmallModularAdditionMemorisesThenGeneralises() throws {
        var config = GrokConfig()
        config.modulus = 31
        config.trainFraction = 0.5
        config.steps = 10_000  // groks near step 4,300 on the development machine; generous headroom
        config.evalEvery = 100
        config.checkpointEvery = 10_000
        let dir = scratchDirectory("groks")
        let summary = try GrokRun(config: config, directory: dir).run()
        let metrics = try MetricsLog(readingFrom: dir)

        let memorised = try XCTUnwrap(summary.memorisedAtStep, "never fit the training set")
        let generalised = try XCTUnwrap(summary.generalisedAtStep, "never generalised: \(summary.headline)")
        XCTAssertTrue(summary.stoppedEarly)
        // Delayed generalisation: at the step it memorised, test accuracy was still low, and the jump to
        // 99 % came many steps later.
        let atMemorisation = try XCTUnwrap(metrics.rows.first { $0[.step] == Double(memorised) })
        XCTAssertLessThan(atMemorisation[.testAccuracy]!, 0.5)
        XCTAssertGreaterThan(generalised, 3 * memorised)
        XCTAssertGreaterThanOrEqual(summary.final[.testAccuracy]!, 0.99)
        // Weight decay shrinks the network as it switches circuits: the norm ends below its peak.
        let norms = metrics.series(.weightNorm).map(\.1)
        XCTAssertLessThan(norms.last!, norms.max()! * 0.95)

        // Nanda et al.'s progress measures: the key-frequency terms alone come to explain the logits
        // (restricted loss falls, and before test loss does), the memorised remainder stops mattering to
        // the training loss (excluded loss rises), and the embedding becomes sparse in the Fourier basis.
        let keys = try XCTUnwrap(summary.keyFrequencies)
        XCTAssertTrue((1...8).contains(keys.count), "key frequencies \(keys)")
        func firstStep(_ column: MetricName, below v: Double) -> Double? {
            metrics.series(column).first { $0.1 < v }?.0
        }
        let restrictedLow = try XCTUnwrap(firstStep(.restrictedLoss, below: 0.5))
        let testLow = try XCTUnwrap(firstStep(.testLoss, below: 0.5))
        XCTAssertLessThanOrEqual(restrictedLow, testLow)
        XCTAssertGreaterThan(summary.final[.excludedLoss]!, 10 * atMemorisation[.excludedLoss]!)
        let gini = metrics.series(.giniEmbedding).map(\.1)
        XCTAssertGreaterThan(gini.last!, gini.first! + 0.2)
    }
}
