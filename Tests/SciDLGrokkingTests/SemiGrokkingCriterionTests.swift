import Foundation
import SciDLGrokking
import SciDLReports
import XCTest

/// The semi-grokking criterion on curves drawn by hand: each verdict, and the plateau's level and length.
final class SemiGrokkingCriterionTests: XCTestCase {
    let criterion = SemiGrokkingCriterion()
    let steps = Array(stride(from: 0, through: 9_000, by: 100))

    /// Train accuracy 100 % from step 200; test accuracy as `test(step)`.
    func judge(_ test: (Int) -> Double) -> SemiGrokkingCriterion.Judgement {
        criterion.judge(
            steps: steps, trainAccuracy: steps.map { $0 >= 200 ? 1 : 0.3 }, testAccuracy: steps.map(test))
    }

    /// A small deterministic wobble, ±0.02.
    func wobble(_ step: Int) -> Double { 0.02 * sin(Double(step) / 300) }

    func testARiseToAHeldPartialLevelIsSemiGrokking() {
        // 5 % at memorisation, up to 55 % by step 4,000, held there.
        let j = judge { s in (s < 4_000 ? 0.05 + 0.5 * Double(s) / 4_000 : 0.55) + wobble(s) }
        XCTAssertEqual(j.verdict, .semiGrokked)
        XCTAssertEqual(j.memorisedAtStep, 200)
        XCTAssertEqual(j.plateauLevel ?? 0, 0.55, accuracy: 0.02)
        // The final stretch inside (20 %, 80 %) starts where the rise passes 20 %: at step 1,300 it is
        // 0.2125 less a wobble of 0.019, at 1,400 0.225 less 0.020.
        XCTAssertEqual(j.plateauStartStep, 1_400)
        XCTAssertEqual(j.plateauSteps, 7_600)
    }

    func testTheOtherEndings() {
        XCTAssertEqual(judge { s in min(1, 0.05 + Double(s) / 5_000) }.verdict, .grokked)
        XCTAssertEqual(judge { s in 0.05 + wobble(s) }.verdict, .memorised)
        // Still climbing through the band in the last third: not a plateau.
        XCTAssertEqual(judge { s in 0.1 + 0.69 * Double(s) / 9_000 }.verdict, .unsettled)
        // Partial, but only reached in the last sixth: not held over the last third.
        XCTAssertEqual(judge { s in s < 7_600 ? 0.1 : 0.5 }.verdict, .unsettled)
        // Ungrokking's shape, a fall from grokked to a partial level, is not a rise after memorisation.
        let fall = criterion.judge(
            steps: steps, trainAccuracy: steps.map { _ in 1 }, testAccuracy: steps.map { $0 < 1_000 ? 0.99 : 0.7 })
        XCTAssertEqual(fall.verdict, .unsettled)
        let never = criterion.judge(
            steps: steps, trainAccuracy: steps.map { _ in 0.5 }, testAccuracy: steps.map { _ in 0.4 })
        XCTAssertEqual(never.verdict, .notMemorised)
        XCTAssertNil(never.memorisedAtStep)
    }

    func testAPlateauThatLeavesTheBandOnceIsNotHeld() {
        let j = judge { s in s == 8_000 ? 0.85 : (s < 3_000 ? 0.05 : 0.6) }
        XCTAssertNotEqual(j.verdict, .semiGrokked)
        XCTAssertEqual(j.plateauStartStep, 8_100, "the final stretch restarts after the excursion")
    }

    /// A semi-grokking sweep judges every run in its summary and report, as the criterion judges the run's log.
    func testASemiGrokkingSweepJudgesEveryRun() throws {
        var base = smallConfig(steps: 120, model: .mlp)
        base.learningRate = 1e-2
        let experiment = try SemiGrokkingExperiment(base: base, sizes: [60, 200], weightDecays: [1], seeds: [0])
        let dir = scratchDirectory("semigrok-criterion")
        let results = try experiment.run(in: dir, workers: 2)
        let summary = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json")))
                as? [String: Any])
        let runs = try XCTUnwrap(summary["runs"] as? [String: [String: Any]])
        XCTAssertEqual(Set(runs.keys), Set(results.map(\.name)))
        for r in results {
            let log = try MetricsLog(readingFrom: dir.appendingPathComponent("runs/\(r.name)"))
            XCTAssertEqual(runs[r.name]?["verdict"] as? String, experiment.criterion.judge(log).verdict.rawValue)
        }
        XCTAssertNotNil(summary["criterion"])
        let report = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("Each run by the criterion"))
        // The terminal's table gives the same verdicts.
        let table = experiment.table(results, sweep: try experiment.sweep(in: dir))
        for r in results {
            let row = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix(r.name) })
            XCTAssertTrue(row.hasSuffix("  " + (runs[r.name]?["verdict"] as? String ?? "?")), String(row))
        }
        XCTAssertTrue(table.contains("semi-grokked by the criterion: "), table)
        try? FileManager.default.removeItem(at: dir)
    }
}
