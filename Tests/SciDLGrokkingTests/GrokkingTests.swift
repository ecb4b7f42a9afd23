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
        let summary = try GrokRun(config: config, directory: dir).run(showProgress: false)
        let metrics = try MetricsLog(readingFrom: dir)

        let memorised = try XCTUnwrap(summary.memorisedAtStep, "never fit the training set")
        let generalised = try XCTUnwrap(summary.generalisedAtStep, "never generalised: \(summary.headline)")
        XCTAssertTrue(summary.stoppedEarly)
        // Delayed generalisation: at the step it memorised, test accuracy was still low, and the jump to
        // 99 % came many steps later.
        let atMemorisation = try XCTUnwrap(metrics.rows.first { $0["step"] == Double(memorised) })
        XCTAssertLessThan(atMemorisation["test_accuracy"]!, 0.5)
        XCTAssertGreaterThan(generalised, 3 * memorised)
        XCTAssertGreaterThanOrEqual(summary.final["test_accuracy"]!, 0.99)
        // Weight decay shrinks the network as it switches circuits: the norm ends below its peak.
        let norms = metrics.series("weight_norm").map(\.1)
        XCTAssertLessThan(norms.last!, norms.max()! * 0.95)
    }
}
