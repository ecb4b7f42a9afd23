import Foundation
import SciDLTensor
import XCTest

@testable import SciDLLatentKnowledge

final class TemplateEnsembleTests: XCTestCase {
    /// Three noisy "templates" of the same examples, each with its own weak view of the truth: pooled, the
    /// probes beat every single template, whatever sign each unsupervised probe happened to take.
    func testPoolingTemplatesBeatsEachAndAlignsSigns() throws {
        let n = 300
        var random = SeededGenerator(seed: 21)
        let labels = (0..<n).map { $0 % 2 }
        var results: [ProbeResult] = []
        var settings = ElicitSettings()
        settings.methods = [.pca, .logistic]
        for (k, name) in ["a", "b", "c"].enumerated() {
            let d = 6
            var positive: [Float] = []
            var negative: [Float] = []
            for t in labels {
                let signal: Float = (t == 1 ? 0.35 : -0.35) * (k == 1 ? -1 : 1)
                for j in 0..<d {
                    let shared = Float(random.nextNormal())
                    positive.append(shared + (j == k ? signal : 0) + Float(random.nextNormal()) * 0.5)
                    negative.append(shared - (j == k ? signal : 0) + Float(random.nextNormal()) * 0.5)
                }
            }
            let a = try ContrastActivations(
                positive: Tensor(shape: [n, 1, d], scalars: positive),
                negative: Tensor(shape: [n, 1, d], scalars: negative), labels: labels, layers: [0], source: name)
            results += try Elicitation.run(a, settings: settings, template: name)
        }
        let pooled = TemplateEnsemble.pool(results)
        XCTAssertEqual(pooled.count, 2, "one per method (one layer, one seed)")
        for p in pooled {
            XCTAssertEqual(p.template, TemplateEnsemble.templateName)
            let best = results.filter { $0.method == p.method }.map { $0.scores[.truth]!.accuracy }.max()!
            XCTAssertGreaterThan(p.scores[.truth]!.accuracy, best + 0.03, "\(p.method)")
        }
        XCTAssertTrue(TemplateEnsemble.pool(results.filter { $0.template == "a" }).isEmpty)
    }
}
