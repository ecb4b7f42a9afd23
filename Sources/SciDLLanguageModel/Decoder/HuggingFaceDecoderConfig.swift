import Foundation
import SciDLSupport

/// The fields of a Hugging Face decoder's `config.json` (Llama, Mistral, Qwen2/3, Gemma 2/3, Phi-3) that SciDL
/// reads. Read leniently,
/// as transformers does: a field that is absent, null or of another type counts as absent, and the decoder's
/// own checks say which required one is missing.
struct HuggingFaceDecoderConfig: Decodable {
    /// `llama`, `mistral`, `qwen2`, `qwen3`, `gemma2`, `gemma3_text`, `phi3`.
    var modelType: String?
    /// The shape: widths and counts (`head_dim` only where it is not the width over the heads).
    var hiddenSize, attentionHeads, headSize, layers, intermediateSize, keyValueHeads, maxPositions: Int?
    var rmsNormEpsilon, ropeTheta: Double?
    var tiedEmbeddings: Bool?
    /// `rope_parameters` (newer transformers) or `rope_scaling`.
    var rope: RopeParameters?
    /// Newer transformers' `rope_parameters` per layer type (Gemma 3: `full_attention`, `sliding_attention`).
    var ropeByLayerType: [String: RopeParameters]?
    /// Gemma's attention scale is `query_pre_attn_scalar`^−½.
    var queryPreAttentionScalar: Double?
    /// The sliding window, and which blocks use it: `layer_types` (`sliding_attention`/`full_attention`) or
    /// Gemma 3's older `sliding_window_pattern`.
    var slidingWindow, slidingWindowPattern: Int?
    var layerTypes: [String]?
    /// Gemma 3's RoPE base on its sliding-window blocks (older configs).
    var ropeLocalBase: Double?
    /// Gemma 2's soft caps.
    var attentionSoftCap, finalLogitSoftCap: Double?
    /// The MLP's activation (`hidden_activation`, or `hidden_act`).
    var activation: String?

    /// RoPE's base and its frequency scaling.
    struct RopeParameters: Decodable {
        /// `default` or `llama3` (`rope_type`, or `type` in older files).
        var type: String?
        var theta: Double?
        /// Llama 3.1's scaling: `factor`, `low_freq_factor`, `high_freq_factor`.
        var factor, lowFrequencyFactor, highFrequencyFactor: Double?
        var originalMaxPositions: Int?

        enum CodingKeys: String, CodingKey {
            case ropeType = "rope_type"
            case type
            case theta = "rope_theta"
            case factor
            case lowFrequencyFactor = "low_freq_factor"
            case highFrequencyFactor = "high_freq_factor"
            case originalMaxPositions = "original_max_position_embeddings"
        }

        init(from decoder: any Swift.Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = c.lenient(String.self, .ropeType) ?? c.lenient(String.self, .type)
            theta = c.lenient(Double.self, .theta)
            factor = c.lenient(Double.self, .factor)
            lowFrequencyFactor = c.lenient(Double.self, .lowFrequencyFactor)
            highFrequencyFactor = c.lenient(Double.self, .highFrequencyFactor)
            originalMaxPositions = c.lenient(Int.self, .originalMaxPositions)
        }
    }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case hiddenSize = "hidden_size"
        case attentionHeads = "num_attention_heads"
        case headSize = "head_dim"
        case layers = "num_hidden_layers"
        case intermediateSize = "intermediate_size"
        case keyValueHeads = "num_key_value_heads"
        case rmsNormEpsilon = "rms_norm_eps"
        case maxPositions = "max_position_embeddings"
        case tiedEmbeddings = "tie_word_embeddings"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case queryPreAttentionScalar = "query_pre_attn_scalar"
        case slidingWindow = "sliding_window"
        case slidingWindowPattern = "sliding_window_pattern"
        case layerTypes = "layer_types"
        case ropeLocalBase = "rope_local_base_freq"
        case attentionSoftCap = "attn_logit_softcapping"
        case finalLogitSoftCap = "final_logit_softcapping"
        case hiddenActivation = "hidden_activation"
        case hiddenAct = "hidden_act"
    }

    init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = c.lenient(String.self, .modelType)
        hiddenSize = c.lenient(Int.self, .hiddenSize)
        attentionHeads = c.lenient(Int.self, .attentionHeads)
        headSize = c.lenient(Int.self, .headSize)
        layers = c.lenient(Int.self, .layers)
        intermediateSize = c.lenient(Int.self, .intermediateSize)
        keyValueHeads = c.lenient(Int.self, .keyValueHeads)
        rmsNormEpsilon = c.lenient(Double.self, .rmsNormEpsilon)
        maxPositions = c.lenient(Int.self, .maxPositions)
        tiedEmbeddings = c.lenient(Bool.self, .tiedEmbeddings)
        ropeTheta = c.lenient(Double.self, .ropeTheta)
        ropeByLayerType = c.lenient([String: RopeParameters].self, .ropeParameters)
        rope =
            ropeByLayerType?["full_attention"] ?? c.lenient(RopeParameters.self, .ropeParameters)
            ?? c.lenient(RopeParameters.self, .ropeScaling)
        queryPreAttentionScalar = c.lenient(Double.self, .queryPreAttentionScalar)
        slidingWindow = c.lenient(Int.self, .slidingWindow)
        slidingWindowPattern = c.lenient(Int.self, .slidingWindowPattern)
        layerTypes = c.lenient([String].self, .layerTypes)
        ropeLocalBase = c.lenient(Double.self, .ropeLocalBase)
        attentionSoftCap = c.lenient(Double.self, .attentionSoftCap)
        finalLogitSoftCap = c.lenient(Double.self, .finalLogitSoftCap)
        activation = c.lenient(String.self, .hiddenActivation) ?? c.lenient(String.self, .hiddenAct)
    }

    /// `config.json`'s bytes, read from `source`.
    init(json data: Data, source: String) throws {
        guard let config = try? JSONDecoder().decode(Self.self, from: data) else {
            throw SciDLError("\(source) is not a JSON object (a Hugging Face model's config.json is one)")
        }
        self = config
    }

    /// A required integer, or a line naming it.
    func required(_ value: Int?, _ key: CodingKeys, source: String) throws -> Int {
        guard let value else { throw SciDLError("\(source) lacks the integer \(key.rawValue)") }
        return value
    }
}
