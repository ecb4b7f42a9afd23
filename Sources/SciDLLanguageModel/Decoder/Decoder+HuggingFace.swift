import Foundation
import SciDLSupport
import SciDLTensor

extension Decoder {
    /// Reads a Hugging Face `LlamaForCausalLM`, `MistralForCausalLM` or `Qwen2ForCausalLM` folder:
    /// `config.json` and `model.safetensors`, or shards listed in `model.safetensors.index.json`.
    public init(huggingFaceFolder folder: URL) throws {
        try self.init(huggingFaceFolder: folder, weights: SafetensorsShards(folder: folder))
    }

    init(huggingFaceFolder folder: URL, weights: SafetensorsShards) throws {
        let configURL = folder.appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: configURL) else {
            throw SciDLError("\(folder.path) has no readable config.json (a Hugging Face model folder needs one)")
        }
        try self.init(huggingFaceConfig: data, source: configURL.path, weights: weights)
    }

    /// The decoder a `config.json` (its bytes, read from `source`) describes, with its weights from `weights`.
    public init(huggingFaceConfig data: Data, source: String, weights: SafetensorsShards) throws {
        guard let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SciDLError("\(source) is not a JSON object (a Hugging Face model's config.json is one)")
        }
        let architecture = config["model_type"] as? String ?? "?"
        guard DecoderConfiguration.architectures.contains(architecture) else {
            throw SciDLError(
                """
                \(source): model_type '\(architecture)' is not a Llama-family decoder SciDL runs \
                (\(DecoderConfiguration.architectures.joined(separator: ", ")), or bert)
                """
            )
        }
        func integer(_ key: String) throws -> Int {
            guard let v = config[key] as? Int else { throw SciDLError("\(source) lacks the integer \(key)") }
            return v
        }
        let width = try integer("hidden_size")
        let heads = try integer("num_attention_heads")
        let headSize = config["head_dim"] as? Int ?? width / max(heads, 1)
        let rope = (config["rope_parameters"] as? [String: Any]) ?? (config["rope_scaling"] as? [String: Any]) ?? [:]
        let base = (rope["rope_theta"] as? Double) ?? (config["rope_theta"] as? Double) ?? 10_000
        let embedding = try weights.matrix("model.embed_tokens.weight")
        var rotary = RotaryEmbedding(base: Float(base), dimensions: headSize, pairing: .halves)
        rotary.frequencyFactors = try Self.ropeScaling(rope, rotary: rotary, source: source)
        let configuration = DecoderConfiguration(
            architecture: architecture, blockCount: try integer("num_hidden_layers"), width: width,
            mlpWidth: try integer("intermediate_size"), headCount: heads,
            keyValueHeadCount: config["num_key_value_heads"] as? Int ?? heads, headSize: headSize,
            normEpsilon: Float(config["rms_norm_eps"] as? Double ?? 1e-6), rotary: rotary,
            contextLength: config["max_position_embeddings"] as? Int ?? 4096, vocabularySize: embedding.rows)
        try configuration.validate(source)
        let blocks = try (0..<configuration.blockCount).map { i -> Block in
            let p = "model.layers.\(i)."
            func bias(_ name: String) throws -> [Float]? {
                weights.has(p + name) ? try weights.matrix(p + name).dequantized() : nil
            }
            return Block(
                attentionNorm: try weights.matrix(p + "input_layernorm.weight").dequantized(),
                query: try weights.matrix(p + "self_attn.q_proj.weight"),
                key: try weights.matrix(p + "self_attn.k_proj.weight"),
                value: try weights.matrix(p + "self_attn.v_proj.weight"),
                output: try weights.matrix(p + "self_attn.o_proj.weight"),
                queryBias: try bias("self_attn.q_proj.bias"), keyBias: try bias("self_attn.k_proj.bias"),
                valueBias: try bias("self_attn.v_proj.bias"),
                mlpNorm: try weights.matrix(p + "post_attention_layernorm.weight").dequantized(),
                gate: try weights.matrix(p + "mlp.gate_proj.weight"), up: try weights.matrix(p + "mlp.up_proj.weight"),
                down: try weights.matrix(p + "mlp.down_proj.weight"))
        }
        let tied = config["tie_word_embeddings"] as? Bool ?? false
        try self.init(
            configuration: configuration, embedding: embedding, blocks: blocks,
            finalNorm: try weights.matrix("model.norm.weight").dequantized(),
            unembedding: weights.has("lm_head.weight") && !tied ? try weights.matrix("lm_head.weight") : nil,
            source: source)
    }

    /// Llama 3.1's frequency scaling (`rope_type: llama3`) as per-frequency divisors; nil for none.
    static func ropeScaling(_ rope: [String: Any], rotary: RotaryEmbedding, source: String) throws -> [Float]? {
        let type = rope["rope_type"] as? String ?? rope["type"] as? String ?? "default"
        switch type {
        case "default": return nil
        case "llama3":
            guard let factor = rope["factor"] as? Double, let low = rope["low_freq_factor"] as? Double,
                let high = rope["high_freq_factor"] as? Double,
                let original = rope["original_max_position_embeddings"] as? Int
            else {
                throw SciDLError(
                    """
                    \(source): llama3 rope scaling lacks factor, low/high_freq_factor or \
                    original_max_position_embeddings
                    """
                )
            }
            let lowWavelength = Double(original) / low
            let highWavelength = Double(original) / high
            return (0..<(rotary.dimensions / 2)).map { i in
                let frequency = 1 / pow(Double(rotary.base), Double(2 * i) / Double(rotary.dimensions))
                let wavelength = 2 * Double.pi / frequency
                if wavelength < highWavelength { return 1 }
                if wavelength > lowWavelength { return Float(factor) }
                let smooth = (Double(original) / wavelength - low) / (high - low)
                return Float(frequency / ((1 - smooth) * frequency / factor + smooth * frequency))
            }
        default:
            throw SciDLError("\(source): rope scaling '\(type)' is not supported (SciDL applies default and llama3)")
        }
    }
}
