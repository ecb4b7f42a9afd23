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

    /// Issue 11: a model changed in place, keeping its size and modification time, gets new activations; so
    /// does a cache file with altered floats or flipped bits.
    func testChangedModelsAndDamagedCacheFilesAreRecomputed() throws {
        let url = try TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 21)
        let pairs = (0..<4).map {
            ContrastPair(positive: "the hello \($0) True", negative: "the hello \($0) False", label: $0 % 2)
        }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-cache-\(UUID().uuidString)")
        let settings = ExtractionSettings(layers: [2], position: .last, cache: cache, dataName: "d", templateName: "t")
        _ = try DecoderModel(gguf: url).contrastActivations(of: pairs, settings: settings)

        // One byte of the file changed in place; size and modification time put back.
        let modified = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as! Date
        let handle = try FileHandle(forUpdating: url)
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        let byte = try XCTUnwrap(handle.readData(ofLength: 1).first)
        try handle.seek(toOffset: size / 2)
        handle.write(Data([byte ^ 0x01]))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: url.path)
        let (_, staleServed) = try DecoderModel(gguf: url).contrastActivations(of: pairs, settings: settings)
        XCTAssertFalse(staleServed, "a model changed in place was served the old activations")

        // Damaged cache files: the next read recomputes the same numbers instead of using them.
        let model = try DecoderModel(gguf: url)
        let (again, _) = try model.contrastActivations(of: pairs, settings: settings)
        let file = try XCTUnwrap(
            FileManager.default.contentsOfDirectory(at: cache, includingPropertiesForKeys: nil).first {
                FileManager.default.contents(atPath: $0.path).map { bytes in
                    (try? SafetensorsFile(data: bytes))?.metadata["model_identity"] == model.identity
                } ?? false
            })
        var bytes = try Data(contentsOf: file)
        for damage in [bytes.count - 7, bytes.count - 1] {
            var damaged = bytes
            damaged[damage] ^= 0x01
            try damaged.write(to: file)
            let (read, fromCache) = try model.contrastActivations(of: pairs, settings: settings)
            XCTAssertFalse(fromCache, "a damaged cache file (byte \(damage)) was used")
            XCTAssertEqual(read.positive, again.positive)
            bytes = try Data(contentsOf: file)
        }
    }
}
