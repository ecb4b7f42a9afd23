import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

final class SamplingAndSplitTests: XCTestCase {
    /// Sorted by label, as the file was: the first rows all true.
    let sorted = LabelledDataset(
        name: "sorted",
        examples: (0..<30).map {
            LabelledExample(fields: ["statement": "s\($0)", "fact": "f\($0 / 2)"], label: $0 < 18 ? 1 : 0)
        },
        columns: ["statement", "fact", "label"])

    func testSampleIsClassBalancedSeededAndInFileOrder() throws {
        let a = try sorted.balancedSample(11, seed: 0)
        XCTAssertEqual(a.examples.filter { $0.label == 1 }.count, 6)
        XCTAssertEqual(a.examples.filter { $0.label == 0 }.count, 5)
        let rows = a.examples.map { Int($0.fields["statement"]!.dropFirst())! }
        XCTAssertEqual(rows, rows.sorted(), "kept in file order")
        XCTAssertEqual(Set(rows).count, 11, "no example twice")
        XCTAssertEqual(try sorted.balancedSample(11, seed: 0).examples, a.examples, "same seed, same sample")
        XCTAssertNotEqual(try sorted.balancedSample(11, seed: 1).examples, a.examples)
        XCTAssertThrowsMessage(try sorted.balancedSample(26), containing: "needs 13 false examples but sorted has 12")
        XCTAssertThrowsMessage(try sorted.balancedSample(1), containing: "at least 2")
    }

    func testGroupedSplitNeverSplitsAGroup() throws {
        let groups = try sorted.groups(by: "fact")
        XCTAssertEqual(groups.prefix(6), [0, 0, 1, 1, 2, 2])
        for seed in UInt64(0)..<50 {
            let split = try PairSplit(count: 30, testFraction: 0.4, seed: seed, groups: groups)
            XCTAssertEqual(Set(split.train + split.test), Set(0..<30))
            let trainGroups = Set(split.train.map { groups[$0] })
            XCTAssertTrue(trainGroups.isDisjoint(with: split.test.map { groups[$0] }), "seed \(seed)")
            XCTAssertEqual(split.test.count, 12, "groups of two reach 40 % exactly")
        }
        let ungrouped = try PairSplit(count: 30, testFraction: 0.4, seed: 3)
        let shared = (0..<50).contains { seed in
            let s = try! PairSplit(count: 30, testFraction: 0.4, seed: UInt64(seed))
            return !Set(s.train.map { groups[$0] }).isDisjoint(with: s.test.map { groups[$0] })
        }
        XCTAssertTrue(shared, "without groups, some split puts the two rows of a fact on opposite sides")
        XCTAssertEqual(ungrouped.test.count, 12)
        XCTAssertThrowsMessage(
            try PairSplit(count: 30, testFraction: 0.4, seed: 0, groups: [Int](repeating: 7, count: 30)),
            containing: "one group")
        XCTAssertThrowsMessage(try sorted.groups(by: "topic"), containing: "no")
    }

    func testOneClassIsRefusedOverallAndInAnySeedsSplit() throws {
        let (planted, _) = plantedPairs(count: 40)
        var settings = ElicitSettings()
        settings.methods = [.logistic]
        var oneClass = planted
        oneClass.labels = [Int](repeating: 1, count: 40)
        XCTAssertThrowsMessage(
            try Elicitation.run(oneClass, settings: settings), containing: "all 40 are true (label 1)")

        // Two false pairs among 40: a seed that holds neither out has a one-class test split.
        var rare = planted
        rare.labels = (0..<40).map { $0 < 2 ? 0 : 1 }
        let seeds = (UInt64(0)..<20).filter { seed in
            let split = try! PairSplit(count: 40, testFraction: 0.4, seed: seed)
            return !split.test.contains(0) && !split.test.contains(1)
        }
        let seed = try XCTUnwrap(seeds.first)
        settings.seeds = [seed]
        XCTAssertThrowsMessage(try Elicitation.run(rare, settings: settings), containing: "seed \(seed)'s test pairs")

        settings.seeds = [0]
        XCTAssertThrowsMessage(
            try Elicitation.run(planted, settings: settings, features: [.word: [Int](repeating: 1, count: 40)]),
            containing: "the feature 'word' is constant (always 1")
    }

    func testClassBalanceSaysWhenImbalanced() {
        XCTAssertEqual(ClassBalance([1, 0, 1, 0, 1]).description, "3 true / 2 false")
        XCTAssertEqual(
            ClassBalance([1, 1, 1, 1, 0]).description,
            "4 true / 1 false (imbalanced: always guessing the larger class scores 0.8)")
    }
}
