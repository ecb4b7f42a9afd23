import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

/// Synthetic contrast pairs with a planted truth direction `u`: x± = shared_i ± (2t_i − 1)·s·u/2 + side
/// offset + noise. The shared part is large, orthogonal to u and differs per example (so it dominates raw
/// activations but cancels in x⁺ − x⁻); the side offsets mimic the answer tokens and vanish under CCS's
/// normalisation.
func plantedPairs(
    count n: Int = 400, width d: Int = 24, signal: Float = 3, seed: UInt64 = 1
) -> (ContrastActivations, [Float]) {
    var random = SeededGenerator(seed: seed)
    func normal() -> Float { Float(random.nextNormal()) }
    var u = (0..<d).map { _ in normal() }
    let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
    u = u.map { $0 / norm }
    let offsetPositive = (0..<d).map { _ in 5 * normal() }
    let offsetNegative = (0..<d).map { _ in 5 * normal() }
    var positive: [Float] = []
    var negative: [Float] = []
    var labels: [Int] = []
    for i in 0..<n {
        let t = i % 2
        let sign: Float = t == 1 ? 1 : -1
        // Shared content orthogonal to u, as the topic of a sentence is to its truth.
        var shared = (0..<d).map { _ in 4 * normal() }
        let along = zip(shared, u).reduce(0) { $0 + $1.0 * $1.1 }
        shared = zip(shared, u).map { $0 - along * $1 }
        for k in 0..<d {
            positive.append(shared[k] + offsetPositive[k] + sign * signal / 2 * u[k] + 0.3 * normal())
            negative.append(shared[k] + offsetNegative[k] - sign * signal / 2 * u[k] + 0.3 * normal())
        }
        labels.append(t)
    }
    let a = try! ContrastActivations(
        positive: Tensor(shape: [n, 1, d], scalars: positive),
        negative: Tensor(shape: [n, 1, d], scalars: negative),
        labels: labels, layers: [0], source: "synthetic")
    return (a, u)
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    return dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
}

final class ProbeTests: XCTestCase {
    func testEveryMethodButRandomRecoversAPlantedTruthDirection() throws {
        let (activations, u) = plantedPairs()
        var settings = ElicitSettings()
        settings.ccs.epochs = 400
        let results = try Elicitation.run(activations, settings: settings)
        XCTAssertEqual(results.count, ProbeMethod.allCases.count)
        for r in results {
            let truth = r.scores[.truth]!
            let alignment = abs(cosine(r.probe.direction, u))
            if r.method == .random {
                XCTAssertLessThan(alignment, 0.7, "a random direction should not find u")
            } else {
                // Oriented on the training pairs: the planted truth is clear enough that the sign comes out right.
                XCTAssertGreaterThan(truth.accuracy, 0.95, "\(r.method)")
                XCTAssertGreaterThan(truth.auroc, 0.98, "\(r.method)")
                // The unsupervised methods must point along u itself. Logistic regression on separable
                // data is a (regularised) max-margin classifier and also leans on noise dimensions, so
                // it is held to accuracy only.
                if !r.method.isSupervised { XCTAssertGreaterThan(alignment, 0.9, "\(r.method) direction vs planted") }
            }
        }
        // The supervised probe also gets the sign right.
        XCTAssertGreaterThan(results.first { $0.method == .logistic }!.scores[.truth]!.accuracy, 0.95)
    }

    func testCCSWithLBFGSAlsoFindsIt() throws {
        let (activations, u) = plantedPairs(seed: 2)
        let data = SideNormalisation(
            fitting: ProbeData(activations, layer: 0, indices: Array(0..<400)), scalingVariance: true
        )
        .apply(ProbeData(activations, layer: 0, indices: Array(0..<400)))
        var settings = CCSSettings()
        settings.optimizer = .lbfgs
        settings.epochs = 200
        settings.restarts = 3
        let probe = CCS.fit(data, settings: settings, seed: 0)
        XCTAssertGreaterThan(abs(cosine(probe.direction, u)), 0.9)
        XCTAssertLessThan(probe.loss!, 0.05)
        let reversed = ProbeScore.isReversed(trainScores: probe.scores(data), against: data.labels)
        XCTAssertGreaterThan(ProbeScore(probe, on: data, reversed: reversed).accuracy, 0.95)
    }

    func testCCSGradientsMatchFiniteDifferences() {
        let (activations, _) = plantedPairs(count: 30, width: 6, signal: 0.5, seed: 3)
        let data = ProbeData(activations, layer: 0, indices: Array(0..<30))
        var random = SeededGenerator(seed: 9)
        let (w, b) = CCS.initialParameters(width: 6, restarts: 2, random: &random)
        let w2 = w.map { $0 * 3 }  // larger weights: credences away from 0.5, both min branches taken
        for symmetric in [false, true] {
            let analytic = CCS.lossAndGradients(data, w: w2, b: b, symmetric: symmetric)
            func loss(_ w: [Float], _ b: [Float]) -> [Double] {
                CCS.lossAndGradients(data, w: w, b: b, symmetric: symmetric).loss.map(Double.init)
            }
            let h: Float = 1e-3
            for i in 0..<w2.count {
                var plus = w2
                var minus = w2
                plus[i] += h
                minus[i] -= h
                let r = i % 2
                let numeric = (loss(plus, b)[r] - loss(minus, b)[r]) / Double(2 * h)
                XCTAssertEqual(
                    Double(analytic.gradW[i]), numeric, accuracy: 2e-3 * max(1, abs(numeric)),
                    "w[\(i)] symmetric=\(symmetric)")
            }
            for r in 0..<2 {
                var plus = b
                var minus = b
                plus[r] += h
                minus[r] -= h
                let numeric = (loss(w2, plus)[r] - loss(w2, minus)[r]) / Double(2 * h)
                XCTAssertEqual(Double(analytic.gradB[r]), numeric, accuracy: 2e-3 * max(1, abs(numeric)), "b[\(r)]")
            }
        }
    }

    func testCCSLossOfAPerfectProbeIsNearZeroAndOfAConstantOneIsLarge() {
        let (activations, u) = plantedPairs(seed: 4)
        let data = ProbeData(activations, layer: 0, indices: Array(0..<400))
        let normalised = SideNormalisation(fitting: data, scalingVariance: false).apply(data)
        let sharp = FittedProbe(method: .ccs, direction: u.map { $0 * 20 }, bias: 0)
        XCTAssertLessThan(CCS.loss(sharp, normalised, symmetric: false), 0.01)
        // A probe that ignores the input answers 0.5 for both: consistent, but maximally unconfident.
        let blank = FittedProbe(method: .ccs, direction: [Float](repeating: 0, count: u.count), bias: 0)
        XCTAssertEqual(CCS.loss(blank, normalised, symmetric: false), 0.25, accuracy: 1e-6)
    }

    func testAUROCCountsTiesAsHalf() {
        XCTAssertEqual(ProbeScore.areaUnderROC([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75, accuracy: 1e-12)
        XCTAssertEqual(ProbeScore.areaUnderROC([0.5, 0.5], [0, 1]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(ProbeScore.areaUnderROC([3, 1, 2], [1, 0, 1]), 1, accuracy: 1e-12)
    }
}
