import Foundation
import SciDLLanguageModel
import SciDLTensor
import SciDLTestSupport
import XCTest

/// SmolLM2-135M-Instruct read from its Q4_1 GGUF against Hugging Face transformers running the same file
/// dequantised to float32 (`../shared/fixtures/smollm2_reference.json`): token ids exactly, hidden states
/// at every listed site relative to the vector's largest value, the top-10 next tokens exactly.
final class SmolLM2ReferenceTests: XCTestCase {
    static let model = InstalledModels.smollm2

    /// Three times the worst measured: 1.4e-4 absolute, 7.6e-5 relative (both sides compute in float32,
    /// but sum in different orders over a 30-block residual stream whose largest values reach ~1,500).
    static let hiddenStateTolerance = Tolerance(absolute: 4e-4, relative: 2.5e-4)
    /// Worst measured 1.5e-6 relative; the reference is rounded to 5 decimals (5e-6), hence the absolute part.
    static let logitTolerance = Tolerance(absolute: 1.5e-5, relative: 5e-6)

    func reference() throws -> DecoderReference {
        try SharedFolder.decode(DecoderReference.self, "fixtures/smollm2_reference.json")
    }

    func testArchitectureIsReadFromTheMetadata() throws {
        let c = try Self.model.get().decoder.configuration
        XCTAssertEqual(c.architecture, "llama")
        XCTAssertEqual(
            [c.blockCount, c.width, c.headCount, c.keyValueHeadCount, c.headSize, c.mlpWidth, c.vocabularySize],
            [30, 576, 9, 3, 64, 1536, 49152])
        XCTAssertEqual(c.rotary.base, 100_000)
        XCTAssertEqual(c.rotary.dimensions, 64)
    }

    func testTokenIDsEqualHuggingFace() throws {
        let model = try Self.model.get()
        let reference = try reference()
        for c in reference.cases {
            let ids = model.tokenizer.encode(c.text)
            XCTAssertEqual(ids, c.ids, "ids of \(c.text.debugDescription)")
            XCTAssertEqual(ids.map { model.tokenizer.tokens[$0] }, c.tokens)
        }
        for s in reference.tokenizer_stress {
            XCTAssertEqual(model.tokenizer.encode(s.text), s.ids, "ids of \(s.text.debugDescription)")
        }
    }

    func testHiddenStatesMatchHuggingFace() throws {
        let worst = try assertHiddenStatesMatch(try Self.model.get(), try reference().cases, Self.hiddenStateTolerance)
        print("SmolLM2 hidden states against Hugging Face: \(worst)")
    }

    /// `--compute int8` (activations rounded to int8 per block, integer dot products) against the exact path on
    /// the reference texts: at every layer each state's cosine with the exact one ≥ 0.998 and the relative
    /// error ≤ 0.06 (measured on 256 cities prompts: cosine ≥ 0.9991, error ≤ 0.030 at the last layer), the
    /// likeliest next token unchanged, and cached activations of the two arithmetics kept apart.
    func testInt8ArithmeticStaysCloseToTheExactOne() throws {
        var int8 = try Self.model.get()
        int8.compute = .int8
        guard int8.decoder.effectiveCompute == .int8 else { throw XCTSkip("no integer kernels on this CPU") }
        let exact = try Self.model.get()
        XCTAssertNotEqual(exact.identity, int8.identity, "cache keys must tell the arithmetics apart")
        let cases = try reference().cases
        let layers = Array(0...exact.blockCount)
        let a = try exact.hiddenStates(of: cases.map(\.text), layers: layers, position: .last)
        let b = try int8.hiddenStates(of: cases.map(\.text), layers: layers, position: .last)
        let d = exact.width
        for t in cases.indices {
            for l in layers {
                let x = Array(a.scalars[((t * layers.count + l) * d)..<((t * layers.count + l + 1) * d)])
                let y = Array(b.scalars[((t * layers.count + l) * d)..<((t * layers.count + l + 1) * d)])
                let (xy, xx, yy) = (dot(x, y), dot(x, x), dot(y, y))
                let cosine = Double(xy) / (Double(xx) * Double(yy)).squareRoot()
                let error = (Double(xx) - 2 * Double(xy) + Double(yy)).squareRoot() / Double(xx).squareRoot()
                XCTAssertGreaterThan(cosine, 0.998, "text \(t), layer \(l)")
                XCTAssertLessThan(error, 0.06, "text \(t), layer \(l)")
            }
        }
        let exactTop = exact.decoder.lastTokenLogits(cases.map(\.ids))
        let int8Top = int8.decoder.lastTokenLogits(cases.map(\.ids))
        for i in cases.indices {
            let (r, s) = (exactTop.row(i), int8Top.row(i))
            XCTAssertEqual(r.indices.max { r[$0] < r[$1] }, s.indices.max { s[$0] < s[$1] }, "next token of case \(i)")
        }
    }

    func testTopTenNextTokensEqualHuggingFace() throws {
        let worst = assertTopTenNextTokensMatch(try Self.model.get(), try reference().cases, Self.logitTolerance)
        print("SmolLM2 top-10 logits against Hugging Face: \(worst)")
    }

    /// The zero-shot baseline's log-likelihood difference of two continuations that differ in their last token
    /// is the difference of those tokens' logits (the softmax's normaliser cancels): against Hugging Face's
    /// logits, for the likeliest next token against the second and the tenth.
    func testLogLikelihoodDifferenceMatchesHuggingFaceLogits() throws {
        let model = try Self.model.get()
        for c in try reference().cases {
            let top = c.logits_top10
            for k in [1, top.ids.count - 1] {
                let difference = model.decoder.logLikelihoodDifferences([(c.ids + [top.ids[0]], c.ids + [top.ids[k]])])[
                    0]
                let expected = Double(top.values[0] - top.values[k])
                XCTAssertEqual(difference, expected, accuracy: 1e-4, "\(c.text.prefix(30).debugDescription), k \(k)")
            }
        }
    }
}
