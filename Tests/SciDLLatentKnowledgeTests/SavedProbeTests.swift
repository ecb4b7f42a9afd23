import Foundation
import SciDLTensor
import SciDLTestSupport
import XCTest

@testable import SciDLLatentKnowledge

/// Issue 12: probes saved with a run, read back and applied, give the run's own test numbers exactly, and
/// transfer to other pairs.
final class SavedProbeTests: XCTestCase {
    func folder() throws -> URL {
        let url = ScratchFolder.url("scidl-probes", create: false)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Where a run's activations came from travels as a typed value, and files written before it was one (every
    /// value a string, "" for none, templates comma-joined) still read.
    func testProvenanceRoundTripsAndReadsTheEarlierStringForm() throws {
        var source = ContrastSource()
        (source.data, source.model, source.position) = ("cities.csv", "model.gguf", .mean)
        source.columns = ColumnMapping(label: "is_true", text: nil)
        let provenance = ProbeProvenance(source: source, templates: ["truth", "yes-no"])
        let decoded = try JSONDecoder().decode(ProbeProvenance.self, from: try JSONEncoder().encode(provenance))
        XCTAssertEqual(decoded, provenance)
        XCTAssertEqual(decoded.position, .mean)
        XCTAssertEqual(decoded.templates, ["truth", "yes-no"])
        XCTAssertNil(decoded.textColumn)
        let earlier =
            #"{"data":"cities.csv","label_column":"","model":"smollm2","position":"","templates":"truth,yes-no","text_column":""}"#
        let read = try JSONDecoder().decode(ProbeProvenance.self, from: Data(earlier.utf8))
        XCTAssertEqual(read.data, "cities.csv")
        XCTAssertEqual(read.templates, ["truth", "yes-no"])
        XCTAssertNil(read.position)
        XCTAssertNil(read.labelColumn)
        // Imported activations name their files, not a data set and model.
        let imported = ProbeProvenance(source: source, imported: ActivationFiles(file: "a.npy", labels: "l.npy"))
        XCTAssertEqual(imported.trainingData, "a.npy")
        XCTAssertNil(imported.model)
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
            var source = ContrastSource()
            source.data = "planted"
            try SavedProbes(
                results: results, settings: settings, provenance: ProbeProvenance(source: source),
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
        let wide = try ContrastActivations(
            positive: second.positive, negative: second.negative, labels: second.labels, layers: [3], source: "test")
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
        let row = Dictionary(
            uniqueKeysWithValues: zip(
                header, lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        XCTAssertEqual(row["train_data"], "larger_than")
        XCTAssertEqual(row["train_template"], "truth")
        XCTAssertEqual(row["test_data"], "cities")
        XCTAssertEqual(row["test_template"], "truth")
        XCTAssertNotNil(row["acc_estimate"].flatMap(Double.init))
    }
}
