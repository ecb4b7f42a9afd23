import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

final class StatisticsTests: XCTestCase {
    /// Positives score N(1, 1), negatives N(0, 1): the true AUROC is Φ(1/√2) = 0.76025. Over 200 data sets
    /// of 200 pairs, the 95 % bootstrap interval should cover it about 95 % of the time.
    func testBootstrapIntervalCoversAKnownAUROC() {
        let truth = 0.76025
        var random = SeededGenerator(seed: 11)
        var covered = 0
        var widths: [Double] = []
        let sets = 200
        for s in 0..<sets {
            let labels = (0..<200).map { $0 % 2 }
            let scores = labels.map { Float(random.nextNormal() + Double($0)) }
            let interval = ProbeStatistics.bootstrapAUROC(scores, labels, resamples: 500, seed: UInt64(s))
            let point = ProbeScore.areaUnderROC(scores, labels)
            XCTAssertTrue(interval.contains(point), "the interval holds its own point estimate")
            if interval.contains(truth) { covered += 1 }
            widths.append(interval.upperBound - interval.lowerBound)
        }
        let coverage = Double(covered) / Double(sets)
        XCTAssertGreaterThan(coverage, 0.89, "coverage \(coverage)")
        XCTAssertLessThan(coverage, 0.995, "coverage \(coverage): too wide to be a 95 % interval")
        // The standard error of AUROC at n = 200 is about 0.033: the interval spans about ±2 of them.
        let width = widths.reduce(0, +) / Double(sets)
        XCTAssertGreaterThan(width, 0.10)
        XCTAssertLessThan(width, 0.16)
        XCTAssertEqual(
            ProbeStatistics.bootstrapAUROC([0.1, 0.9, 0.4], [0, 1, 1], seed: 3),
            ProbeStatistics.bootstrapAUROC([0.1, 0.9, 0.4], [0, 1, 1], seed: 3), "seeded")
    }

    func testCalibratedAccuracyIgnoresTheThreshold() {
        let scores: [Float] = [0.6, 0.7, 0.8, 0.9]
        let labels = [0, 0, 1, 1]
        XCTAssertEqual(ProbeScore(scores: scores, threshold: 0.5, against: labels).accuracy, 0.5)
        XCTAssertEqual(ProbeStatistics.calibratedAccuracy(scores, labels), 1)
        // Median 0.2: only 0.4 lies above it, predicting [0, 0, 1] against [1, 0, 0].
        XCTAssertEqual(ProbeStatistics.calibratedAccuracy([0.2, 0.1, 0.4], [1, 0, 0]), 1.0 / 3)
    }

    func testExpectedCalibrationError() {
        XCTAssertEqual(
            ProbeStatistics.expectedCalibrationError([0.9, 0.9, 0.9, 0.9], [1, 0, 1, 0]), 0.4, accuracy: 1e-6)
        // Two bins, each calibrated: 0.25 with one true in four, 0.75 with three.
        let p: [Float] = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75]
        XCTAssertEqual(ProbeStatistics.expectedCalibrationError(p, [1, 0, 0, 0, 1, 1, 1, 0]), 0, accuracy: 1e-6)
        // Half at 0.05 (none true), half at 0.95 (all true): |0 − 0.05|/2 + |1 − 0.95|/2.
        XCTAssertEqual(
            ProbeStatistics.expectedCalibrationError([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1]), 0.05, accuracy: 1e-6)
    }

    func testElicitationReportsTheStatistics() throws {
        let (planted, _) = plantedPairs(count: 200)
        var settings = ElicitSettings()
        settings.methods = [.logistic, .pca]
        settings.seeds = [0, 1, 2]
        let results = try Elicitation.run(planted, settings: settings)
        for r in results {
            let truth = r.scores[.truth]!
            let interval = try XCTUnwrap(truth.aurocInterval)
            XCTAssertTrue(interval.contains(truth.auroc), "\(r.method)")
            XCTAssertEqual(truth.calibrationError != nil, r.method == .logistic)
        }
        let report = ElicitReport(results: results, description: [])
        let header = report.csv().split(separator: "\n")[0].split(separator: ",").map(String.init)
        for column in ["auroc_low", "auroc_high", "calibrated_accuracy", "calibrated_accuracy_sign_free", "ece"] {
            XCTAssertTrue(header.contains(column), column)
        }
        let cell =
            try XCTUnwrap(
                (((report.summary()["templates"] as? [String: Any])?[""] as? [String: Any])?["pca"] as? [String: Any])?[
                    "layers"] as? [String: Any])["0"] as? [String: Any]
        XCTAssertEqual((cell?["accuracy_sign_free_per_seed"] as? [Double])?.count, 3)
        XCTAssertNotNil(cell?["accuracy_sign_free_sd"])
        XCTAssertTrue(report.table().contains("±"), "several seeds: the table shows the spread")
        let html = report.html(title: "t").html()
        XCTAssertTrue(html.contains("Sign-free accuracy, layer 0, every seed"), "one layer: a strip plot, not a line")
    }
}

final class ZeroShotTests: XCTestCase {
    /// Preferences that favour x⁺ by the truth plus a constant bias: raw accuracy suffers from the bias,
    /// calibrated accuracy (threshold at the median) does not.
    func testZeroShotScoresRawAndCalibrated() throws {
        let labels = (0..<100).map { $0 % 2 }
        // Distinct values (a tie at the median would count below it): 3 or 1 plus a small spread.
        let z = ZeroShot(preferences: labels.indices.map { Float(labels[$0] == 1 ? 3 : 1) + Float($0) / 400 })
        var settings = ElicitSettings()
        settings.seeds = [0, 1]
        let scores = try z.scores(labels: labels, settings: settings)
        XCTAssertEqual(scores.map(\.seed), [0, 1])
        for (seed, s) in scores {
            let test = try PairSplit(count: 100, testFraction: 0.4, seed: seed).test
            let trueCount = test.filter { labels[$0] == 1 }.count
            XCTAssertEqual(s.count, 40)
            XCTAssertEqual(s.accuracy, Double(trueCount) / 40, "every pair predicted x⁺")
            // Half the pairs predicted each way, perfectly ordered: wrong only by the split's imbalance.
            XCTAssertEqual(s.calibratedAccuracy, 1 - Double(abs(trueCount - 20)) / 40, accuracy: 1e-12)
            XCTAssertEqual(s.auroc, 1)
        }
    }
}
