import Foundation
import SciDLTensor
import XCTest

@testable import SciDLGrokking

final class ToyModelTests: XCTestCase {
    var settings: ToyModel.Settings {
        var s = ToyModel.Settings()
        s.testExamples = 500
        return s
    }

    func testDefaultsPutTheCriticalSizeAt200() {
        XCTAssertEqual(settings.criticalSize, 200, accuracy: 1)
    }

    /// The toy's closed-form loss is the cross-entropy of its logit vector (z, 0, …, 0), and its slope that
    /// cross-entropy's derivative p₀ − 1.
    func testClosedFormLossIsTheCrossEntropyOfTheToysLogits() {
        let model = ToyModel(settings: settings, trainingSize: 10)
        for z in [-30.0, -2, 0, 0.5, 3, 40] {
            let logits = [z] + [Double](repeating: 0, count: settings.classes - 1)
            let (value, slope) = model.loss(z)
            XCTAssertEqual(value, crossEntropy(logits: logits, target: 0), accuracy: 1e-12 * max(1, abs(value)))
            let p0 = 1 / logits.reduce(0) { $0 + exp($1 - z) }
            XCTAssertEqual(slope, p0 - 1, accuracy: 1e-12)
        }
    }

    func testEquilibriumMatchesTheAnalysis() {
        // Well above D_crit both circuits settle where their gradients balance weight decay.
        let s = settings
        let d = 800
        var model = ToyModel(settings: s, trainingSize: d)
        for _ in 0..<30_000 { model.step() }
        let z = s.equilibriumLogit
        let m = s.memorisationScale * s.memorisationScale / (s.generalisingScale * Double(d))
        XCTAssertEqual(model.memorisingLogit, m, accuracy: 0.03 * m)
        XCTAssertEqual(model.generalisingLogit, z - m, accuracy: 0.03 * (z - m))
    }

    func testGrokkingUngrokkingAndSemiGrokking() throws {
        let experiments = try ToyExperiments(settings: settings, steps: 20_000)
        let grok = experiments.grokking()
        let memorised = try XCTUnwrap(grok.points.first { $0.trainAccuracy == 1 })
        XCTAssertLessThan(memorised.step, 100)
        XCTAssertLessThan(memorised.testAccuracy, 0.2)
        let generalised = try XCTUnwrap(grok.points.first { $0.testAccuracy > 0.9 })
        XCTAssertGreaterThan(generalised.step, 10 * memorised.step)
        XCTAssertGreaterThan(grok.final.testAccuracy, 0.95)

        let ungrok = experiments.ungrokking()
        let before = try XCTUnwrap(ungrok.points.last { $0.step <= 20_000 })
        XCTAssertGreaterThan(before.testAccuracy, 0.95)
        XCTAssertLessThan(ungrok.final.testAccuracy, 0.2)  // chance is 0.1
        XCTAssertEqual(ungrok.final.trainAccuracy, 1)

        let semi = experiments.semiGrokking()
        XCTAssertTrue((0.2...0.8).contains(semi.final.testAccuracy), "final test accuracy \(semi.final.testAccuracy)")
        XCTAssertEqual(semi.final.trainAccuracy, 1)
    }

    func testSweepLocatesTheCriticalSize() throws {
        let experiments = try ToyExperiments(settings: settings, steps: 20_000)
        let sweep = experiments.sweep()
        let fitted = try XCTUnwrap(
            ToyExperiments.fittedCriticalSize(sweep, equilibriumLogit: settings.equilibriumLogit))
        XCTAssertEqual(fitted, settings.criticalSize, accuracy: 0.15 * settings.criticalSize)
        let flip = try XCTUnwrap(ToyExperiments.accuracyFlipSize(sweep))
        XCTAssertGreaterThan(Double(flip), settings.criticalSize)
        // Below D_crit the generalising circuit dies; far above it, test accuracy is perfect.
        for run in sweep where Double(run.final.trainingSize) < 0.8 * settings.criticalSize {
            XCTAssertLessThan(run.final.generalisingLogit, 0.05, run.name)
        }
        XCTAssertGreaterThan(sweep.last!.final.testAccuracy, 0.99)
    }

    func testBadSettingsAreExplained() {
        var s = settings
        s.weightDecay = 2
        XCTAssertThrowsError(try ToyExperiments(settings: s)) { XCTAssertTrue("\($0)".contains("weight decay")) }
        s = settings
        s.classes = 1
        XCTAssertThrowsError(try ToyExperiments(settings: s))
    }
}
