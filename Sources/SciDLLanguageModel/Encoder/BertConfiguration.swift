import Foundation
import SciDLSupport
import SciDLTensor

/// The fields of a Hugging Face BERT `config.json` that the encoder needs.
public struct BertConfiguration: Codable, Sendable, Equatable {
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var vocabularySize: Int
    public var layerNormEpsilon: Float
    public var hiddenActivation: HiddenActivation

    /// The MLP's nonlinearity, as `hidden_act` names it.
    public enum HiddenActivation: String, Codable, Sendable, CaseIterable {
        /// x·Φ(x), with the exact normal CDF.
        case gelu
        /// GELU's tanh approximation, under either of its two names.
        case geluTanh = "gelu_new", geluPyTorchTanh = "gelu_pytorch_tanh"
        case relu
    }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case maxPositions = "max_position_embeddings"
        case vocabularySize = "vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
        case hiddenActivation = "hidden_act"
    }

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// Reads and checks `config.json`.
    public init(contentsOf url: URL) throws {
        guard let data = try? Data(contentsOf: url) else {
            throw SciDLError("cannot read \(url.path): a Hugging Face model folder needs its config.json")
        }
        try self.init(json: data, source: url.path)
    }

    /// Parses and checks the contents of a `config.json`; `source` names it in errors.
    public init(json data: Data, source: String) throws {
        let url = URL(fileURLWithPath: source)
        do { self = try JSONDecoder().decode(Self.self, from: data) } catch {
            if case DecodingError.dataCorrupted(let context) = error,
                context.codingPath.last?.stringValue == CodingKeys.hiddenActivation.rawValue
            {
                let known = HiddenActivation.allCases.map(\.rawValue).joined(separator: ", ")
                throw SciDLError("\(url.path): hidden_act is not one SciDL supports (\(known) are)")
            }
            throw SciDLError("\(url.path) is not a BERT config: \(Self.describe(error))")
        }
        guard hiddenSize > 0, headCount > 0, hiddenSize % headCount == 0, layerCount > 0, intermediateSize > 0 else {
            throw SciDLError(
                "\(url.path): hidden_size \(hiddenSize) must be a positive multiple of num_attention_heads \(headCount)"
            )
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "it lacks \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "\"\(c.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        default: return "it is not valid JSON"
        }
    }
}
