import Foundation
import SciDLTensor
import XCTest

/// The log-sum-exp and the cross-entropies built on it, against plain loops in Double.
final class LogSumExpTests: XCTestCase {
    /// −log softmax(x)[t] the textbook way, in Double.
    func plainCrossEntropy(_ x: [Float], _ t: Int) -> Double {
        let m = Double(x.max()!)
        let z = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        return -(Double(x[t]) - m - Foundation.log(z))
    }

    func rows() -> [[Float]] {
        var random = SeededGenerator(seed: 3)
        return [1, 7, 8, 9, 113, 114].map { n in (0..<n).map { _ in Float.random(in: -30...30, using: &random) } }
            + [[0, 0, 0], [100, -100, 50, 0, 0, 0, 0, 0, 0], [-1e4, 1e4, 0]]
    }

    func testSoftmaxCrossEntropyMatchesAPlainLoopAndLeavesTheProbabilities() {
        for x in rows() {
            for t in [0, x.count / 2, x.count - 1] {
                var row = x
                let loss = row.withUnsafeMutableBufferPointer { softmaxCrossEntropy($0.baseAddress!, count: x.count, target: t) }
                XCTAssertEqual(loss, plainCrossEntropy(x, t), accuracy: 1e-4 * max(1, loss), "\(x.count) logits")
                let m = Double(x.max()!)
                let z = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
                for j in x.indices {
                    XCTAssertEqual(Double(row[j]), Foundation.exp(Double(x[j]) - m) / z, accuracy: 1e-6)
                }
            }
        }
    }

    func testTheDoubleSummedLossKeepsALossFarBelowFloatResolution() {
        // p(target) = 1 − ε with ε ≈ 112·e⁻²⁵ ≈ 1.6e-9: a float sum rounds 1 + ε to 1 and the loss to 0.
        var x = [Float](repeating: -25, count: 113)
        x[0] = 0
        var scratch = [Float](repeating: 0, count: 113)
        let loss = x.withUnsafeBufferPointer { l in
            scratch.withUnsafeMutableBufferPointer { crossEntropySummedInDouble(l.baseAddress!, count: 113, target: 0, scratch: $0.baseAddress!) }
        }
        XCTAssertEqual(loss, plainCrossEntropy(x, 0), accuracy: 1e-3 * plainCrossEntropy(x, 0))
        XCTAssertGreaterThan(loss, 1e-9)
        for x in rows() {
            var scratch = [Float](repeating: 0, count: x.count)
            let t = x.count - 1
            let loss = x.withUnsafeBufferPointer { l in
                scratch.withUnsafeMutableBufferPointer {
                    crossEntropySummedInDouble(l.baseAddress!, count: x.count, target: t, scratch: $0.baseAddress!)
                }
            }
            XCTAssertEqual(loss, plainCrossEntropy(x, t), accuracy: 1e-5 * max(1, loss))
        }
    }

    func testTheDoubleCrossEntropyIsExactWhereTheProbabilityUnderflows() {
        let x: [Double] = [0, -800, 3]
        XCTAssertEqual(crossEntropy(logits: x, target: 1), 803 + Foundation.log(1 + Foundation.exp(-3)), accuracy: 1e-9)
        XCTAssertEqual(crossEntropy(logits: x, target: 2), Foundation.log(1 + Foundation.exp(-3)), accuracy: 1e-12)
    }

    func testSigmoidAndTheLogisticLoss() {
        for z: Float in [-100, -20, -1, 0, 0.5, 3, 20, 100] {
            let s = 1 / (1 + Foundation.exp(-Double(z)))
            XCTAssertEqual(Double(sigmoid(z)), s, accuracy: 1e-7)
            for y: Float in [0, 1] {
                // −[y log s + (1 − y) log(1 − s)], with log(1 − s) = −z − log(1 + e^(−z)) kept finite.
                let plain = Double(y) * Foundation.log1p(Foundation.exp(-Double(z)))
                    + Double(1 - y) * (Double(z) + Foundation.log1p(Foundation.exp(-Double(z))))
                XCTAssertEqual(Double(logisticLoss(logit: z, label: y)), plain, accuracy: 1e-5 * max(1, plain))
            }
        }
    }

    func testDotOfArraysMatchesAPlainLoop() {
        let a = (0..<37).map { Float($0) * 0.25 - 3 }
        let b = (0..<37).map { Float(37 - $0) * 0.5 }
        XCTAssertEqual(Double(dot(a, b)), zip(a, b).reduce(0.0) { $0 + Double($1.0 * $1.1) }, accuracy: 1e-3)
    }
}
