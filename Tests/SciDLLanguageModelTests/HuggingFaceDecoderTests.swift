import Foundation
import SciDLLanguageModel
import SciDLSupport
import SciDLTensor
import SciDLTestSupport
import XCTest

/// Tiny random Llama (float16 weights, SentencePiece-style byte-fallback tokenizer, BOS) and Qwen2 (bfloat16,
/// sharded, q/k/v biases, byte-level tokenizer) folders saved by transformers, against transformers' own
/// token ids and hidden states (`Fixtures/tiny_decoders_reference.json`, made by
/// `scripts/make_decoder_fixtures.py`); and the other families (`tiny_families_reference.json`, made by its
/// `--families`): Qwen3, Gemma 2, Gemma 3 and Phi-3, each with every feature that sets it apart exercised.
final class HuggingFaceDecoderTests: XCTestCase {
    struct Reference: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int]
            var last: [String: [Float]]
            var mean: [String: [Float]]
            var logits_last: [Float]?
        }
        struct Model: Decodable { var cases: [Case] }
        var models: [String: Model]

        init(from decoder: any Swift.Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            var models: [String: Model] = [:]
            for key in c.allKeys where key.stringValue.hasPrefix("tiny-") {
                models[key.stringValue] = try c.decode(Model.self, forKey: key)
            }
            self.models = models
        }
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Three times the worst measured over hidden states and logits of all six models: 6.4e-6 absolute (the
    /// reference is rounded to 6 decimals), 3.3e-6 relative (tiny-gemma2, whose weights are ten times larger so
    /// that its soft caps bite; 9.2e-7 for Llama and Qwen2).
    static let tolerance = Tolerance(absolute: 2e-5, relative: 1e-5)

    func reference() throws -> Reference {
        var merged = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("tiny_decoders_reference.json"))
        )
        let families = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("tiny_families_reference.json"))
        )
        merged.models.merge(families.models) { a, _ in a }
        return merged
    }

    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try XCTUnwrap(ModelCatalog.load(Self.fixtures.appendingPathComponent(name).path) as? DecoderModel)
        let cases = try XCTUnwrap(reference().models[name]).cases
        for c in cases {
            XCTAssertEqual(
                model.tokenize(c.text), c.ids, "\(name) ids of \(c.text.debugDescription)", file: file, line: line)
        }
        let scored = cases.filter { !$0.ids.isEmpty }
        var worst = Difference()
        try assertHiddenStatesMatch(
            model, texts: scored.map(\.text), siteNames: scored[0].last.keys.sorted(), tokensPerBatch: 50,
            expected: { position, i, site in
                try XCTUnwrap((position == .last ? scored[i].last : scored[i].mean)[site])
            }, Self.tolerance, worst: &worst, file: file, line: line)
        let logits = model.decoder.lastTokenLogits(scored.map(\.ids))
        for (i, c) in scored.enumerated() {
            assertClose(
                logits.row(i), try XCTUnwrap(c.logits_last), Self.tolerance, "\(name) logits", worst: &worst,
                file: file, line: line)
        }
        print("\(name) against transformers: \(worst)")
    }

    func testTinyLlamaFolderMatchesTransformers() throws { try check("tiny-llama") }

    func testTinyQwen2FolderMatchesTransformers() throws { try check("tiny-qwen2") }

    /// Query/key RMSNorm per head, a head size (24) that is not the width over the heads.
    func testTinyQwen3FolderMatchesTransformers() throws { try check("tiny-qwen3") }

    /// Scores soft-capped at 5 and logits at 3, a 4-token window on block 0 and global attention on block 1,
    /// the scale from query_pre_attn_scalar (24, not the head size), norms after each sublayer, (1 + w) norms.
    func testTinyGemma2FolderMatchesTransformers() throws { try check("tiny-gemma2") }

    /// Gemma3ForCausalLM: query/key norms, a 4-token window with RoPE base 10⁴ on block 0, global attention
    /// with base 10⁶ on block 1, rope_parameters per layer type.
    func testTinyGemma3FolderMatchesTransformers() throws { try check("tiny-gemma3") }

    /// Fused q‖k‖v and gate‖up matrices taken apart in place; a 5-token window on every block.
    func testTinyPhi3FolderMatchesTransformers() throws { try check("tiny-phi3") }

    /// The same four models as GGUF files laid out as llama.cpp's converter lays them out (Gemma's norms as
    /// 1 + w, Phi-3's matrices fused; written by the fixture script with gguf-py), fed the reference's token ids:
    /// the states and logits of the Hugging Face folders.
    func testTinyFamiliesAsGGUFMatchTransformers() throws {
        let reference = try reference()
        for name in ["tiny-qwen3", "tiny-gemma2", "tiny-gemma3", "tiny-phi3"] {
            let model = try DecoderModel(gguf: Self.fixtures.appendingPathComponent(name + ".gguf"))
            XCTAssertEqual(model.decoder.configuration.architecture, String(name.dropFirst(5)))
            let cases = try XCTUnwrap(reference.models[name]).cases.filter { !$0.ids.isEmpty }
            let names = cases[0].last.keys.sorted()
            let sites = try names.map { try XCTUnwrap(ActivationSite(name: $0)) }
            var states: [ActivationSite: Tensor] = [:]
            model.decoder.forward(cases.map(\.ids), sites: Set(sites)) { states[$0] = $1 }
            let logits = model.decoder.lastTokenLogits(cases.map(\.ids))
            var worst = Difference()
            var first = 0
            for (i, c) in cases.enumerated() {
                let rows = first..<(first + c.ids.count)
                first += c.ids.count
                for (site, siteName) in zip(sites, names) {
                    let x = try XCTUnwrap(states[site])
                    let mean = (0..<model.width).map { k in
                        rows.reduce(Float(0)) { $0 + x.row($1)[k] } / Float(rows.count)
                    }
                    assertClose(
                        x.row(rows.last!), try XCTUnwrap(c.last[siteName]), Self.tolerance, "\(name) last \(siteName)",
                        worst: &worst)
                    assertClose(
                        mean, try XCTUnwrap(c.mean[siteName]), Self.tolerance, "\(name) mean \(siteName)", worst: &worst
                    )
                }
                assertClose(
                    logits.row(i), try XCTUnwrap(c.logits_last), Self.tolerance, "\(name) logits", worst: &worst)
            }
            print("\(name).gguf against transformers: \(worst)")
        }
    }

    /// A copy of a fixture folder that a test may break.
    func copy(_ name: String) throws -> URL {
        let dir = ScratchFolder.url("scidl-hf", create: false)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: dir)
        return dir
    }

    func assertRefused(_ folder: URL, mentions needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelCatalog.load(folder.path), file: file, line: line) { error in
            let message = (error as? SciDLError)?.message ?? "not a SciDLError: \(error)"
            XCTAssertTrue(message.contains(needle), "'\(needle)' not in: \(message)", file: file, line: line)
        }
    }

    func testBrokenFoldersAreRefusedWithOneLine() throws {
        let noTokenizer = try copy("tiny-llama")
        try FileManager.default.removeItem(at: noTokenizer.appendingPathComponent("tokenizer.json"))
        assertRefused(noTokenizer, mentions: "has no tokenizer.json")

        let noMerges = try copy("tiny-qwen2")
        let tokenizer = noMerges.appendingPathComponent("tokenizer.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: tokenizer)) as? [String: Any])
        var model = try XCTUnwrap(json["model"] as? [String: Any])
        model["merges"] = [String]()
        json["model"] = model
        try JSONSerialization.data(withJSONObject: json).write(to: tokenizer)
        assertRefused(noMerges, mentions: "has no merges")

        let truncated = try copy("tiny-qwen2")
        let shard = truncated.appendingPathComponent("model-00002-of-00004.safetensors")
        try Data(contentsOf: shard).prefix(10000).write(to: shard)
        assertRefused(truncated, mentions: "(truncated?)")

        let missingShard = try copy("tiny-qwen2")
        try FileManager.default.removeItem(at: missingShard.appendingPathComponent("model-00003-of-00004.safetensors"))
        assertRefused(missingShard, mentions: "lacks the shard model-00003-of-00004.safetensors")

        let gemma = try copy("tiny-llama")
        let config = gemma.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: "\"model_type\": \"llama\"", with: "\"model_type\": \"gemma\"")
        try text.write(to: config, atomically: true, encoding: .utf8)
        assertRefused(gemma, mentions: "model_type 'gemma' is not a Llama-family decoder")
    }
}
