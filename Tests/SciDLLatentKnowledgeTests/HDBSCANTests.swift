import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

/// Issue 12: HDBSCAN's labels equal scikit-learn's (`scripts/references/make_hdbscan_fixture.py`, scikit-learn
/// 1.9.1: min_cluster_size 5, Euclidean) on 2-D to 64-D data with noise, nested densities and too few points.
final class HDBSCANTests: XCTestCase {
    func testLabelsEqualScikitLearns() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/hdbscan.npz")
        let arrays = try NumPyFile.arrays(fromArchive: Data(contentsOf: url), source: "hdbscan.npz")
        let names = arrays.keys.filter { $0.hasPrefix("points_") }.map { String($0.dropFirst(7)) }.sorted()
        XCTAssertEqual(names, ["blobs16d", "blobs2d", "nested8d", "pairs64d", "small"])
        for name in names {
            let points = arrays["points_" + name]!
            let expected = arrays["labels_" + name]!.scalars.map { Int($0) }
            let labels = HDBSCAN(minClusterSize: 5).labels(
                points.scalars, count: points.shape[0], width: points.shape[1])
            XCTAssertEqual(labels, expected, name)
        }
    }
}

/// Cluster-Norm (Laurito et al. 2024) on planted pairs: two clusters of prompts (far apart in pair-mean space)
/// whose answer tokens shift x⁺ and x⁻ in opposite directions — a distractor that Burns's global centring
/// leaves in x⁺ − x⁻ and centring within each cluster removes.
final class ClusterNormalisationTests: XCTestCase {
    func plantedClusters(count n: Int = 200, width d: Int = 16) -> ContrastActivations {
        var random = SeededGenerator(seed: 5)
        func normal() -> Float { Float(random.nextNormal()) }
        let (u, v, w) = (0, 1, 2)  // truth, cluster position, distractor: three coordinate axes
        var positive: [Float] = []
        var negative: [Float] = []
        var labels: [Int] = []
        for i in 0..<n {
            let t = (i / 2) % 2
            let cluster = i % 2
            var shared = (0..<d).map { _ in normal() }
            shared[v] += cluster == 0 ? 12 : -12
            var p = shared
            var m = shared
            let truth: Float = t == 1 ? 0.75 : -0.75
            p[u] += truth
            m[u] -= truth
            let distractor: Float = cluster == 0 ? 4 : -4
            p[w] += distractor
            m[w] -= distractor
            positive += p.map { $0 + 0.1 * normal() }
            negative += m.map { $0 + 0.1 * normal() }
            labels.append(t)
        }
        return try! ContrastActivations(
            positive: Tensor(shape: [n, 1, d], scalars: positive),
            negative: Tensor(shape: [n, 1, d], scalars: negative),
            labels: labels, layers: [0], source: "planted clusters")
    }

    func testClusterNormRemovesAPerClusterDistractorThatBurnsKeeps() throws {
        let activations = plantedClusters()
        var settings = ElicitSettings()
        settings.methods = [.pca]
        settings.seeds = [0, 1, 2]
        func accuracy(_ normalisation: Normalisation) throws -> Double {
            settings.normalisation = normalisation
            let results = try Elicitation.run(activations, settings: settings)
            return results.map { $0.scores[.truth]!.accuracy }.reduce(0, +) / Double(results.count)
        }
        let burns = try accuracy(.burns)
        let cluster = try accuracy(.cluster)
        XCTAssertLessThan(burns, 0.7, "PCA follows the distractor under global centring")
        XCTAssertGreaterThan(cluster, 0.95, "and the truth once each cluster is centred on its own")
        let all = ProbeData(activations, layer: 0, indices: Array(0..<activations.count))
        let labels = HDBSCAN().labels(all.pairMeans, count: all.count, width: all.width)
        XCTAssertEqual(Set(labels), [0, 1], "HDBSCAN finds the two clusters, no outliers")
    }

    func testEachClustersTrainingSidesEndCentred() {
        let data = ProbeData(
            positive: [1, 2, 3, 4, 10, 20, 30, 40, 7, 7], negative: [0, 0, 2, 2, 5, 5, 9, 9, 1, 1], labels: [],
            width: 2)
        let clusters = [0, 0, 1, 1, -1]
        let normalised = ClusterNormalisation(fitting: data, clusters: clusters, scalingVariance: false)
            .apply(data, clusters: clusters)
        XCTAssertEqual(Array(normalised.positive[0..<4]), [-1, -1, 1, 1])
        XCTAssertEqual(Array(normalised.positive[4..<8]), [-10, -10, 10, 10])
        // The outlier with the statistics of all five pairs: x⁺ means 51 / 5 = 10.2 and 73 / 5 = 14.6.
        XCTAssertEqual(normalised.positive[8], 7 - 10.2, accuracy: 1e-5)
        XCTAssertEqual(normalised.positive[9], 7 - 14.6, accuracy: 1e-5)
    }
}
