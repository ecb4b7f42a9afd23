import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

/// Issue 12: probes saved with a run, read back and applied, give the run's own test numbers exactly, and
/// transfer to other pairs.
final class SavedProbeTests: XCTestCase {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-probes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testReloadedProbesReproduceTheRunExactly() throws {
        let (planted, _) = plantedPairs(count: 120)
        for normalisation in Normalisation.allCases {
            var settings = ElicitSettings()
            settings.normalisation = normalisation
            settings.seeds = [0, 3]
            settings.ccs.epochs = 100
            settings.ccs.restarts = 2
            let results = try Elicitation.run(planted, settings: settings, template: "t")
            let dir = try folder()
            try SavedProbes(
                results: results, settings: settings, provenance: ProbeProvenance(source: { var s = ContrastSource(); s.data = "planted"; return s }()),
                activations: ["t": SavedProbes.activationsHash(planted)]
            ).write(to: dir)
            let saved = try SavedProbes(contentsOf: dir)
            XCTAssertEqual(saved.settings.normalisation, normalisation)
            XCTAssertEqual(saved.provenance.data, "planted")
            let evaluated = try ProbeTransfer.evaluate(saved, on: planted)
            XCTAssertEqual(evaluated.count, results.count)
            for (r, e) in zip(results, evaluated) {
                XCTAssertTrue(e.sameActivations)
                XCTAssertEqual(e.probe.probe.method, r.method)
                XCTAssertEqual(e.probe.probe.direction, r.probe.direction)
                XCTAssertEqual(e.score, r.scores[.truth]!, "\(normalisation) \(r.method) seed \(r.seed)")
            }
        }
    }

    func testProbesTransferToOtherPairs() throws {
        let (planted, _) = plantedPairs(count: 400)
        var settings = ElicitSettings()
        settings.methods = [.logistic, .pca]
        func part(_ range: Range<Int>) throws -> ContrastActivations {
            let d = planted.width
            return try ContrastActivations(
                positive: Tensor(
                    shape: [range.count, 1, d],
                    scalars: Array(planted.positive.scalars[(range.lowerBound * d)..<(range.upperBound * d)])),
                negative: Tensor(
                    shape: [range.count, 1, d],
                    scalars: Array(planted.negative.scalars[(range.lowerBound * d)..<(range.upperBound * d)])),
                labels: Array(planted.labels[range]), layers: [0], source: "part")
        }
        let (first, second) = (try part(0..<200), try part(200..<400))
        let results = try Elicitation.run(first, settings: settings, template: "t")
        let saved = SavedProbes(
            results: results, settings: settings, provenance: ProbeProvenance(),
            activations: ["t": SavedProbes.activationsHash(first)])
        for reuse in [false, true] {
            let transferred = try ProbeTransfer.evaluate(saved, on: second, savedStatistics: reuse)
            for t in transferred {
                XCTAssertFalse(t.sameActivations)
                XCTAssertEqual(t.score.count, 200, "every pair of other activations")
                XCTAssertGreaterThan(
                    t.score.accuracy, 0.95, "\(t.probe.probe.method), saved stats \(reuse)")
            }
        }
        var wide = second
        wide.layers = [3]
        XCTAssertThrowsMessage(try ProbeTransfer.evaluate(saved, on: wide), containing: "fitted at layer 0")
    }

    func testAMissingOrDamagedProbeFileIsOneLine() throws {
        let dir = try folder()
        XCTAssertThrowsMessage(try SavedProbes(contentsOf: dir), containing: "holds no probes.safetensors")
        try SafetensorsFile(tensors: [:], metadata: ["format": "other"]).write(
            to: dir.appendingPathComponent(SavedProbes.fileName))
        XCTAssertThrowsMessage(try SavedProbes(contentsOf: dir), containing: "not a SciDL probe file")
    }
}

/// Issue 24: `scidl eval` names what its probes were trained on and what they are tested on apart (before, a
/// probe trained on larger_than and tested on cities was printed as "trained on cities / truth").
final class EvalTableTests: XCTestCase {
    func testEvalTableNamesTrainingAndTestSetsApart() throws {
        let (planted, _) = plantedPairs(count: 60)
        var settings = ElicitSettings()
        settings.methods = [.pca]
        let results = try Elicitation.run(planted, settings: settings, template: "truth")
        let saved = SavedProbes(results: results, settings: settings, provenance: ProbeProvenance(), activations: [:])
        let rows = try ProbeTransfer.evaluate(saved, on: planted).map {
            EvalTable.Row(testData: "cities", testTemplate: "truth", result: $0)
        }
        let table = EvalTable(rows: rows, trainData: "larger_than")
        XCTAssertTrue(table.text().contains("larger_than / truth, layer 0"), table.text())
        XCTAssertFalse(table.text().contains("cities / truth, layer"), table.text())
        let lines = table.csv().split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let row = Dictionary(uniqueKeysWithValues: zip(header, lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        XCTAssertEqual(row["train_data"], "larger_than")
        XCTAssertEqual(row["train_template"], "truth")
        XCTAssertEqual(row["test_data"], "cities")
        XCTAssertEqual(row["test_template"], "truth")
        XCTAssertNotNil(row["acc_estimate"].flatMap(Double.init))
    }
}
