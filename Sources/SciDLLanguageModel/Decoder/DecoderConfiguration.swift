import SciDLSupport
import SciDLTensor

/// The hyper-parameters of a Llama-family decoder (Llama 2/3, Mistral, SmolLM, TinyLlama, Qwen2).
public struct DecoderConfiguration: Sendable, Equatable {
    /// `llama` or `qwen2` (GGUF's `general.architecture`, or Hugging Face's `model_type`).
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
    public static let architectures = ["llama", "qwen2", "mistral"]

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
    }
}
