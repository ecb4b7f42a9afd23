import Foundation
import SciDLAutodiff
import SciDLGrokking
import SciDLTensor
import SciDLTestSupport
import XCTest

/// The one-layer transformer against PyTorch (float64) on `a + b mod 7`:
/// `../shared/fixtures/tiny_transformer_reference.*`.
final class ReferenceTransformerTests: XCTestCase {
    var reference: SafetensorsFile!
    var model: OneLayerTransformer!
    var task: AlgorithmicTask!

    override func setUpWithError() throws {
        reference = try SafetensorsFile(
            contentsOf: try SharedFolder.file("fixtures/tiny_transformer_reference.safetensors"))
        task = try AlgorithmicTask(operation: .add, modulus: 7)
        var rng = SeededGenerator(seed: 0)
        model = OneLayerTransformer(
            vocabulary: 8, outputs: 7, length: 3, width: 16, heads: 2, mlpWidth: 32, using: &rng)
        try model.load(reference.tensors, prefix: "init.", source: "fixture")
    }

    var tokens: [Int] { task.inputs.flatMap { $0 } }

    /// Three times the worst measured over logits, gradients and weights after three steps: 3.6e-7
    /// absolute, 3.5e-7 relative (float32 against PyTorch's float64).
    static let tolerance = Tolerance(absolute: 1e-6, relative: 1e-6)
    nonisolated(unsafe) static var worst = Difference()

    override class func tearDown() { print("one-layer transformer against PyTorch: \(worst)") }

    func assertMatchesPyTorch(
        _ value: Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let expected = reference.tensors[name] else { return XCTFail("fixture lacks \(name)") }
        XCTAssertEqual(value.shape, expected.shape, name, file: file, line: line)
        assertClose(value.scalars, expected.scalars, Self.tolerance, name, worst: &Self.worst, file: file, line: line)
    }

    func testLogitsMatchPyTorch() throws {
        let logits = model.logits(tokens: tokens, length: 3)
        assertMatchesPyTorch(logits.value, "logits")
    }

    func testAllPositionsPathGivesTheSameFinalLogits() throws {
        let full = model.forward(tokens: tokens, length: 3, allPositions: true).logits.value
        let lastRows = Tensor(shape: [49, 7], scalars: (0..<49).flatMap { full.row($0 * 3 + 2) })
        assertMatchesPyTorch(lastRows, "logits")
    }

    func testLastPositionForwardMatchesPyTorch() throws {
        let logits = model.forward(tokens: tokens, length: 3, allPositions: false).logits
        assertMatchesPyTorch(logits.value, "logits")
    }

    func testEveryGradientMatchesPyTorch() throws {
        try checkGradients { model.logits(tokens: tokens, length: 3) }
    }

    func testEveryGradientOfTheWrittenOutForwardMatchesPyTorch() throws {
        try checkGradients { model.forward(tokens: tokens, length: 3, allPositions: false).logits }
    }

    func testHandWrittenStepMatchesPyTorch() throws {
        let step = TransformerStep(model: model, tokens: tokens, targets: task.targets, length: 3)
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: try SharedFolder.file("fixtures/tiny_transformer_reference.json")))
            as! [String: Any]
        XCTAssertEqual(Double(step.lossAndGradients()), json["loss_at_init"] as! Double, accuracy: 1e-5)
        for (name, p) in model.namedParameters {
            assertMatchesPyTorch(try XCTUnwrap(p.grad, name), "grad." + name)
        }
        assertMatchesPyTorch(model.logitValues(tokens: tokens, length: 3), "logits")
    }

    func testThreeAdamWStepsOfTheHandWrittenStepMatchPyTorch() throws {
        var optimizer = AdamW(learningRate: 1e-2, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 1.0)
        let step = TransformerStep(model: model, tokens: tokens, targets: task.targets, length: 3)
        for _ in 0..<3 {
            _ = step.lossAndGradients()
            optimizer.update(model.parameters)
        }
        for (name, p) in model.namedParameters {
            assertMatchesPyTorch(p.value, "after3." + name)
        }
    }

    func checkGradients(_ logits: () -> Variable, file: StaticString = #filePath, line: UInt = #line) throws {
        model.zeroGradients()
        let loss = logits().crossEntropy(targets: task.targets)
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: try SharedFolder.file("fixtures/tiny_transformer_reference.json")))
            as! [String: Any]
        XCTAssertEqual(Double(loss.value.scalar), json["loss_at_init"] as! Double, accuracy: 1e-5)
        loss.backward()
        for (name, p) in model.namedParameters {
            assertMatchesPyTorch(try XCTUnwrap(p.grad, name), "grad." + name, file: file, line: line)
        }
    }

    func testThreeAdamWStepsMatchPyTorch() throws {
        var optimizer = AdamW(learningRate: 1e-2, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 1.0)
        for _ in 0..<3 {
            model.zeroGradients()
            model.logits(tokens: tokens, length: 3).crossEntropy(targets: task.targets).backward()
            optimizer.update(model.parameters)
        }
        for (name, p) in model.namedParameters {
            assertMatchesPyTorch(p.value, "after3." + name)
        }
    }
}
