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
            XCTAssertTrue(try XCTUnwrap(truth.aurocInterval).contains(truth.auroc), "\(r.method)")
            XCTAssertTrue(try XCTUnwrap(truth.accuracyInterval).contains(truth.accuracy), "\(r.method)")
            XCTAssertEqual(truth.calibrationError != nil, r.method == .logistic)
        }
        let report = ElicitReport(results: results, description: [])
        let header = report.csv().split(separator: "\n")[0].split(separator: ",").map(String.init)
        for column in [
            "acc_estimate", "acc_lower", "acc_upper", "auroc_estimate", "auroc_lower", "auroc_upper",
            "cal_acc_estimate",
            "ece", "reversed", "raw_acc", "raw_auroc", "raw_cal_acc",
        ] {
            XCTAssertTrue(header.contains(column), column)
        }
        let cell =
            try XCTUnwrap(
                (((report.summary()["templates"] as? [String: Any])?[""] as? [String: Any])?["pca"] as? [String: Any])?[
                    "layers"] as? [String: Any])["0"] as? [String: Any]
        XCTAssertEqual((cell?["acc_estimate_per_seed"] as? [Double])?.count, 3)
        XCTAssertNotNil(cell?["acc_estimate_sd"])
        XCTAssertTrue(report.table().contains("±"), "several seeds: the table shows the spread")
        let columns = try XCTUnwrap(report.summary()["columns"] as? [String: String])
        XCTAssertEqual(Set(columns.keys), Set(ResultColumn.allCases.map(\.name)), "every column documented")
    }

    /// Every column results.csv can hold is documented where users read about them.
    func testEveryColumnIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/probing-statistics.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for column in ResultColumn.allCases.map(\.name) + ResultColumn.featureColumns.map({ "f_" + $0 }) {
            XCTAssertTrue(text.contains("`\(column)`"), "\(column) is not in docs/probing-statistics.md")
        }
    }

    /// Issue 24: one sign decision per probe. PCA's sign is arbitrary, so under one of the two labellings of
    /// the same pairs its component points against the truth. The probe is then reversed — decided on the
    /// training pairs — and its accuracy, AUROC, both intervals and every row of results.csv describe that one
    /// oriented probe: the printed AUROC lies inside the printed interval (before, the interval bounded the raw
    /// AUROC while the sign-free AUROC was printed beside it), and the raw numbers sit in their own columns.
    func testOneSignDecisionOrientsEveryStatistic() throws {
        let (planted, _) = plantedPairs(count: 200)
        var flipped = planted
        flipped.labels = planted.labels.map { 1 - $0 }
        var settings = ElicitSettings()
        settings.methods = [.pca]
        settings.seeds = [0, 1]
        var reversals: [Bool] = []
        for activations in [planted, flipped] {
            let results = try Elicitation.run(activations, settings: settings)
            for r in results {
                let truth = r.scores[.truth]!
                reversals.append(truth.reversed)
                XCTAssertGreaterThan(truth.accuracy, 0.95)
                XCTAssertGreaterThan(truth.auroc, 0.98)
                if truth.reversed {
                    XCTAssertLessThan(truth.raw.accuracy, 0.05, "the raw probe points against the truth")
                    XCTAssertEqual(truth.auroc, 1 - truth.raw.auroc, accuracy: 1e-12)
                }
            }
            let csv = ElicitReport(results: results, description: []).csv().split(separator: "\n")
            let header = csv[0].split(separator: ",").map(String.init)
            for line in csv.dropFirst() {
                let row = Dictionary(
                    uniqueKeysWithValues: zip(
                        header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
                let auroc = try XCTUnwrap(Double(row["auroc_estimate"]!))
                let acc = try XCTUnwrap(Double(row["acc_estimate"]!))
                XCTAssertLessThanOrEqual(try XCTUnwrap(Double(row["auroc_lower"]!)), auroc)
                XCTAssertGreaterThanOrEqual(try XCTUnwrap(Double(row["auroc_upper"]!)), auroc)
                XCTAssertLessThanOrEqual(try XCTUnwrap(Double(row["acc_lower"]!)), acc)
                XCTAssertGreaterThanOrEqual(try XCTUnwrap(Double(row["acc_upper"]!)), acc)
            }
        }
        XCTAssertEqual(Set(reversals), [false, true], "one labelling reverses PCA, the other does not")
    }

    /// The sign is decided on the training pairs, not on the held-out ones: a probe that ranks the training
    /// pairs right keeps its sign even where it does worse than chance on the test pairs, and accuracy and AUROC
    /// are then both of that one probe. (Taking max(acc, 1 − acc) and max(AUROC, 1 − AUROC) separately, as
    /// before, flipped this probe for accuracy, 0.4 → 0.6, but not for AUROC, 0.667.)
    func testAccuracyAndAUROCShareOneOrientation() {
        let trainScores: [Float] = [0.7, 0.8, 0.3, 0.2]
        let trainLabels = [1, 1, 0, 0]
        let reversed = ProbeScore.isReversed(trainScores: trainScores, against: trainLabels)
        XCTAssertFalse(reversed)
        let test = ProbeScore(
            scores: [0.45, 0.46, 0.40, 0.41, 0.6], threshold: 0.5, against: [1, 1, 0, 0, 0], reversed: reversed)
        XCTAssertEqual(test.accuracy, 0.4, accuracy: 1e-12)
        XCTAssertEqual(test.auroc, 4.0 / 6, accuracy: 1e-12)
        let flipped = ProbeScore(
            scores: [0.45, 0.46, 0.40, 0.41, 0.6], threshold: 0.5, against: [1, 1, 0, 0, 0], reversed: true)
        XCTAssertEqual(flipped.accuracy, 0.6, accuracy: 1e-12)
        XCTAssertEqual(flipped.auroc, 2.0 / 6, accuracy: 1e-12, "reversal maps AUROC to 1 − AUROC")
        XCTAssertEqual(flipped.raw, test.raw)
        XCTAssertTrue(
            ProbeScore.isReversed(trainScores: trainScores, against: trainLabels.map { 1 - $0 }),
            "ranking the training pairs' false above their true reverses the probe")
    }

    /// The calibration error is the oriented probe's: a confident probe that is simply reversed is well
    /// calibrated once oriented (before, its ECE was computed unflipped: 0.9 here).
    func testCalibrationErrorOfTheOrientedProbe() {
        let labels = (0..<40).map { $0 % 2 }
        let probabilities = labels.map { Float($0 == 1 ? 0.05 : 0.95) }
        let reversed = ProbeScore.isReversed(trainScores: probabilities, against: labels)
        XCTAssertTrue(reversed)
        let score = ProbeScore(
            scores: probabilities, threshold: 0.5, against: labels, reversed: reversed, probabilities: true)
        XCTAssertEqual(try XCTUnwrap(score.calibrationError), 0.05, accuracy: 1e-6)
        XCTAssertEqual(score.accuracy, 1)
        XCTAssertEqual(score.raw.accuracy, 0)
    }

    /// The accuracy interval covers a known accuracy about 95 % of the time: predictions right with
    /// probability 0.7, 200 pairs, 200 data sets.
    func testAccuracyIntervalCoversAKnownAccuracy() {
        var random = SeededGenerator(seed: 5)
        var covered = 0
        for s in 0..<200 {
            let labels = (0..<200).map { $0 % 2 }
            let scores = labels.map { Float(random.nextUniform() < 0.7 ? $0 : 1 - $0) }
            let interval = ProbeStatistics.bootstrap(scores, labels, threshold: 0.5, resamples: 500, seed: UInt64(s))
                .accuracy
            if interval.contains(0.7) { covered += 1 }
        }
        XCTAssertGreaterThan(covered, 178, "coverage \(covered) / 200")
        XCTAssertLessThan(covered, 199, "coverage \(covered) / 200: too wide")
    }

    /// Issue 24: chance is a distribution. On pairs with no signal at all, the random method's accuracy is the
    /// mean over 100 random directions — near 0.5, not a lucky draw — and its 95th percentile shows how far
    /// luck reaches with this many test pairs.
    func testRandomBaselineIsADistribution() throws {
        var random = SeededGenerator(seed: 9)
        let (n, d) = (300, 16)
        let noise = { (0..<(n * d)).map { _ in Float(random.nextNormal()) } }
        let a = try ContrastActivations(
            positive: Tensor(shape: [n, 1, d], scalars: noise()), negative: Tensor(shape: [n, 1, d], scalars: noise()),
            labels: (0..<n).map { $0 % 2 }, layers: [0], source: "noise")
        var settings = ElicitSettings()
        settings.methods = [.random]
        settings.seeds = [0, 1, 2, 3]
        var one = settings
        one.seeds = [0]
        let table = ElicitReport(results: try Elicitation.run(a, settings: one), description: []).table()
        XCTAssertNotNil(
            table.range(of: #"0\.\d{3} / 0\.\d{3}"#, options: .regularExpression),
            "mean / 95th percentile, whole: \(table)")
        for r in try Elicitation.run(a, settings: settings) {
            let truth = r.scores[.truth]!
            let chance = try XCTUnwrap(truth.chance)
            XCTAssertEqual(chance.directions, RandomBaseline.directions)
            XCTAssertEqual(truth.accuracy, 0.5, accuracy: 0.025, "a mean over 100 directions sits near chance")
            XCTAssertGreaterThan(chance.accuracyP95, truth.accuracy + 0.03, "a lucky direction reaches further")
            XCTAssertEqual(r.truthReversals.count, RandomBaseline.directions)
        }
    }

    /// A decoder's layer 0 at the last token is the answer token's embedding: x⁺ − x⁻ is the same for every
    /// pair. Such a layer is skipped with a note; a run of only such layers is refused with one line.
    func testDegenerateLayersAreSkippedOrRefused() throws {
        let (planted, _) = plantedPairs(count: 60)
        let d = planted.width
        var positive: [Float] = []
        var negative: [Float] = []
        for i in 0..<60 {
            let row = Array(planted.positive.scalars[(i * d)..<((i + 1) * d)])
            positive += (0..<d).map { Float($0) } + row
            negative += (0..<d).map { Float($0) - 1 } + Array(planted.negative.scalars[(i * d)..<((i + 1) * d)])
        }
        let both = try ContrastActivations(
            positive: Tensor(shape: [60, 2, d], scalars: positive),
            negative: Tensor(shape: [60, 2, d], scalars: negative),
            labels: planted.labels, layers: [0, 5], source: "two layers")
        let diagnoses = LayerDiagnosis.diagnose(both)
        XCTAssertEqual(diagnoses.map(\.constantDifferences), [true, false])
        XCTAssertEqual(diagnoses[0].constantDimensions, d)
        XCTAssertTrue(diagnoses[0].note!.hasPrefix("layer 0 skipped"))
        XCTAssertNil(diagnoses[1].note)
        var settings = ElicitSettings()
        settings.methods = [.pca]
        XCTAssertEqual(Set(try Elicitation.run(both, settings: settings).map(\.layer)), [5])
        let onlyZero = try ContrastActivations(
            positive: Tensor(shape: [60, 1, d], scalars: (0..<60).flatMap { _ in (0..<d).map { Float($0) } }),
            negative: Tensor(shape: [60, 1, d], scalars: (0..<60).flatMap { _ in (0..<d).map { Float($0) - 1 } }),
            labels: both.labels, layers: [0], source: "test")
        XCTAssertThrowsMessage(
            try Elicitation.run(onlyZero, settings: settings), containing: "nothing to probe at layer(s) 0")
    }
}

final class ZeroShotTests: XCTestCase {
    /// Preferences that favour x⁺ by the truth plus a constant bias: raw accuracy suffers from the bias,
    /// calibrated accuracy (threshold at the median) does not, and the report says the model always answers x⁺.
    func testZeroShotScoresRawAndCalibrated() throws {
        let labels = (0..<100).map { $0 % 2 }
        // Distinct values (a tie at the median would count below it): 3 or 1 plus a small spread.
        let z = ZeroShot(preferences: labels.indices.map { Float(labels[$0] == 1 ? 3 : 1) + Float($0) / 400 })
        var settings = ElicitSettings()
        settings.seeds = [0, 1]
        let scores = try z.scores(labels: labels, settings: settings)
        XCTAssertEqual(scores.map(\.seed), [0, 1])
        for (seed, s) in scores.map({ ($0.seed, $0.score) }) {
            let test = try PairSplit(count: 100, testFraction: 0.4, seed: seed).test
            let trueCount = test.filter { labels[$0] == 1 }.count
            XCTAssertEqual(s.count, 40)
            XCTAssertEqual(scores.first { $0.seed == seed }!.prefersPositive, 1)
            XCTAssertEqual(s.accuracy, Double(trueCount) / 40, "every pair predicted x⁺")
            // Half the pairs predicted each way, perfectly ordered: wrong only by the split's imbalance.
            XCTAssertEqual(s.calibratedAccuracy, 1 - Double(abs(trueCount - 20)) / 40, accuracy: 1e-12)
            XCTAssertEqual(s.auroc, 1)
        }
    }

    /// The baseline is a row of results.csv (per seed, layer empty) and a line that says when the model
    /// almost always gives one answer.
    func testZeroShotIsARowOfTheResults() throws {
        let (planted, _) = plantedPairs(count: 100)
        var settings = ElicitSettings()
        settings.methods = [.pca]
        settings.seeds = [0, 1]
        var report = ElicitReport(
            results: try Elicitation.run(planted, settings: settings, template: "t"), description: [])
        let z = ZeroShot(
            preferences: planted.labels.indices.map { Float(planted.labels[$0] == 1 ? 3 : 1) + Float($0) / 400 })
        report.zeroShot["t"] = try z.scores(labels: planted.labels, settings: settings)
        let lines = report.csv().split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map {
            Dictionary(
                uniqueKeysWithValues: zip(
                    header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }.filter { $0["method"] == "zero_shot" }
        XCTAssertEqual(rows.map { $0["seed"] }, ["0", "1"])
        for row in rows {
            XCTAssertEqual(row["layer"], "")
            XCTAssertEqual(row["prefers_x_plus"], "1")
            XCTAssertEqual(Double(row["cal_acc_estimate"]!)!, 1, accuracy: 0.06)
            XCTAssertFalse(row["auroc_lower"]!.isEmpty)
        }
        XCTAssertTrue(report.table().contains("the model almost always picks one answer"), report.table())
    }
}
