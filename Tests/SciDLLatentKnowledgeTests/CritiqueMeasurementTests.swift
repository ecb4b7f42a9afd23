import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

/// Issue 12, item 8: the episode's questions as measurements.
final class CritiqueMeasurementTests: XCTestCase {
    func testCCSAndPCAAreComparedOnEveryFit() throws {
        let (planted, _) = plantedPairs(count: 200)
        var settings = ElicitSettings()
        settings.methods = [.ccs, .pca, .logistic]
        settings.seeds = [0, 1]
        settings.ccs.epochs = 300
        let results = try Elicitation.run(planted, settings: settings)
        let ccs = results.filter { $0.method == .ccs }
        XCTAssertEqual(ccs.count, 2)
        for r in ccs {
            let c = try XCTUnwrap(r.comparedWithPCA)
            XCTAssertGreaterThan(c.cosine, 0.9, "both find the planted direction")
            XCTAssertGreaterThan(c.agreement, 0.95)
        }
        XCTAssertTrue(results.filter { $0.method != .ccs }.allSatisfy { $0.comparedWithPCA == nil })
        // Orthogonal directions: cosine 0.
        let data = ProbeData(positive: [1, 0, 0, 1], negative: [0, 0, 0, 0], labels: [1, 0], width: 2)
        let a = FittedProbe(method: .ccs, direction: [1, 0], bias: 0)
        let b = FittedProbe(method: .pca, direction: [0, 2], bias: 0)
        XCTAssertEqual(CCSAsPCA(ccs: a, pca: b, test: data).cosine, 0)
        XCTAssertTrue(ElicitReport(results: results, description: []).table().contains("CCS vs PCA"))
    }

    /// A model that writes the member's truth XOR the word along one axis, and nothing else about either:
    /// a probe on one side reads the XOR, not the truth, not the word.
    func testSideProbesFindAPlantedXOR() throws {
        var random = SeededGenerator(seed: 9)
        let (n, d) = (200, 8)
        var positive: [Float] = []
        var negative: [Float] = []
        var labels: [Int] = []
        var word: [Int] = []
        for i in 0..<n {
            let (t, w) = (i % 2, (i / 2) % 2)
            labels.append(t)
            word.append(w)
            for (member, truth) in [(0, t), (1, 1 - t)] {
                var x = (0..<d).map { _ in Float(random.nextNormal()) * 0.5 }
                x[0] += (truth ^ w) == 1 ? 2 : -2
                if member == 0 { positive += x } else { negative += x }
            }
        }
        let a = try ContrastActivations(
            positive: Tensor(shape: [n, 1, d], scalars: positive),
            negative: Tensor(shape: [n, 1, d], scalars: negative),
            labels: labels, layers: [0], source: "xor")
        var settings = ElicitSettings()
        settings.seeds = [0, 1]
        let results = try SideProbes.run(a, word: word, settings: settings)
        XCTAssertEqual(results.count, 2 * 2 * 3, "seeds × sides × targets")
        for r in results {
            if r.target == "truth xor word" {
                XCTAssertGreaterThan(r.accuracy, 0.95, "\(r.side) seed \(r.seed)")
            } else {
                XCTAssertLessThan(r.accuracy, 0.7, "\(r.side) \(r.target) seed \(r.seed)")
            }
        }
        XCTAssertTrue(SideProbes.table(results).contains("truth xor word"))
    }
}
