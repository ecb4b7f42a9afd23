import Foundation
import SciDLAutodiff
import SciDLTensor
import XCTest

/// Grokfast's filters, StableMax, ⊥Grad, softmax collapse and Omnigrok's norm projection against PyTorch
/// (`scripts/references/make_grokking_literature_fixture.py`, values in Fixtures/grokking_literature.json).
final class GrokkingLiteratureReferenceTests: XCTestCase {
    var reference: [String: Any] = [:]

    override func setUpWithError() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/grokking_literature.json")
        reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Every number in a nested JSON array, in order.
    func numbers(_ value: Any?) -> [Double] {
        if let n = value as? NSNumber { return [n.doubleValue] }
        if let a = value as? [Any] { return a.flatMap { numbers($0) } }
        XCTFail("not a number or array: \(String(describing: value))")
        return []
    }

    func section(_ name: String) throws -> [String: Any] { try XCTUnwrap(reference[name] as? [String: Any]) }

    func assertClose(
        _ actual: [Float], _ expected: [Double], relativeTo scale: Double? = nil, tolerance: Double = 2e-6,
        _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        let size = scale ?? max(expected.map(abs).max() ?? 1, 1e-30)
        for (a, e) in zip(actual, expected) where abs(Double(a) - e) > tolerance * size {
            XCTFail("\(what): \(a) vs \(e) (tolerance \(tolerance) × \(size))", file: file, line: line)
            return
        }
    }

    /// Parameters of `shapes` whose gradients are one step's gradients from the fixture.
    func parameters(shapes: [[Int]], gradients: [Double]) -> [Variable] {
        var offset = 0
        return shapes.map { shape in
            let count = shape.reduce(1, *)
            let v = Variable(Tensor(zeros: shape), requiresGrad: true)
            v.grad = Tensor(shape: shape, scalars: gradients[offset..<(offset + count)].map(Float.init))
            offset += count
            return v
        }
    }

    func checkFilter(_ name: String, _ filter: GradientFilter) throws {
        let s = try section(name)
        let shapes = try XCTUnwrap(s["shapes"] as? [[Int]])
        let steps = try XCTUnwrap(s["gradients"] as? [Any])
        let filtered = try XCTUnwrap(s["filtered"] as? [Any])
        var state = GradientFilterState(filter)
        for (t, (gradients, expected)) in zip(steps, filtered).enumerated() {
            let p = parameters(shapes: shapes, gradients: numbers(gradients))
            state.apply(to: p)
            assertClose(p.flatMap { $0.grad!.scalars }, numbers(expected), "\(name) step \(t)")
        }
    }

    func testGrokfastEMAMatchesTheReference() throws {
        let s = try section("ema")
        try checkFilter(
            "ema", .exponentialMovingAverage(alpha: numbers(s["alpha"])[0], lambda: numbers(s["lambda"])[0]))
    }

    func testGrokfastMovingWindowMatchesTheReference() throws {
        let s = try section("ma")
        // The first window − 1 steps pass the gradient through unchanged (the fixture's `filtered` says so too).
        try checkFilter("ma", .movingAverage(window: Int(numbers(s["window"])[0]), lambda: numbers(s["lambda"])[0]))
    }

    func testStableMaxLossAndGradientMatchTheReference() throws {
        let s = try section("stablemax")
        let logits = try XCTUnwrap(s["logits"] as? [[Double]])
        let targets = try XCTUnwrap(s["targets"] as? [Int])
        let (n, c) = (logits.count, logits[0].count)
        let x = Tensor(shape: [n, c], scalars: logits.flatMap { $0.map(Float.init) })
        let rowLosses = numbers(s["row_losses"])
        x.scalars.withUnsafeBufferPointer { p in
            for i in 0..<n {
                XCTAssertEqual(
                    stableMaxCrossEntropy(p.baseAddress! + i * c, count: c, target: targets[i]), rowLosses[i],
                    accuracy: 1e-12 * max(1, rowLosses[i]), "row \(i)")
            }
        }
        let v = Variable(x, requiresGrad: true)
        let loss = v.crossEntropy(targets: targets, loss: .stableMax)
        loss.backward()
        XCTAssertEqual(Double(loss.value.scalar), numbers(s["mean_loss"])[0], accuracy: 1e-6)
        assertClose(v.grad!.scalars, numbers(s["mean_gradient"]), "StableMax gradient")
        // With softmax's formula instead, the gradient is another one: the test can tell them apart.
        let wrong = Variable(x, requiresGrad: true)
        wrong.crossEntropy(targets: targets).backward()
        let gap = zip(wrong.grad!.scalars, numbers(s["mean_gradient"])).map { abs(Double($0) - $1) }.max()!
        XCTAssertGreaterThan(gap, 1e-3)
    }

    func testSoftmaxCollapseIsCountedAsThePapersLogger() throws {
        let s = try section("softmax_collapse")
        let logits = try XCTUnwrap(s["logits"] as? [[Double]])
        let expected = try XCTUnwrap(s["collapsed"] as? [Bool])
        XCTAssertTrue(expected.contains(true) && expected.contains(false), "the fixture has both cases")
        for (row, collapsed) in zip(logits, expected) {
            let x = row.map(Float.init)
            var scratch = [Float](repeating: 0, count: x.count)
            let actual = x.withUnsafeBufferPointer { p in
                scratch.withUnsafeMutableBufferPointer {
                    isInSoftmaxCollapse(p.baseAddress!, count: x.count, scratch: $0.baseAddress!)
                }
            }
            XCTAssertEqual(actual, collapsed, "\(row)")
        }
    }

    func testSoftmaxInDoubleDelaysCollapseAsPyTorchsFloat64() throws {
        let s = try section("softmax_precision")
        let logits = try XCTUnwrap(s["logits"] as? [[Double]])
        let targets = try XCTUnwrap(s["targets"] as? [Int])
        for (loss, precision) in [(ClassificationLoss.softmaxInDouble, "float64"), (.softmax, "float32")] {
            let expected = try XCTUnwrap(s[precision] as? [String: Any])
            let collapsed = try XCTUnwrap(expected["collapsed"] as? [Bool])
            let gradients = try XCTUnwrap(expected["row_gradients"] as? [[Double]])
            let losses = numbers(expected["row_losses"])
            for (i, row) in logits.enumerated() {
                var x = row.map(Float.init)
                var scratch = x
                let isCollapsed = x.withUnsafeBufferPointer { p in
                    scratch.withUnsafeMutableBufferPointer {
                        loss.isCollapsed(p.baseAddress!, count: x.count, scratch: $0.baseAddress!)
                    }
                }
                XCTAssertEqual(isCollapsed, collapsed[i], "\(precision) row \(i)")
                let rowLoss = x.withUnsafeMutableBufferPointer {
                    loss.lossAndGradient($0.baseAddress!, count: row.count, target: targets[i])
                }
                XCTAssertEqual(rowLoss, losses[i], accuracy: 1e-6 * max(1, losses[i]), "\(precision) row \(i)")
                // The target's gradient p − 1 cancels: both sides round it at the precision's ε near 1, and
                // that absolute error is what tells float from Double (a collapsed row's 0 is far from it); the
                // gradient SciDL keeps is then rounded to float.
                let epsilon = precision == "float64" ? Double.ulpOfOne : Double(Float.ulpOfOne)
                let g = gradients[i][targets[i]]
                XCTAssertEqual(
                    Double(x[targets[i]]), g, accuracy: 4 * epsilon + abs(g) * Double(Float.ulpOfOne),
                    "\(precision) row \(i), the target")
                for j in row.indices where j != targets[i] {
                    XCTAssertEqual(
                        Double(x[j]), gradients[i][j], accuracy: 1e-5 * abs(gradients[i][j]),
                        "\(precision) row \(i), class \(j)")
                }
            }
        }
        // The fixture has rows where float collapses and Double does not.
        let f64 = try XCTUnwrap((s["float64"] as? [String: Any])?["collapsed"] as? [Bool])
        let f32 = try XCTUnwrap((s["float32"] as? [String: Any])?["collapsed"] as? [Bool])
        XCTAssertTrue(zip(f32, f64).contains { $0 && !$1 })
    }

    func testOrthogonalGradientsMatchTheReference() throws {
        let s = try section("orthograd")
        let weights = try XCTUnwrap(s["weights"] as? [[Double]])
        let gradients = try XCTUnwrap(s["gradients"] as? [[Double]])
        let expected = try XCTUnwrap(s["projected"] as? [[Double]])
        let exact = try XCTUnwrap(s["projected_float64"] as? [[Double]])
        let p = zip(weights, gradients).map { w, g in
            let v = Variable(Tensor(shape: [w.count], scalars: w.map(Float.init)), requiresGrad: true)
            v.grad = Tensor(shape: [g.count], scalars: g.map(Float.init))
            return v
        }
        projectGradientsOffWeights(p)
        for (i, v) in p.enumerated() {
            // Against the exact (float64) projection, tightly; against the paper's float32 arithmetic within its
            // own cancellation error, which grows with ‖g‖/‖g⊥‖ (~300 for the second tensor, mostly along w).
            assertClose(v.grad!.scalars, exact[i], tolerance: 1e-6, "⊥Grad tensor \(i) (float64 reference)")
            let (w, g) = (weights[i], gradients[i])
            let along = zip(w, g).reduce(0.0) { $0 + $1.0 * $1.1 } / w.reduce(0.0) { $0 + $1 * $1 }
            let orthogonalNorm = zip(w, g).reduce(0.0) { $0 + pow($1.1 - along * $1.0, 2) }.squareRoot()
            let conditioning = g.reduce(0.0) { $0 + $1 * $1 }.squareRoot() / orthogonalNorm
            assertClose(v.grad!.scalars, expected[i], tolerance: 1e-6 * conditioning, "⊥Grad tensor \(i) (float32)")
            // Orthogonal to its weights, as long as the gradient was.
            let dot = zip(v.grad!.scalars, weights[i]).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let gradientNorm = gradients[i].reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            let weightNorm = weights[i].reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(dot, 0, accuracy: 1e-5 * gradientNorm * weightNorm)
            XCTAssertEqual(Double(v.grad!.norm()), gradientNorm, accuracy: 1e-5 * gradientNorm)
        }
    }

    /// StableMax loss, Grokfast EMA, ⊥Grad, AdamW and the norm projection in the order a run applies them
    /// (`GrokRun.updateWeights`), three steps, against the same three steps in PyTorch.
    func testTheVariantsComposedMatchPyTorchOverThreeSteps() throws {
        let s = try section("composed")
        let inputs = try XCTUnwrap(s["inputs"] as? [[Double]])
        let w0 = try XCTUnwrap(s["initial_weight"] as? [[Double]])
        let labels = try XCTUnwrap(s["labels"] as? [Int])
        let value = { (key: String) in self.numbers(s[key])[0] }
        let x = Variable(
            Tensor(shape: [inputs.count, inputs[0].count], scalars: inputs.flatMap { $0.map(Float.init) }))
        let w = Variable(
            Tensor(shape: [w0.count, w0[0].count], scalars: w0.flatMap { $0.map(Float.init) }), requiresGrad: true)
        var filter = GradientFilterState(.exponentialMovingAverage(alpha: value("alpha"), lambda: value("lambda")))
        var optimizer = AdamW(
            learningRate: Float(value("learning_rate")), beta1: Float(value("beta1")), beta2: Float(value("beta2")),
            epsilon: Float(value("epsilon")), weightDecay: Float(value("weight_decay")))
        let losses = numbers(s["losses"])
        let after = try XCTUnwrap(s["weights_after_each_step"] as? [[Double]])
        for step in 0..<3 {
            w.grad = nil
            let loss = Variable.matmul(x, w).crossEntropy(targets: labels, loss: .stableMax)
            loss.backward()
            XCTAssertEqual(Double(loss.value.scalar), losses[step], accuracy: 1e-5 * losses[step], "loss \(step)")
            filter.apply(to: [w])
            projectGradientsOffWeights([w])
            optimizer.update([w])
            projectWeights([w], toNorm: value("target_norm"))
            assertClose(w.value.scalars, after[step], tolerance: 1e-5, "weights after step \(step)")
        }
        XCTAssertEqual(totalNorm([w]), value("target_norm"), accuracy: 1e-5 * value("target_norm"))
    }
}
