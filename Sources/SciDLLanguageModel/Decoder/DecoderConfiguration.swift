import SciDLSupport
import SciDLTensor

/// The hyper-parameters of a pre-norm decoder: the Llama family (Llama 2/3, Mistral, SmolLM, TinyLlama, Qwen2 and 3),
/// Gemma 2 and 3 and Phi-3, whose differences are settings here (all defaulting to Llama's).
public struct DecoderConfiguration: Sendable, Equatable {
    /// The gated MLP's nonlinearity.
    public enum MLPGate: String, Sendable, Equatable {
        /// SwiGLU: silu(gate) ⊙ up (Llama, Qwen).
        case silu
        /// GeGLU with GELU's tanh approximation: gelu_tanh(gate) ⊙ up (Gemma).
        case tanhGELU
    }

    /// `llama`, `mistral`, `qwen2`, `qwen3`, `gemma2`, `gemma3` (`gemma3_text` from Hugging Face) or `phi3` (GGUF's
    /// `general.architecture`, or Hugging Face's `model_type`).
    public var architecture: String
    public var blockCount: Int
    /// d_model.
    public var width: Int
    /// The SwiGLU MLP's inner width.
    public var mlpWidth: Int
    public var headCount: Int
    /// Key/value heads (grouped-query attention when fewer than `headCount`).
    public var keyValueHeadCount: Int
    public var headSize: Int
    public var normEpsilon: Float
    public var rotary: RotaryEmbedding
    /// The longest context the model was trained for; longer texts keep their end.
    public var contextLength: Int
    public var vocabularySize: Int
    /// What the token embeddings are multiplied by (Gemma: √width; 1 for Llama).
    public var embeddingScale: Float = 1
    public var mlpGate = MLPGate.silu
    /// The attention scores' scale; nil: 1/√headSize (Gemma sets it from `query_pre_attn_scalar`).
    public var attentionScale: Float?
    /// Attention scores soft-capped to cap · tanh(s / cap) before the softmax (Gemma 2); nil: none.
    public var attentionSoftCap: Float?
    /// Next-token logits soft-capped the same way (Gemma 2); nil: none.
    public var finalLogitSoftCap: Float?
    /// Per block, the sliding window of its attention — a token sees itself and the `window − 1` tokens before it —
    /// or nil for attention over the whole context. Empty: every block global.
    public var attentionWindows: [Int?] = []
    /// The RoPE of the windowed blocks where it differs from `rotary` (Gemma 3: base 10,000 locally, 10⁶ globally).
    public var localRotary: RotaryEmbedding?

    public init(
        architecture: String, blockCount: Int, width: Int, mlpWidth: Int, headCount: Int,
        keyValueHeadCount: Int, headSize: Int, normEpsilon: Float, rotary: RotaryEmbedding,
        contextLength: Int, vocabularySize: Int
    ) {
        self.architecture = architecture
        self.blockCount = blockCount
        self.width = width
        self.mlpWidth = mlpWidth
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headSize = headSize
        self.normEpsilon = normEpsilon
        self.rotary = rotary
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Architectures whose blocks `Decoder` computes.
    public static let architectures = ["llama", "qwen2", "mistral", "qwen3", "gemma2", "gemma3", "phi3"]

    /// Block i's attention window (nil: global).
    func window(ofBlock i: Int) -> Int? { attentionWindows.isEmpty ? nil : attentionWindows[i] }

    /// Block i's RoPE: the local one on windowed blocks, where there is one.
    func rotary(ofBlock i: Int) -> RotaryEmbedding { window(ofBlock: i) == nil ? rotary : localRotary ?? rotary }

    /// The scale of attention scores.
    var scoreScale: Float { attentionScale ?? 1 / Float(headSize).squareRoot() }

    /// Rejects shapes no model has, naming `source`.
    func validate(_ source: String) throws {
        func bad(_ what: String) -> SciDLError { SciDLError("\(source): \(what) (corrupt or unsupported model)") }
        guard blockCount > 0, blockCount <= 1000 else { throw bad("\(blockCount) blocks") }
        guard width > 0, mlpWidth > 0, headCount > 0, keyValueHeadCount > 0, headSize > 0 else {
            throw bad(
                """
                width \(width), MLP width \(mlpWidth), \(headCount) heads of \(headSize), \(keyValueHeadCount) \
                key/value heads
                """
            )
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw bad("\(headCount) query heads are not a multiple of \(keyValueHeadCount) key/value heads")
        }
        guard rotary.dimensions > 0, rotary.dimensions <= headSize, rotary.dimensions % 2 == 0 else {
            throw bad("RoPE over \(rotary.dimensions) of \(headSize) head dimensions")
        }
        guard contextLength > 0, vocabularySize > 0 else {
            throw bad("context of \(contextLength) tokens, \(vocabularySize) tokens in the vocabulary")
        }
        guard normEpsilon.isFinite, normEpsilon >= 0, rotary.base.isFinite, rotary.base > 1 else {
            throw bad("norm epsilon \(normEpsilon), RoPE base \(rotary.base)")
        }
        if let local = localRotary {
            guard local.base.isFinite, local.base > 1, local.dimensions == rotary.dimensions else {
                throw bad("local RoPE base \(local.base) over \(local.dimensions) dimensions")
            }
        }
        guard attentionWindows.isEmpty || attentionWindows.count == blockCount,
            attentionWindows.allSatisfy({ ($0 ?? 1) > 0 })
        else { throw bad("\(attentionWindows.count) attention windows for \(blockCount) blocks") }
        let caps = [attentionSoftCap, finalLogitSoftCap, attentionScale].compactMap { $0 }
        guard embeddingScale.isFinite, embeddingScale > 0, caps.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw bad("embedding scale \(embeddingScale), soft caps or attention scale \(caps)")
        }
    }
}
