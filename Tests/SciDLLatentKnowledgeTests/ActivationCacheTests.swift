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
        let cache = ScratchFolder.url("scidl-cache", create: false)
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
        let cache = ScratchFolder.url("scidl-cache", create: false)
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
        // Read now: activations served from the cache are read from its file as needed, and this test then
        // damages that file in place (SciDL itself only ever replaces a cache file by renaming a new one).
        let again = try model.contrastActivations(of: pairs, settings: settings).activations.positive
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
            XCTAssertEqual(read.positive, again)
            bytes = try Data(contentsOf: file)
        }
    }

    /// Issue 24: the zero-shot baseline comes from the pass that yields the activations (the final norm's
    /// states where the model predicts each answer token are kept and unembedded), and equals the baseline of a
    /// pass of its own; the activations are those of a pass without it. Cached, both read back.
    func testZeroShotFromTheSamePassEqualsASeparatePass() throws {
        let url = try TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 13)
        let model = try DecoderModel(gguf: url)
        let pairs = (0..<9).map {
            ContrastPair(
                positive: "the hello \($0) is hello True", negative: "the hello \($0) is hello False hello",
                label: $0 % 2)
        }
        let cache = ScratchFolder.url("scidl-zs", create: false)
        let settings = ExtractionSettings(
            layers: [0, 2], position: .last, cache: cache, dataName: "d", templateName: "t")
        let together = try model.contrastPass(of: pairs, settings: settings, zeroShot: true)
        XCTAssertFalse(together.fromCache)
        let alone = model.logLikelihoodDifferences(pairs.map { ($0.positive, $0.negative) })
        let preferences = try XCTUnwrap(together.zeroShot).preferences
        XCTAssertEqual(preferences.count, pairs.count)
        for (a, b) in zip(preferences, alone) { XCTAssertEqual(Double(a), b, accuracy: 1e-4 * max(1, abs(b))) }
        XCTAssertTrue(alone.contains { abs($0) > 1e-3 }, "the preferences are not all zero")
        var plain = settings
        plain.cache = nil
        let withoutZeroShot = try model.contrastActivations(of: pairs, settings: plain).activations
        XCTAssertLessThan(relativeError(together.activations.positive, withoutZeroShot.positive), 1e-6)
        XCTAssertLessThan(relativeError(together.activations.negative, withoutZeroShot.negative), 1e-6)
        let again = try model.contrastPass(of: pairs, settings: settings, zeroShot: true)
        XCTAssertTrue(again.fromCache)
        XCTAssertEqual(again.zeroShot?.preferences, preferences, "read back from the cache")
        XCTAssertNil(again.recomputedCacheEntry)
        // A damaged zero-shot entry is recomputed, and named.
        let entry = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(at: cache, includingPropertiesForKeys: nil)
                .first { $0.lastPathComponent.hasSuffix("-zero-shot.safetensors") })
        var bytes = try Data(contentsOf: entry)
        bytes[bytes.count - 2] ^= 0x40
        try bytes.write(to: entry)
        let repaired = try model.contrastPass(of: pairs, settings: settings, zeroShot: true)
        XCTAssertEqual(repaired.recomputedCacheEntry?.lastPathComponent, entry.lastPathComponent)
        for (a, b) in zip(try XCTUnwrap(repaired.zeroShot).preferences, preferences) {
            XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)))
        }
    }

    /// A prompt over the token limit loses its start, keeping BOS (when the model adds one) and its end; the
    /// pass counts the prompts it cut, and the limit is part of the cache key.
    func testPromptsOverTheTokenLimitKeepTheirEndAndAreCounted() throws {
        let url = try TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 14)
        let model = try DecoderModel(gguf: url)
        let long = Array(repeating: "hello", count: 40).joined(separator: " ") + " the"
        let full = model.tokenize(long, limit: 1000).ids
        let (cut, truncated) = model.tokenize(long, limit: 10)
        XCTAssertTrue(truncated)
        XCTAssertEqual(cut.count, 10)
        XCTAssertEqual(Array(cut.suffix(9)), Array(full.suffix(9)), "the end is kept")
        if let bos = model.tokenizer.bosID, full.first == bos { XCTAssertEqual(cut.first, bos, "BOS stays first") }
        XCTAssertFalse(model.tokenize("the hello", limit: 10).truncated)
        let pairs = [
            ContrastPair(positive: long + " True", negative: long + " False", label: 1),
            ContrastPair(positive: "the True", negative: "the False", label: 0),
        ]
        let cache = ScratchFolder.url("scidl-cut", create: false)
        var settings = ExtractionSettings(layers: [1], position: .last, cache: cache, dataName: "d", templateName: "t")
        settings.maxTokens = 10
        let pass = try model.contrastPass(of: pairs, settings: settings, zeroShot: true)
        XCTAssertEqual(pass.truncatedPrompts, 2, "both members of the long pair")
        XCTAssertEqual(
            try model.contrastPass(of: pairs, settings: settings, zeroShot: false).truncatedPrompts, 2, "cached")
        settings.maxTokens = nil
        let whole = try model.contrastPass(of: pairs, settings: settings, zeroShot: false)
        XCTAssertFalse(whole.fromCache, "another limit, another cache entry")
        XCTAssertEqual(whole.truncatedPrompts, 0)
    }
}
