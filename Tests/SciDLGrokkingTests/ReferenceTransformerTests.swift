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

    func testLogitsMatchPyTorch() throws {
        let logits = model.logits(tokens: tokens, length: 3)
        XCTAssertLessThan(relativeError(logits.value, try reference.tensor("logits")), 1e-4)
    }

    func testAllPositionsPathGivesTheSameFinalLogits() throws {
        let full = model.forward(tokens: tokens, length: 3, allPositions: true).logits.value
        let lastRows = Tensor(shape: [49, 7], scalars: (0..<49).flatMap { full.row($0 * 3 + 2) })
        XCTAssertLessThan(relativeError(lastRows, try reference.tensor("logits")), 1e-4)
    }

    func testLastPositionForwardMatchesPyTorch() throws {
        let logits = model.forward(tokens: tokens, length: 3, allPositions: false).logits
        XCTAssertLessThan(relativeError(logits.value, try reference.tensor("logits")), 1e-4)
    }

    func testEveryGradientMatchesPyTorch() throws {
        try checkGradients { model.logits(tokens: tokens, length: 3) }
    }

    func testEveryGradientOfTheWrittenOutForwardMatchesPyTorch() throws {
        try checkGradients { model.forward(tokens: tokens, length: 3, allPositions: false).logits }
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
            let err = relativeError(try XCTUnwrap(p.grad, name), try reference.tensor("grad." + name))
            XCTAssertLessThan(err, 1e-4, "gradient of \(name)", file: file, line: line)
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
            XCTAssertLessThan(relativeError(p.value, try reference.tensor("after3." + name)), 1e-4, "weights \(name)")
        }
    }
}
