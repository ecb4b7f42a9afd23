import SciDLGrokking
import SciDLSupport
import SciDLTensor
import XCTest

final class TaskTests: XCTestCase {
    func testModularTablesAreCorrect() throws {
        let p = 7
        let add = try AlgorithmicTask(operation: .add, modulus: p)
        XCTAssertEqual(add.count, 49)
        XCTAssertEqual(add.inputs[10], [1, 3, 7])  // row-major, a major; `=` is token p
        XCTAssertEqual(add.targets[10], 4)
        let sub = try AlgorithmicTask(operation: .subtract, modulus: p)
        XCTAssertEqual(sub.targets[1 * 7 + 3], 5)  // 1 − 3 ≡ 5
        let div = try AlgorithmicTask(operation: .divide, modulus: p)
        XCTAssertEqual(div.count, 42)  // b ≠ 0
        for (x, y) in zip(div.inputs, div.targets) { XCTAssertEqual((y * x[1]) % p, x[0]) }
        let quad = try AlgorithmicTask(operation: .quadratic, modulus: p)
        XCTAssertEqual(quad.targets[2 * 7 + 3], (4 + 6 + 9) % 7)
    }

    func testS5IsAGroupTable() throws {
        let s5 = try AlgorithmicTask(operation: .s5, modulus: 0)
        XCTAssertEqual(s5.modulus, 120)
        XCTAssertEqual(s5.count, 14_400)
        func compose(_ a: Int, _ b: Int) -> Int { s5.targets[a * 120 + b] }
        // Element 0 is the identity (lexicographically first permutation); every row is a permutation.
        XCTAssertEqual((0..<120).map { compose(0, $0) }, Array(0..<120))
        XCTAssertEqual(Set((0..<120).map { compose(17, $0) }).count, 120)
        XCTAssertEqual(compose(compose(5, 9), 33), compose(5, compose(9, 33)))  // associative
        XCTAssertNotEqual(compose(1, 2), compose(2, 1))  // not abelian
    }

    func testBadModuliAreExplained() {
        XCTAssertThrowsError(try AlgorithmicTask(operation: .divide, modulus: 10)) {
            XCTAssertTrue(($0 as! SciDLError).message.contains("not"))
        }
        XCTAssertThrowsError(try AlgorithmicTask(operation: .add, modulus: 1))
    }

    func testSplitBySizeIsSeededAndDisjoint() throws {
        let a = try TrainTestSplit(total: 100, size: .fraction(0.3), seed: 4)
        let b = try TrainTestSplit(total: 100, size: .fraction(0.3), seed: 4)
        let c = try TrainTestSplit(total: 100, size: .fraction(0.3), seed: 5)
        XCTAssertEqual(a.trainIndices.count, 30)
        XCTAssertEqual(a.trainIndices, b.trainIndices)
        XCTAssertNotEqual(a.trainIndices, c.trainIndices)
        XCTAssertEqual(Set(a.trainIndices + a.testIndices).count, 100)
        XCTAssertEqual(try TrainTestSplit(total: 100, size: .count(17), seed: 0).trainIndices.count, 17)
        for bad in [TrainingSize.fraction(0), .fraction(1), .fraction(-0.2), .count(0), .count(100)] {
            XCTAssertThrowsError(try TrainTestSplit(total: 100, size: bad, seed: 0), "\(bad)")
        }
    }

    func testConfigValidationNamesTheFlag() {
        var c = GrokConfig()
        c.steps = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue(($0 as! SciDLError).message.contains("--steps")) }
        c = GrokConfig()
        c.trainFraction = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue(($0 as! SciDLError).message.contains("(0, 1)")) }
        c = GrokConfig()
        c.model.heads = 3
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue(($0 as! SciDLError).message.contains("divisible")) }
    }
}
