import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

/// Probing a layer of 100,000 pairs must not copy it: differences, moments, covariances, gradients and the
/// held-out scores are made a block of pairs at a time. Blocks of a few pairs must give what one block of all
/// of them gives (the whole-matrix arithmetic), so every block boundary is crossed here.
final class ProbesInBlocksTests: XCTestCase {
    /// 203 planted pairs (not a multiple of the block size), centred as CCS centres them.
    func trainingPairs() -> ProbeData {
        let (activations, _) = plantedPairs(count: 203)
        let raw = ProbeData(activations, layer: 0, indices: Array(0..<activations.count))
        return SideNormalisation(fitting: raw, scalingVariance: false).apply(raw)
    }

    func testDifferenceBlocksCoverEveryPairOnceInOrder() {
        var data = trainingPairs()
        data.rowsPerBlock = 7
        var seen: [Float] = []
        var firsts: [Int] = []
        data.forEachDifferenceBlock { first, x in
            firsts.append(first)
            seen += Array(x)
        }
        XCTAssertEqual(firsts, Array(stride(from: 0, to: 203, by: 7)))
        XCTAssertEqual(seen, zip(data.positive, data.negative).map { $0 - $1 })
        let whole = ColumnMoments(data.differences, rows: data.count, columns: data.width, unbiased: true)
        let blocked = data.differenceMoments(unbiased: true)
        XCTAssertEqual(blocked.mean, whole.mean)
        XCTAssertEqual(blocked.standardDeviation, whole.standardDeviation)
    }

    /// PCA's covariance and logistic regression's gradients summed over blocks: the same fit up to float
    /// rounding of a sum's order; the scores of a fitted probe are the same floats whatever the blocks.
    func testProbesFittedInBlocksEqualProbesFittedWhole() throws {
        var whole = trainingPairs()
        whole.rowsPerBlock = whole.count
        var blocked = whole
        blocked.rowsPerBlock = 7
        for method in [ProbeMethod.pca, .logistic] {
            let a = try method.fit(whole, seed: 3)
            let b = try method.fit(blocked, seed: 3)
            let scale = a.direction.map(abs).max()!
            XCTAssertLessThan(
                zip(a.direction, b.direction).map { abs($0 - $1) }.max()!, 1e-4 * scale, "\(method) direction")
            XCTAssertEqual(a.bias, b.bias, accuracy: 1e-4 * max(1, abs(a.bias)), "\(method) bias")
        }
        for method in ProbeMethod.allCases {
            let probe = try method.fit(whole, seed: 3)
            XCTAssertEqual(probe.scores(blocked), probe.scores(whole), "\(method) scores")
        }
        // And blocked logistic regression still finds the planted truth.
        let lr = try ProbeMethod.logistic.fit(blocked, seed: 3)
        let accuracy = zip(lr.scores(blocked), blocked.labels).filter { ($0 > 0.5) == ($1 == 1) }.count
        XCTAssertGreaterThan(Double(accuracy) / Double(blocked.count), 0.95)
    }

    /// A cell's held-out pairs read and normalised a block at a time (in file order, scattered back) score as
    /// the whole held-out set does, under every normalisation.
    func testHeldOutPairsScoredInBlocksEqualTheWholeHeldOutSet() throws {
        let (activations, _) = plantedPairs(count: 157)
        for normalisation in Normalisation.allCases {
            var settings = ElicitSettings()
            settings.normalisation = normalisation
            settings.ccs.epochs = 20
            settings.seeds = [0, 1]
            var cells = 0
            try Elicitation.forEachCell(activations, settings: settings) { cell in
                var cell = cell
                cell.train.rowsPerBlock = 5
                let probes = try settings.methods.map { try $0.fit(cell.train, seed: cell.probeSeed) }
                let test = cell.test
                let whole = probes.map { p in
                    CellScores.directions(of: p, probeSeed: cell.probeSeed).map { $0.scores(test) }
                }
                XCTAssertEqual(cell.testScores(probes), whole, "\(normalisation)")
                XCTAssertEqual(test.labels, cell.testIndices.map { activations.labels[$0] })
                cells += 1
            }
            XCTAssertEqual(cells, 2)
        }
    }

    /// A layer is checked a block at a time: a difference that varies only in the last pair of the last block
    /// is still seen, and one constant everywhere is still skipped.
    func testLayerDiagnosisSeesTheLastBlock() throws {
        let (n, d) = (23, 4)
        var positive = (0..<n).flatMap { _ in (0..<d).map { Float($0) } }
        let negative = (0..<n).flatMap { _ in (0..<d).map { Float($0) - 1 } }
        func diagnosis(_ p: [Float]) throws -> LayerDiagnosis {
            let a = try ContrastActivations(
                positive: Tensor(shape: [n, 1, d], scalars: p), negative: Tensor(shape: [n, 1, d], scalars: negative),
                labels: [], layers: [0], source: "test")
            let blocked = LayerDiagnosis.diagnose(a, pairsPerBlock: 5)[0]
            XCTAssertEqual(blocked, LayerDiagnosis.diagnose(a)[0])
            return blocked
        }
        let constant = try diagnosis(positive)
        XCTAssertTrue(constant.constantDifferences)
        XCTAssertEqual(constant.constantDimensions, d)
        positive[(n - 1) * d + 2] += 0.5
        let varying = try diagnosis(positive)
        XCTAssertFalse(varying.constantDifferences)
        XCTAssertEqual(varying.constantDimensions, d - 1)
    }
}

/// The report's picture of x⁺ − x⁻: the planted truth is its first component, and a run with more pairs than a
/// picture draws shows a seeded sample whose labels still belong to their points.
final class DifferencePictureTests: XCTestCase {
    func testThePlantedTruthSplitsTheFirstComponentAlsoInASample() throws {
        for count in [300, DifferencePicture.largestPairCount + 100] {
            let (activations, _) = plantedPairs(count: count, width: 8)
            let word = activations.labels.indices.map { $0 % 3 == 0 ? 1 : 0 }
            let picture = try XCTUnwrap(DifferencePicture(activations, layer: 0, features: [.word: word]))
            let shown = min(count, DifferencePicture.largestPairCount)
            XCTAssertEqual(picture.coordinates.count, shown)
            XCTAssertEqual(picture.labels.count, shown)
            XCTAssertEqual(picture.features[.word]?.count, shown)
            XCTAssertEqual(picture.pairCount, count)
            let agree = zip(picture.coordinates, picture.labels).filter { ($0.x > 0) == ($1 == 1) }.count
            XCTAssertGreaterThan(Double(max(agree, shown - agree)) / Double(shown), 0.95, "\(count) pairs")
            XCTAssertGreaterThan(picture.explained.0, 0.5)
            let titles = picture.plots(template: "t").map(\.title)
            XCTAssertEqual(titles.count, 2)
            XCTAssertEqual(titles[0].contains("(\(shown) of \(count) pairs)"), shown < count)
        }
    }
}
