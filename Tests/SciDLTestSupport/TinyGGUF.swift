import Foundation
import SciDLLanguageModel
import SciDLTensor

/// Tiny random GGUF decoders (width 256 so K-quant rows fit, 2 blocks, 4 heads over 2 key/value heads)
/// whose matrices take every tensor type in turn, so one model covers them all.
public enum TinyGGUF {
    public static let width = 256, mlp = 512, heads = 4, kvHeads = 2, blocks = 2
    /// The sliding window of a tiny `gemma3` model's blocks.
    public static let gemmaWindow = 5

    /// Matrices take every type in turn, so one model covers them all.
    /// `extraTensors` adds small tensors no decoder reads (to test that they are named).
    public static func model(
        architecture: String, tokenizer: (inout GGUFWriter) -> Int, seed: UInt64, extraTensors: [String] = []
    ) throws -> URL {
        var w = GGUFWriter()
        var rng = SeededGenerator(seed: seed)
        let vocabulary = tokenizer(&w)
        let a = architecture
        w.set("general.architecture", .string(a))
        w.set("general.name", .string("tiny \(a)"))
        w.set("\(a).block_count", .uint32(UInt32(blocks)))
        w.set("\(a).embedding_length", .uint32(UInt32(width)))
        w.set("\(a).feed_forward_length", .uint32(UInt32(mlp)))
        w.set("\(a).attention.head_count", .uint32(UInt32(heads)))
        w.set("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5))
        w.set("\(a).rope.freq_base", .float32(10_000))
        w.set("\(a).context_length", .uint64(128))
        if a == "gemma3" {
            // A window far shorter than the test prompts, so that it decides what a token sees.
            w.set("\(a).attention.sliding_window", .uint32(UInt32(gemmaWindow)))
        }
        w.set("general.alignment", .uint32(64))
        w.alignment = 64
        var types = GGMLType.allCases.makeIterator()
        func next() -> GGMLType {
            if let t = types.next() { return t }
            types = GGMLType.allCases.makeIterator()
            return types.next()!
        }
        let dh = width / heads
        w.addRandom("token_embd.weight", [vocabulary, width], .q8_0, &rng, scale: 1)
        for i in 0..<blocks {
            let p = "blk.\(i)."
            w.add(p + "attn_norm.weight", (0..<width).map { _ in 1 + Float(rng.nextNormal()) * 0.1 })
            w.addRandom(p + "attn_q.weight", [heads * dh, width], next(), &rng, scale: 0.1)
            w.addRandom(p + "attn_k.weight", [kvHeads * dh, width], next(), &rng, scale: 0.1)
            w.addRandom(p + "attn_v.weight", [kvHeads * dh, width], next(), &rng)
            w.addRandom(p + "attn_output.weight", [width, heads * dh], next(), &rng, scale: 0.05)
            if a == "qwen2" {
                w.add(p + "attn_q.bias", (0..<(heads * dh)).map { _ in Float(rng.nextNormal()) * 0.5 })
                w.add(p + "attn_k.bias", (0..<(kvHeads * dh)).map { _ in Float(rng.nextNormal()) * 0.5 })
                w.add(p + "attn_v.bias", (0..<(kvHeads * dh)).map { _ in Float(rng.nextNormal()) * 0.5 })
            }
            if a == "gemma3" {
                for (name, count) in [
                    ("attn_q_norm", dh), ("attn_k_norm", dh), ("post_attention_norm", width), ("post_ffw_norm", width),
                ] {
                    w.add(p + name + ".weight", (0..<count).map { _ in 1 + Float(rng.nextNormal()) * 0.1 })
                }
            }
            w.add(p + "ffn_norm.weight", (0..<width).map { _ in 1 + Float(rng.nextNormal()) * 0.1 })
            w.addRandom(p + "ffn_gate.weight", [mlp, width], next(), &rng, scale: 0.1)
            w.addRandom(p + "ffn_up.weight", [mlp, width], next(), &rng, scale: 0.1)
            w.addRandom(p + "ffn_down.weight", [width, mlp], next(), &rng, scale: 0.05)
        }
        w.add("output_norm.weight", (0..<width).map { _ in 1 + Float(rng.nextNormal()) * 0.1 })
        if a == "qwen2" { w.addRandom("output.weight", [vocabulary, width], .q6_K, &rng) }
        for name in extraTensors { w.add(name, (0..<width).map { _ in Float(rng.nextNormal()) }) }
        return try w.write()
    }

    /// Byte-level BPE: the 256 byte characters, then Ġt, he, Ġthe, ll, llo, and <|endoftext|>.
    public static func gpt2Tokenizer(_ w: inout GGUFWriter) -> Int {
        let tokens =
            (0..<256).map { String(ByteLevelAlphabet.characters[$0]) } + [
                "Ġt", "he", "Ġthe", "ll", "llo", "<|endoftext|>",
            ]
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("smollm"))
        w.set("tokenizer.ggml.tokens", .strings(tokens))
        w.set("tokenizer.ggml.token_type", .int32s(Array(repeating: 1, count: 261) + [3]))
        w.set("tokenizer.ggml.merges", .strings(["Ġ t", "h e", "Ġt he", "l l", "ll o"]))
        w.set("tokenizer.ggml.bos_token_id", .uint32(261))
        w.set("tokenizer.ggml.add_bos_token", .bool(false))
        return tokens.count
    }

    /// SentencePiece: <unk>, <s>, </s>, 256 byte tokens, then pieces whose scores decide the merges.
    public static let pieces: [(String, Float)] = [
        ("▁", -1), ("h", -2), ("e", -3), ("l", -4), ("o", -5), ("▁h", -10),
        ("he", -8), ("ll", -7), ("llo", -9), ("▁he", -11), ("▁hello", -12),
    ]
    public static func llamaTokenizer(_ w: inout GGUFWriter) -> Int {
        let tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) } + pieces.map(\.0)
        w.set("tokenizer.ggml.model", .string("llama"))
        w.set("tokenizer.ggml.tokens", .strings(tokens))
        w.set("tokenizer.ggml.scores", .float32s([0, 0, 0] + Array(repeating: 0, count: 256) + pieces.map(\.1)))
        w.set(
            "tokenizer.ggml.token_type",
            .int32s([2, 3, 3] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: pieces.count)))
        w.set("tokenizer.ggml.bos_token_id", .uint32(1))
        w.set("tokenizer.ggml.unknown_token_id", .uint32(0))
        return tokens.count
    }
}
