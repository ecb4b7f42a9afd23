import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

final class ChallengeTests: XCTestCase {
    let data = BuiltInData.comparisons.dataset(count: 40, seed: 5)

    func testDistractorAppendsTheSameWordToBothMembersOfExactlyHalfThePairs() throws {
        let c = try Challenges.distractor(
            data, template: PromptTemplate.BuiltIn.truth.template, words: ["Banana", "Shed"], seed: 1)
        let word = try XCTUnwrap(c.features[.word])
        XCTAssertEqual(word.filter { $0 == 1 }.count, 20)
        for (pair, w) in zip(c.pairs, word) {
            let suffix = w == 1 ? ". Banana" : ". Shed"
            XCTAssertTrue(
                pair.positive.hasSuffix("True" + suffix) && pair.negative.hasSuffix("False" + suffix), pair.positive)
        }
        XCTAssertEqual(c.pairs.map(\.label), data.examples.map(\.label))
        XCTAssertThrowsMessage(
            try Challenges.distractor(data, template: PromptTemplate.BuiltIn.truth.template, words: [], seed: 1),
            containing: "two different")
        XCTAssertThrowsMessage(
            try Challenges.distractor(
                data, template: PromptTemplate.BuiltIn.truth.template, words: ["a", "a"], seed: 1),
            containing: "two different")
    }

    func testExplicitOpinionStatesAliceViewIndependentlyOfTheTruth() throws {
        let c = try Challenges.explicitOpinion(data, sentences: 3, seed: 2)
        let alice = try XCTUnwrap(c.features[.alice])
        for (pair, view) in zip(c.pairs, alice) {
            let word = view == 1 ? "true" : "false"
            XCTAssertTrue(
                pair.positive.contains(
                    "Alice thinks it is \(word). She is sure it is \(word). Alice says it is \(word)."), pair.positive)
            XCTAssertFalse(pair.positive.contains("In her view"))
            XCTAssertTrue(
                pair.positive.hasSuffix("I think it is true") && pair.negative.hasSuffix("I think it is false"))
        }
        // Independent of the truth: both views occur with both labels.
        let combinations = Set(zip(alice, c.pairs.map(\.label)).map { "\($0)\($1)" })
        XCTAssertEqual(combinations, ["00", "01", "10", "11"])
        XCTAssertThrowsMessage(
            try Challenges.explicitOpinion(data, sentences: 9, seed: 0), containing: "between 1 and 8")
    }

    func testImplicitOpinionDemonstrationsAreWrongExactlyInTheCategory() throws {
        let category = try ExampleCategory(parsing: "a>50", columns: data.columns)
        let c = try Challenges.implicitOpinion(data, category: category, shots: 4, seed: 3)
        let inside = data.examples.map { Int($0.fields["a"]!)! > 50 ? 1 : 0 }
        XCTAssertEqual(c.features[.alice]!, zip(data.examples.map(\.label), inside).map { $0 ^ $1 })
        XCTAssertEqual(c.features[.truthInCategory]!.filter { $0 >= 0 }.count, inside.filter { $0 == 1 }.count)
        // Every demonstration line pairs a statement with Alice's (possibly wrong) answer.
        let byStatement = Dictionary(
            data.examples.map { ($0.fields["statement"]!, $0) }, uniquingKeysWith: { a, _ in a })
        for pair in c.pairs.prefix(5) {
            let blocks = pair.positive.components(separatedBy: "\n\n").dropFirst().dropLast()
            XCTAssertEqual(blocks.count, 4)
            for block in blocks {
                let lines = block.split(separator: "\n")
                let example = try XCTUnwrap(byStatement[String(lines[0])])
                let wrong = Int(example.fields["a"]!)! > 50
                XCTAssertEqual(lines[1], "Alice: \((example.label == 1) != wrong ? "true" : "false")")
            }
        }
        XCTAssertThrowsMessage(
            try ExampleCategory(parsing: "nope=1", columns: data.columns), containing: "does not have")
        XCTAssertThrowsMessage(try ExampleCategory(parsing: "a>x", columns: data.columns), containing: "one number")
    }

    func testTheoremTwinHasTheSameLossAndPredictsTruthXorH() throws {
        let (activations, _) = plantedPairs(count: 200, seed: 7)
        var settings = ElicitSettings()
        settings.ccs.epochs = 300
        settings.seeds = [0, 1]
        var random = SeededGenerator(seed: 11)
        let h = random.permutation(200).map { $0 % 2 }
        for row in try TheoremExperiment.run(activations, feature: h, settings: settings) {
            let c = row.check
            XCTAssertEqual(c.fittedLoss, c.swappedLoss, accuracy: 1e-12)
            XCTAssertGreaterThan(c.fittedTruthAccuracy, 0.95, "CCS finds the planted truth")
            XCTAssertEqual(c.swappedXorAccuracy, c.fittedTruthAccuracy, accuracy: 1e-12)
            XCTAssertLessThan(c.swappedTruthAccuracy, 0.7, "the twin no longer tracks the truth")
        }
    }

    /// The check's two losses are CCS's loss of c and of its twin, on planted data where the twin differs
    /// from c on every pair (h = 1 everywhere): equal to each other bit for bit, and to the loss written
    /// out here and to the training path's loss of c.
    func testTheoremLossesAreTheCCSLossOfBothProbes() throws {
        let (activations, _) = plantedPairs(count: 120, seed: 3)
        let data = SideNormalisation(
            fitting: ProbeData(activations, layer: 0, indices: Array(0..<120)), scalingVariance: false
        )
        .apply(ProbeData(activations, layer: 0, indices: Array(0..<120)))
        for symmetric in [false, true] {
            var settings = CCSSettings()
            settings.symmetricConfidence = symmetric
            let probe = CCS.fit(data, settings: settings, seed: 0)
            let (p, q) = probe.credences(data)
            XCTAssertTrue(zip(p, q).allSatisfy { $0 != $1 }, "c and its twin differ on every pair")
            let check = TheoremCheck(
                probe: probe, data: data, feature: [Int](repeating: 1, count: 120), name: "h",
                symmetric: symmetric)
            XCTAssertEqual(check.fittedLoss, check.swappedLoss, "symmetric \(symmetric)")
            let written =
                zip(p, q).map { a, b -> Double in
                    let (a, b) = (Double(a), Double(b))
                    let confidence = symmetric ? min(a, b, 1 - a, 1 - b) : min(a, b)
                    return (a + b - 1) * (a + b - 1) + confidence * confidence
                }.reduce(0, +) / 120
            XCTAssertEqual(check.fittedLoss, written, accuracy: 1e-6, "symmetric \(symmetric)")
            XCTAssertEqual(check.fittedLoss, Double(CCS.loss(probe, data, symmetric: symmetric)), accuracy: 1e-6)
            XCTAssertEqual(
                check.swappedTruthAccuracy, check.fittedXorAccuracy, "the twin predicts what c predicts, xor h")
        }
    }

    func testFeaturesCanScoreASubsetOnly() {
        let probe = FittedProbe(method: .pca, direction: [1], bias: 0)
        let data = ProbeData(positive: [1, -1, 2, -2], negative: [0, 0, 0, 0], labels: [1, 0, 1, 0], width: 1)
        let subset = ProbeScore(probe, on: data, against: [1, -1, 0, -1])
        XCTAssertEqual(subset.count, 2)
        XCTAssertEqual(subset.accuracy, 0.5)
        XCTAssertEqual(ProbeScore(probe, on: data).accuracy, 1)
    }
}
