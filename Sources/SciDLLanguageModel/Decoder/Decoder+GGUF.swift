import SciDLSupport
import SciDLTensor

extension Decoder {
    /// Reads a decoder of one of `DecoderConfiguration.architectures` from a GGUF file, its weights left in the
    /// file (see `WeightMatrix`). Gemma's norm weights are stored as 1 + w by llama.cpp's converter, so they
    /// multiply as Llama's do; Phi-3's q‖k‖v and gate‖up stay fused in the file and are taken apart in place.
    public init(gguf: GGUFFile) throws {
        let source = gguf.source
        let architecture = try gguf.string("general.architecture")
        guard DecoderConfiguration.architectures.contains(architecture) else {
            throw SciDLError(
                """
                \(source) is a '\(architecture)' model; SciDL runs Llama-family decoders (general.architecture \
                \(DecoderConfiguration.architectures.joined(separator: ", ")))
                """
            )
        }
        let key = { (name: String) in "\(architecture).\(name)" }
        let width = try gguf.integer(key("embedding_length"))
        let heads = try gguf.integer(key("attention.head_count"))
        let kvHeads = gguf.metadata[key("attention.head_count_kv")]?.integer ?? heads
        guard heads > 0, width % heads == 0 || gguf.metadata[key("attention.key_length")] != nil else {
            throw SciDLError("\(source): embedding_length \(width) is not divisible by \(heads) heads (corrupt file)")
        }
        let headSize = gguf.metadata[key("attention.key_length")]?.integer ?? width / heads
        let embedding = try gguf.matrix("token_embd.weight")
        let rotaryDimensions = gguf.metadata[key("rope.dimension_count")]?.integer ?? headSize
        // llama.cpp's converter permutes Llama's query/key rows to adjacent pairs; the other families' are left in
        // halves (llama.cpp's NeoX rotation).
        let isGemma = architecture.hasPrefix("gemma")
        let pairing: RotaryEmbedding.Pairing = ["llama", "mistral"].contains(architecture) ? .adjacentPairs : .halves
        var factors: [Float]?
        if gguf.tensors["rope_freqs.weight"] != nil {
            factors = try gguf.floats("rope_freqs.weight")
            guard factors!.count == rotaryDimensions / 2 else {
                throw SciDLError(
                    "\(source): rope_freqs.weight has \(factors!.count) factors for \(rotaryDimensions / 2) frequencies"
                )
            }
        }
        // Linear RoPE scaling (positions divided by the factor) on the global blocks.
        if factors == nil, gguf.metadata[key("rope.scaling.type")]?.string == "linear",
            let factor = gguf.metadata[key("rope.scaling.factor")]?.number, factor > 0, factor != 1
        {
            factors = [Float](repeating: Float(factor), count: rotaryDimensions / 2)
        }
        var configuration = DecoderConfiguration(
            architecture: architecture,
            blockCount: try gguf.integer(key("block_count")),
            width: width,
            mlpWidth: try gguf.integer(key("feed_forward_length")),
            headCount: heads, keyValueHeadCount: kvHeads, headSize: headSize,
            normEpsilon: Float(try gguf.number(key("attention.layer_norm_rms_epsilon"))),
            rotary: RotaryEmbedding(
                base: Float(gguf.metadata[key("rope.freq_base")]?.number ?? 10_000),
                dimensions: rotaryDimensions, pairing: pairing, frequencyFactors: factors),
            contextLength: gguf.metadata[key("context_length")]?.integer ?? 4096,
            vocabularySize: embedding.rows)
        if isGemma {
            configuration.embeddingScale = Float(width).squareRoot()
            configuration.mlpGate = .tanhGELU
            configuration.attentionSoftCap = gguf.metadata[key("attn_logit_softcapping")]?.number.map(Float.init)
            configuration.finalLogitSoftCap = gguf.metadata[key("final_logit_softcapping")]?.number.map(Float.init)
            if let window = gguf.metadata[key("attention.sliding_window")]?.integer {
                // Gemma 2 alternates sliding-window and global blocks; Gemma 3 has five sliding-window blocks,
                // then a global one (llama.cpp's swa patterns 2 and 6).
                let pattern =
                    gguf.metadata[key("attention.sliding_window_pattern")]?.integer
                    ?? (architecture == "gemma2" ? 2 : 6)
                configuration.attentionWindows = (0..<configuration.blockCount).map {
                    $0 % pattern < pattern - 1 ? window : nil
                }
                if architecture == "gemma3" {
                    configuration.localRotary = RotaryEmbedding(
                        base: Float(gguf.metadata[key("rope.freq_base_swa")]?.number ?? 10_000),
                        dimensions: rotaryDimensions, pairing: pairing)
                }
            }
            // Gemma 2 27B scales by 1/√(width/heads), not 1/√headSize (llama.cpp's rule; the file does not say).
            if architecture == "gemma2", configuration.blockCount == 46 {
                configuration.attentionScale = 1 / Float(width / heads).squareRoot()
            }
        }
        if architecture == "phi3", let window = gguf.metadata[key("attention.sliding_window")]?.integer, window > 0 {
            configuration.attentionWindows = [Int?](repeating: window, count: configuration.blockCount)
        }
        if let scale = gguf.metadata[key("attention.scale")]?.number, scale > 0 {
            configuration.attentionScale = Float(scale)
        }
        try configuration.validate(source)
        // Every block the file holds must be one the metadata counts: a smaller count would silently drop
        // layers.
        let held = Set(
            gguf.tensors.keys.compactMap { name -> Int? in
                guard name.hasPrefix("blk.") else { return nil }
                return Int(name.dropFirst(4).prefix { $0.isNumber })
            })
        if let beyond = held.filter({ $0 >= configuration.blockCount }).max() {
            throw SciDLError(
                """
                \(source): \(key("block_count")) is \(configuration.blockCount) but the file holds tensors of \
                block \(beyond) (\(held.count) blocks in all): corrupt metadata
                """)
        }
        let blocks = try (0..<configuration.blockCount).map { i -> Block in
            let p = "blk.\(i)."
            /// An optional vector (a bias or a norm's weight), nil when the file has none.
            func optional(_ name: String) throws -> [Float]? {
                gguf.tensors[p + name] == nil ? nil : try gguf.floats(p + name)
            }
            // Phi-3's fused matrices: q‖k‖v, and gate‖up in one ffn_up of twice the MLP's width.
            let c = configuration
            let (q, kv, f) = (c.headCount * c.headSize, c.keyValueHeadCount * c.headSize, c.mlpWidth)
            let fusedQKV = gguf.tensors[p + "attn_qkv.weight"] == nil ? nil : try gguf.matrix(p + "attn_qkv.weight")
            if let fusedQKV, fusedQKV.rows != q + 2 * kv {
                throw SciDLError("\(source): \(p)attn_qkv.weight has \(fusedQKV.rows) rows, not \(q + 2 * kv)")
            }
            let up = try gguf.matrix(p + "ffn_up.weight")
            let fusedGateUp = gguf.tensors[p + "ffn_gate.weight"] == nil && up.rows == 2 * f
            return Block(
                attentionNorm: try gguf.floats(p + "attn_norm.weight"),
                query: try fusedQKV?.rows(0..<q) ?? gguf.matrix(p + "attn_q.weight"),
                key: try fusedQKV?.rows(q..<(q + kv)) ?? gguf.matrix(p + "attn_k.weight"),
                value: try fusedQKV?.rows((q + kv)..<(q + 2 * kv)) ?? gguf.matrix(p + "attn_v.weight"),
                output: try gguf.matrix(p + "attn_output.weight"),
                queryBias: try optional("attn_q.bias"), keyBias: try optional("attn_k.bias"),
                valueBias: try optional("attn_v.bias"),
                mlpNorm: try gguf.floats(p + "ffn_norm.weight"),
                gate: fusedGateUp ? up.rows(0..<f) : try gguf.matrix(p + "ffn_gate.weight"),
                up: fusedGateUp ? up.rows(f..<(2 * f)) : up,
                down: try gguf.matrix(p + "ffn_down.weight"),
                queryNorm: try optional("attn_q_norm.weight"), keyNorm: try optional("attn_k_norm.weight"),
                postAttentionNorm: try optional("post_attention_norm.weight"),
                postMLPNorm: try optional("post_ffw_norm.weight")
            )
        }
        try self.init(
            configuration: configuration, embedding: embedding, blocks: blocks,
            finalNorm: try gguf.floats("output_norm.weight"),
            unembedding: gguf.tensors["output.weight"] == nil ? nil : try gguf.matrix("output.weight"),
            source: source)
    }

    /// The names of every tensor a GGUF decoder of `blockCount` blocks may read (optional ones included).
    public static func ggufTensorNames(blockCount: Int) -> Set<String> {
        var names: Set<String> = ["token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight"]
        for i in 0..<blockCount {
            for part in [
                "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                "attn_q.bias", "attn_k.bias", "attn_v.bias", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight",
                "ffn_down.weight", "attn_qkv.weight", "attn_q_norm.weight", "attn_k_norm.weight",
                "post_attention_norm.weight",
                "post_ffw_norm.weight",
            ] {
                names.insert("blk.\(i).\(part)")
            }
        }
        return names
    }
}
