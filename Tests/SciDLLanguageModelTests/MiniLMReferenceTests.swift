import Foundation
import SciDLLanguageModel
import SciDLTensor
import SciDLTestSupport
import XCTest

/// all-MiniLM-L6-v2 against Hugging Face transformers (`../shared/fixtures/minilm_reference.json`):
/// token ids exactly, every hidden state to `tolerance`.
final class MiniLMReferenceTests: XCTestCase {
    struct Reference: Decodable {
        struct Example: Decodable {
            struct Layer: Decodable {
                var layer: Int
                var cls: [Float]
                var last: [Float]
                var mean: [Float]
            }
            var text: String
            var input_ids: [Int]
            var tokens: [String]
            var layers: [Layer]
            var sentence_embedding: [Float]
        }
        var examples: [Example]
    }

    static let model = InstalledModels.minilm

    /// Three times the worst measured: 3.2e-6 absolute, 1.9e-6 relative.
    static let tolerance = Tolerance(absolute: 1e-5, relative: 6e-6)

    func reference() throws -> Reference { try SharedFolder.decode(Reference.self, "fixtures/minilm_reference.json") }

    func testTokenIDsEqualHuggingFace() throws {
        let model = try Self.model.get()
        for example in try reference().examples {
            let ids = model.tokenizer.encode(example.text)
            XCTAssertEqual(ids, example.input_ids, "ids of \(example.text)")
            XCTAssertEqual(ids.map { model.tokenizer.tokens[$0] }, example.tokens)
        }
    }

    func testEveryHiddenStateMatchesHuggingFace() throws {
        let model = try Self.model.get()
        let examples = try reference().examples
        let texts = examples.map(\.text)
        let layers = Array(0...model.encoder.configuration.layerCount)
        // Small batches on purpose: several packed texts per batch, and more than one batch.
        var worst = Difference()
        for position in TokenPosition.allCases {
            let states = try model.hiddenStates(of: texts, layers: layers, position: position, tokensPerBatch: 40)
            for (i, example) in examples.enumerated() {
                XCTAssertEqual(example.layers.map(\.layer), layers)
                for (j, reference) in example.layers.enumerated() {
                    let expected =
                        position == .first ? reference.cls : position == .last ? reference.last : reference.mean
                    let offset = (i * layers.count + j) * 384
                    assertClose(
                        states.scalars[offset..<(offset + 384)], expected, Self.tolerance,
                        "\(position) layer \(j) of '\(example.text)'", worst: &worst)
                }
            }
        }
        print("MiniLM hidden states against Hugging Face: \(worst)")
    }

    func testSentenceEmbeddingIsNormalisedMeanOfLastLayer() throws {
        let model = try Self.model.get()
        let examples = try reference().examples
        let states = try model.hiddenStates(of: examples.map(\.text), layers: [6], position: .mean)
        for (i, example) in examples.enumerated() {
            let mean = Array(states.scalars[(i * 384)..<((i + 1) * 384)])
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<384 { XCTAssertEqual(mean[k] / norm, example.sentence_embedding[k], accuracy: 1e-5) }
        }
    }

    func testPackingDoesNotLeakBetweenTexts() throws {
        let model = try Self.model.get()
        let texts = [
            "The city of Paris is in France.", "x", "A longer sentence about nothing in particular, really.", "Yes",
        ]
        let together = try model.hiddenStates(of: texts, layers: [2, 6], position: .mean, tokensPerBatch: 10_000)
        for (i, text) in texts.enumerated() {
            let alone = try model.hiddenStates(of: [text], layers: [2, 6], position: .mean)
            let row = Array(together.scalars[(i * 2 * 384)..<((i + 1) * 2 * 384)])
            for k in 0..<row.count { XCTAssertEqual(row[k], alone.scalars[k], accuracy: 1e-5) }
        }
    }

    func testUnknownLayerIsAClearError() throws {
        let model = try Self.model.get()
        XCTAssertThrowsError(try model.hiddenStates(of: ["a"], layers: [7], position: .last)) { error in
            XCTAssertTrue("\(error)".contains("layers 0 (embeddings) to 6"), "\(error)")
        }
    }
}
