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
        let config = try HuggingFaceDecoderConfig(json: data, source: source)
        let architecture = config.modelType ?? "?"
        guard DecoderConfiguration.architectures.contains(architecture) else {
            throw SciDLError(
                """
                \(source): model_type '\(architecture)' is not a Llama-family decoder SciDL runs \
                (\(DecoderConfiguration.architectures.joined(separator: ", ")), or bert)
                """
            )
        }
        let width = try config.required(config.hiddenSize, .hiddenSize, source: source)
        let heads = try config.required(config.attentionHeads, .attentionHeads, source: source)
        let headSize = config.headSize ?? width / max(heads, 1)
        let base = config.rope?.theta ?? config.ropeTheta ?? 10_000
        let embedding = try weights.matrix("model.embed_tokens.weight")
        var rotary = RotaryEmbedding(base: Float(base), dimensions: headSize, pairing: .halves)
        rotary.frequencyFactors = try config.rope.flatMap { try Self.ropeScaling($0, rotary: rotary, source: source) }
        let configuration = DecoderConfiguration(
            architecture: architecture, blockCount: try config.required(config.layers, .layers, source: source),
            width: width, mlpWidth: try config.required(config.intermediateSize, .intermediateSize, source: source),
            headCount: heads, keyValueHeadCount: config.keyValueHeads ?? heads, headSize: headSize,
            normEpsilon: Float(config.rmsNormEpsilon ?? 1e-6), rotary: rotary,
            contextLength: config.maxPositions ?? 4096, vocabularySize: embedding.rows)
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
        let tied = config.tiedEmbeddings ?? false
        try self.init(
            configuration: configuration, embedding: embedding, blocks: blocks,
            finalNorm: try weights.matrix("model.norm.weight").dequantized(),
            unembedding: weights.has("lm_head.weight") && !tied ? try weights.matrix("lm_head.weight") : nil,
            source: source)
    }

    /// Llama 3.1's frequency scaling (`rope_type: llama3`) as per-frequency divisors; nil for none.
    static func ropeScaling(
        _ rope: HuggingFaceDecoderConfig.RopeParameters, rotary: RotaryEmbedding, source: String
    ) throws -> [Float]? {
        let type = rope.type ?? "default"
        switch type {
        case "default": return nil
        case "llama3":
            guard let factor = rope.factor, let low = rope.lowFrequencyFactor, let high = rope.highFrequencyFactor,
                let original = rope.originalMaxPositions
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
