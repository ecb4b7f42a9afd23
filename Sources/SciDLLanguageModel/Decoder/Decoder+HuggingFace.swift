import Foundation
import SciDLSupport
import SciDLTensor

extension Decoder {
    /// Reads a Hugging Face `LlamaForCausalLM`, `MistralForCausalLM`, `Qwen2ForCausalLM`, `Qwen3ForCausalLM`,
    /// `Gemma2ForCausalLM`, `Gemma3ForCausalLM` or `Phi3ForCausalLM` folder: `config.json` and
    /// `model.safetensors`, or shards listed in `model.safetensors.index.json`.
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
        guard DecoderConfiguration.architectures.contains(architecture) || Self.huggingFaceOnly.contains(architecture)
        else {
            throw SciDLError(
                """
                \(source): model_type '\(architecture)' is not a Llama-family decoder SciDL runs \
                (\((DecoderConfiguration.architectures + Self.huggingFaceOnly).joined(separator: ", ")), or bert)
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
        let blockCount = try config.required(config.layers, .layers, source: source)
        var configuration = DecoderConfiguration(
            architecture: architecture, blockCount: blockCount,
            width: width, mlpWidth: try config.required(config.intermediateSize, .intermediateSize, source: source),
            headCount: heads, keyValueHeadCount: config.keyValueHeads ?? heads, headSize: headSize,
            normEpsilon: Float(config.rmsNormEpsilon ?? 1e-6), rotary: rotary,
            contextLength: config.maxPositions ?? 4096, vocabularySize: embedding.rows)
        let isGemma = architecture == "gemma2" || architecture == "gemma3_text"
        if isGemma {
            configuration.embeddingScale = Float(Double(width).squareRoot())
            guard (config.activation ?? "gelu_pytorch_tanh").hasPrefix("gelu") else {
                throw SciDLError(
                    "\(source): a Gemma MLP with '\(config.activation!)' (SciDL computes GELU's tanh form)")
            }
            configuration.mlpGate = .tanhGELU
            configuration.attentionScale = config.queryPreAttentionScalar.map { Float(pow($0, -0.5)) }
            configuration.attentionSoftCap = config.attentionSoftCap.map(Float.init)
            configuration.finalLogitSoftCap = config.finalLogitSoftCap.map(Float.init)
        }
        configuration.attentionWindows = Self.attentionWindows(config, architecture: architecture, blocks: blockCount)
        if architecture == "gemma3_text" {
            let local = config.ropeByLayerType?["sliding_attention"]?.theta ?? config.ropeLocalBase ?? 10_000
            configuration.localRotary = RotaryEmbedding(base: Float(local), dimensions: headSize, pairing: .halves)
        }
        try configuration.validate(source)
        let q = configuration.headCount * headSize
        let kv = configuration.keyValueHeadCount * headSize
        let f = configuration.mlpWidth
        let blocks = try (0..<configuration.blockCount).map { i -> Block in
            let p = "model.layers.\(i)."
            func optional(_ name: String) throws -> [Float]? {
                weights.has(p + name) ? try weights.matrix(p + name).dequantized() : nil
            }
            // Gemma's RMSNorm multiplies by 1 + w (in float32, as transformers does).
            func norm(_ name: String) throws -> [Float]? {
                try optional(name).map { w in isGemma ? w.map { 1 + $0 } : w }
            }
            func required(_ name: String) throws -> [Float] { try weights.matrix(p + name).dequantized() }
            // Phi-3 stores q‖k‖v and gate‖up fused; their rows are taken apart in place.
            let fusedQKV =
                weights.has(p + "self_attn.qkv_proj.weight") ? try weights.matrix(p + "self_attn.qkv_proj.weight") : nil
            let fusedGateUp =
                weights.has(p + "mlp.gate_up_proj.weight") ? try weights.matrix(p + "mlp.gate_up_proj.weight") : nil
            if let fusedQKV, fusedQKV.rows != q + 2 * kv {
                throw SciDLError("\(source): block \(i)'s qkv_proj has \(fusedQKV.rows) rows, not \(q + 2 * kv)")
            }
            if let fusedGateUp, fusedGateUp.rows != 2 * f {
                throw SciDLError("\(source): block \(i)'s gate_up_proj has \(fusedGateUp.rows) rows, not \(2 * f)")
            }
            var block = Block(
                attentionNorm: try norm("input_layernorm.weight") ?? required("input_layernorm.weight"),
                query: try fusedQKV?.rows(0..<q) ?? weights.matrix(p + "self_attn.q_proj.weight"),
                key: try fusedQKV?.rows(q..<(q + kv)) ?? weights.matrix(p + "self_attn.k_proj.weight"),
                value: try fusedQKV?.rows((q + kv)..<(q + 2 * kv)) ?? weights.matrix(p + "self_attn.v_proj.weight"),
                output: try weights.matrix(p + "self_attn.o_proj.weight"),
                queryBias: try optional("self_attn.q_proj.bias"), keyBias: try optional("self_attn.k_proj.bias"),
                valueBias: try optional("self_attn.v_proj.bias"),
                mlpNorm: try norm("post_attention_layernorm.weight") ?? required("post_attention_layernorm.weight"),
                gate: try fusedGateUp?.rows(0..<f) ?? weights.matrix(p + "mlp.gate_proj.weight"),
                up: try fusedGateUp?.rows(f..<(2 * f)) ?? weights.matrix(p + "mlp.up_proj.weight"),
                down: try weights.matrix(p + "mlp.down_proj.weight"),
                queryNorm: try norm("self_attn.q_norm.weight"), keyNorm: try norm("self_attn.k_norm.weight"))
            if isGemma {
                // Gemma's post_attention_layernorm normalises the attention's output; its MLP's input norm is
                // pre_feedforward_layernorm.
                block.postAttentionNorm = block.mlpNorm
                block.mlpNorm =
                    try norm("pre_feedforward_layernorm.weight") ?? required("pre_feedforward_layernorm.weight")
                block.postMLPNorm = try norm("post_feedforward_layernorm.weight")
            }
            return block
        }
        let tied = config.tiedEmbeddings ?? isGemma
        let finalNorm = try weights.matrix("model.norm.weight").dequantized()
        try self.init(
            configuration: configuration, embedding: embedding, blocks: blocks,
            finalNorm: isGemma ? finalNorm.map { 1 + $0 } : finalNorm,
            unembedding: weights.has("lm_head.weight") && !tied ? try weights.matrix("lm_head.weight") : nil,
            source: source)
    }

    /// Hugging Face's names for architectures GGUF names otherwise (`gemma3_text` is GGUF's `gemma3`).
    static let huggingFaceOnly = ["gemma3_text"]

    /// Each block's sliding window (nil: global): `layer_types` where the config lists them; otherwise Gemma 2
    /// alternates (even blocks windowed), Gemma 3 windows five of every six (`sliding_window_pattern`), and
    /// Mistral and Phi-3 window every block when `sliding_window` is set. Empty: all global.
    static func attentionWindows(_ config: HuggingFaceDecoderConfig, architecture: String, blocks: Int) -> [Int?] {
        guard let window = config.slidingWindow, window > 0 else { return [] }
        if let types = config.layerTypes, types.count == blocks {
            return types.map { $0 == "sliding_attention" ? window : nil }
        }
        switch architecture {
        case "gemma2": return (0..<blocks).map { $0 % 2 == 0 ? window : nil }
        case "gemma3_text":
            let pattern = config.slidingWindowPattern ?? 6
            return (0..<blocks).map { ($0 + 1) % pattern != 0 ? window : nil }
        case "mistral", "phi3": return [Int?](repeating: window, count: blocks)
        default: return []
        }
    }

    /// Llama 3.1's frequency scaling (`rope_type: llama3`) as per-frequency divisors; nil for none.
    static func ropeScaling(
        _ rope: HuggingFaceDecoderConfig.RopeParameters, rotary: RotaryEmbedding, source: String
    ) throws -> [Float]? {
        let type = rope.type ?? "default"
        switch type {
        case "default": return nil
        case "linear":
            guard let factor = rope.factor, factor > 0 else {
                throw SciDLError("\(source): linear rope scaling lacks a positive factor")
            }
            return [Float](repeating: Float(factor), count: rotary.dimensions / 2)
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
            throw SciDLError(
                "\(source): rope scaling '\(type)' is not supported (SciDL applies default, linear and llama3)")
        }
    }
}
