import Foundation
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLTensor
import SciDLTestSupport
import XCTest

/// Cached contrast activations: read back exactly, for several layers, and never served for another
/// model file.
final class ActivationCacheTests: XCTestCase {
    func testCacheRoundTripsSeveralLayersAndKeysOnTheModelFile() throws {
        let url = try TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 11)
        let pairs = (0..<6).map {
            ContrastPair(positive: "the hello \($0) True", negative: "the hello \($0) False", label: $0 % 2)
        }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-cache-\(UUID().uuidString)")
        let settings = ExtractionSettings(
            layers: [2, 0, 1], position: .last, cache: cache, dataName: "test", templateName: "t")
        let model = try DecoderModel(gguf: url)
        let (fresh, freshFromCache) = try model.contrastActivations(of: pairs, settings: settings)
        XCTAssertFalse(freshFromCache)
        let (cached, fromCache) = try model.contrastActivations(of: pairs, settings: settings)
        XCTAssertTrue(fromCache)
        XCTAssertEqual(cached.layers, [2, 0, 1])
        XCTAssertEqual(cached.positive, fresh.positive, "every layer read back in its place")
        XCTAssertEqual(cached.negative, fresh.negative)
        XCTAssertEqual(cached.labels, fresh.labels)
        // x⁺ and x⁻ are computed side by side (sharing their prompt) but each member gets its own states.
        let positives = try model.hiddenStates(of: pairs.map(\.positive), layers: [2, 0, 1], position: .last)
        let negatives = try model.hiddenStates(of: pairs.map(\.negative), layers: [2, 0, 1], position: .last)
        XCTAssertLessThan(relativeError(fresh.positive, positives), 5e-6)
        XCTAssertLessThan(relativeError(fresh.negative, negatives), 5e-6)
        // The states really differ across layers, so a mixed-up layer order could not pass.
        let states = try model.hiddenStates(of: [pairs[0].positive], layers: [2, 0, 1], position: .last)
        XCTAssertNotEqual(Array(states.scalars[0..<256]), Array(states.scalars[256..<512]))

        // Another model written to the same path (new size and time) must not be served the old states.
        Thread.sleep(forTimeInterval: 0.01)
        let other = try TinyGGUF.model(architecture: "qwen2", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 12)
        let replacement = try Data(contentsOf: other)
        try FileManager.default.removeItem(at: url)
        try replacement.write(to: url)
        let (_, staleServed) = try DecoderModel(gguf: url).contrastActivations(of: pairs, settings: settings)
        XCTAssertFalse(staleServed)
    }
}
