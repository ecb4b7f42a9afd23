import Foundation
import SciDLAutodiff
import SciDLGrokking
import SciDLReports
import SciDLTensor
import SciDLTestSupport
import XCTest

/// Grokfast, StableMax, ⊥Grad and Omnigrok's norm inside a grokking run: wired into the hand-written step,
/// resumable, logged. Their arithmetic is held against PyTorch in `GrokkingLiteratureReferenceTests`.
final class GrokkingLiteratureTests: XCTestCase {
    func metricRows(_ dir: URL) throws -> [MetricsRow] {
        try MetricsLog(readingFrom: dir).rows
    }

    /// The fused StableMax gradient of the hand-written step equals autodiff's through the graph.
    func testTheHandWrittenStepTrainsOnEachLossAsTheGraphDoes() throws {
        var rng = SeededGenerator(seed: 4)
        let model = OneLayerTransformer(
            vocabulary: 9, outputs: 5, length: 3, width: 24, heads: 3, mlpWidth: 40, using: &rng)
        // Logits scaled up so that some rows take StableMax's x ≥ 0 branch and some the other.
        scaleWeights(model.parameters, by: 3)
        let tokens = (0..<36).map { _ in rng.nextInt(below: 9) }
        let targets = (0..<12).map { _ in rng.nextInt(below: 5) }
        for loss in [ClassificationLoss.stableMax, .softmaxInDouble] {
            model.zeroGradients()
            let graph = model.logits(tokens: tokens, length: 3).crossEntropy(targets: targets, loss: loss)
            graph.backward()
            let expected = model.parameters.map { $0.grad! }
            model.zeroGradients()
            let step = TransformerStep(model: model, tokens: tokens, targets: targets, length: 3)
            step.loss = loss
            XCTAssertEqual(step.lossAndGradients(), graph.value.scalar, accuracy: 1e-5, loss.rawValue)
            var worst = Difference()
            for ((name, p), e) in zip(model.namedParameters, expected) {
                // float32 in two summation orders, on gradients up to ~0.5 here.
                assertClose(
                    p.grad!.scalars, e.scalars, Tolerance(absolute: 1e-5, relative: 1e-5), "\(loss) \(name)",
                    worst: &worst)
            }
        }
        model.zeroGradients()
        let softmax = TransformerStep(model: model, tokens: tokens, targets: targets, length: 3)
        let stable = model.logits(tokens: tokens, length: 3).crossEntropy(targets: targets, loss: .stableMax)
        XCTAssertGreaterThan(abs(softmax.lossAndGradients() - stable.value.scalar), 1e-3, "the loss did change")
    }

    /// A run with every variant on, killed after step 50 and resumed from its step-40 checkpoint, logs the same
    /// numbers as one run straight through: the filter's memory (an EMA, or a moving window) is checkpointed.
    func testRunsWithTheVariantsResumeToTheSameNumbers() throws {
        for filter in [GradientFilter.grokfast, .movingAverage(window: 15, lambda: 5)] {
            var config = smallConfig(steps: 60)
            (config.gradientFilter, config.loss, config.orthogonalGradients) = (filter, .stableMax, true)
            (config.initScale, config.constrainNorm, config.weightDecay) = (1.5, true, 0)
            let whole = scratchDirectory("variants-whole")
            _ = try GrokRun(config: config, directory: whole).run()
            let killed = scratchDirectory("variants-killed")
            do {
                let first = try GrokRun(config: config, directory: killed)
                try first.train(upTo: 50)
            }
            let resumed = try GrokRun(resuming: killed)
            XCTAssertEqual(resumed.step, 40)
            XCTAssertEqual(resumed.gradientFilter?.filter, filter)
            _ = try resumed.run()
            XCTAssertEqual(try read(killed, "metrics.csv"), try read(whole, "metrics.csv"), filter.summary)
            for dir in [whole, killed] { try? FileManager.default.removeItem(at: dir) }
        }
    }

    /// Omnigrok: the initial norm is α times the usual one, and a constrained run keeps it at every evaluation
    /// (weight decay pulling it down in between).
    func testInitialisationScaleAndTheNormConstraint() throws {
        var plain = smallConfig(steps: 30)
        plain.weightDecay = 1
        let plainDir = scratchDirectory("omnigrok-plain")
        _ = try GrokRun(config: plain, directory: plainDir).run()
        let plainRows = try metricRows(plainDir)
        var scaled = plain
        (scaled.initScale, scaled.constrainNorm) = (3, true)
        let scaledDir = scratchDirectory("omnigrok-constrained")
        _ = try GrokRun(config: scaled, directory: scaledDir).run()
        let rows = try metricRows(scaledDir)
        let start = try XCTUnwrap(rows.first?[.weightNorm])
        XCTAssertEqual(start, 3 * (plainRows.first?[.weightNorm] ?? 0), accuracy: 1e-4 * start)
        for row in rows { XCTAssertEqual(row[.weightNorm] ?? 0, start, accuracy: 1e-5 * start) }
        // Without the constraint, weight decay shrinks the same weights.
        XCTAssertLessThan(plainRows.last?[.weightNorm] ?? .infinity, plainRows.first?[.weightNorm] ?? 0)
        for dir in [plainDir, scaledDir] { try? FileManager.default.removeItem(at: dir) }
    }

    /// Softmax collapse and the weight–descent cosine are logged at every evaluation; the cosine from the first
    /// step on. Long training without weight decay at a large learning rate drives examples into collapse.
    func testCollapseAndTheDescentCosineAreLogged() throws {
        var config = smallConfig(steps: 2000)
        (config.weightDecay, config.learningRate, config.evalEvery, config.checkpointEvery) = (0, 1e-2, 250, 2000)
        let dir = scratchDirectory("collapse")
        _ = try GrokRun(config: config, directory: dir).run()
        let rows = try metricRows(dir)
        XCTAssertNil(rows[0][.weightDescentCosine], "no step before the first evaluation")
        for row in rows {
            let collapse = try XCTUnwrap(row[.softmaxCollapse])
            XCTAssert((0...1).contains(collapse))
        }
        for row in rows.dropFirst() {
            let cosine = try XCTUnwrap(row[.weightDescentCosine])
            XCTAssert((-1...1).contains(cosine))
        }
        XCTAssertEqual(rows[0][.softmaxCollapse], 0, "nothing collapses at initialisation")
        // Adam at lr 1e-2 oscillates in and out of collapse; at its peak most training pairs are in it.
        XCTAssertGreaterThan(rows.compactMap { $0[.softmaxCollapse] }.max() ?? 0, 0.5, "memorised, no weight decay")
        XCTAssertTrue(try read(dir, "metrics.csv").contains("weight_descent_cosine"), "a column from step 1 on")
        try? FileManager.default.removeItem(at: dir)
    }

    /// A config file from before the variants existed loads with all of them off.
    func testOlderConfigFilesLoadWithTheVariantsOff() throws {
        var object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(smallConfig())) as? [String: Any])
        for key in ["gradientFilter", "loss", "orthogonalGradients", "initScale", "constrainNorm"] { object[key] = nil }
        let config = try GrokConfig(json: JSONSerialization.data(withJSONObject: object), source: "old.json")
        XCTAssertNil(config.gradientFilter)
        XCTAssertEqual(config.loss, .softmax)
        XCTAssertFalse(config.orthogonalGradients || config.constrainNorm)
        XCTAssertEqual(config.initScale, 1)
        var bad = smallConfig()
        bad.gradientFilter = .exponentialMovingAverage(alpha: 1, lambda: 2)
        XCTAssertThrowsError(try bad.validate())
        bad.gradientFilter = .movingAverage(window: 0, lambda: 2)
        XCTAssertThrowsError(try bad.validate())
        bad.gradientFilter = nil
        bad.initScale = 0
        XCTAssertThrowsError(try bad.validate())
    }
}

/// `scidl compare`: the presets' runs, and a small comparison run to the end.
final class VariantComparisonTests: XCTestCase {
    func testEveryPresetPlansValidRunsUnderDistinctNames() throws {
        for preset in LiteraturePreset.allCases {
            let variants = preset.variants()
            XCTAssertGreaterThanOrEqual(variants.count, 2, preset.rawValue)
            XCTAssertEqual(Set(variants.map(\.name)).count, variants.count, preset.rawValue)
            for v in variants {
                XCTAssertNoThrow(try v.config.validate(), "\(preset.rawValue)/\(v.name)")
                XCTAssertEqual(v.config.steps, preset.defaultSteps)
            }
            // Each variant differs from the baseline in the setting it is about.
            let base = variants[0].config
            for v in variants.dropFirst() { XCTAssertFalse(v.config.differences(from: base).isEmpty, v.name) }
            XCTAssertEqual(preset.variants(steps: 77).map(\.config.steps), Array(repeating: 77, count: variants.count))
        }
    }

    func testAComparisonTrainsEveryVariantAndSeedAndDrawsThemTogether() throws {
        let base = smallConfig(steps: 30)
        var stable = base
        stable.loss = .stableMax
        let variants = [
            LiteraturePreset.Variant(name: "plain", label: "plain softmax", config: base),
            LiteraturePreset.Variant(name: "stable", label: "StableMax", config: stable),
        ]
        let comparison = try VariantComparison(title: "test", citation: "a test", variants: variants, seeds: [0, 1])
        XCTAssertEqual(comparison.plans().map(\.name), ["plain-s0", "plain-s1", "stable-s0", "stable-s1"])
        let dir = scratchDirectory("compare")
        let results = try comparison.run(in: dir, workers: 2)
        XCTAssertEqual(results.count, 4)
        let summary = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json")))
                as? [String: Any])
        let outcomes = try XCTUnwrap(summary["outcomes"] as? [[String: Any]])
        XCTAssertEqual(outcomes.count, 4)
        // Each outcome names its run's final key frequencies, as the run's own summary does.
        for (outcome, plan) in zip(outcomes, comparison.plans()) {
            let run = try XCTUnwrap(
                JSONSerialization.jsonObject(
                    with: Data(contentsOf: dir.appendingPathComponent("runs/\(plan.name)/summary.json")))
                    as? [String: Any])
            let keys = try XCTUnwrap(run["key_frequencies"] as? [Int], plan.name)
            XCTAssertEqual(outcome["keyFrequencies"] as? [Int], keys.sorted(), plan.name)
        }
        let report = try read(dir, "report.html")
        for text in [
            "plain softmax (2 seeds)", "StableMax (2 seeds)", "Test accuracy", "Softmax collapse", "Restricted loss",
            "key frequencies",
        ] {
            XCTAssertTrue(report.contains(text), text)
        }
        // The two variants trained differently; the same variant with another seed too.
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0) })
        XCTAssertNotEqual(byName["plain-s0"]?[.trainLoss], byName["stable-s0"]?[.trainLoss])
        XCTAssertNotEqual(byName["plain-s0"]?[.trainLoss], byName["plain-s1"]?[.trainLoss])
        // Run again: every run is found finished, nothing retrains.
        let again = try comparison.run(in: dir, workers: 2)
        XCTAssertEqual(again.map { $0[.trainLoss] }, results.map { $0[.trainLoss] })
        XCTAssertTrue(comparison.table(again).contains("StableMax"))
        try? FileManager.default.removeItem(at: dir)
    }
}
