import Foundation
import SciDLSupport
import SciDLTensor

/// A BERT encoder and its WordPiece tokenizer, from a model folder as Hugging Face saves it: `config.json`,
/// `vocab.txt`, `model.safetensors`.
public struct BertModel: LanguageModel {
    public let folder: URL
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    /// A short name for metadata and reports (the folder's package or directory name).
    public var name: String
    public var identity: String { ModelCatalog.fileIdentity(folder.appendingPathComponent("model.safetensors")) }
    public var blockCount: Int { encoder.configuration.layerCount }
    public var width: Int { encoder.configuration.hiddenSize }
    public var maxTokens: Int { encoder.configuration.maxPositions }
    /// Mean pooling: a sentence encoder is trained for it, and [CLS]/[SEP] carry little else.
    public var defaultPosition: TokenPosition { .mean }

    /// Loads the model in `folder`, explaining any missing or malformed file.
    public init(folder: URL) throws {
        self.folder = folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw SciDLError(
                """
                    model folder \(folder.path) does not exist (give a Hugging Face BERT folder with config.json, \
                    vocab.txt, model.safetensors)
                    """
            )
        }
        for file in ["config.json", "vocab.txt", "model.safetensors"] {
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) else {
                throw SciDLError(
                    """
                        model folder \(folder.path) has no \(file) (a BERT model folder needs config.json, vocab.txt \
                        and model.safetensors)
                        """
                )
            }
        }
        let configuration = try BertConfiguration(contentsOf: folder.appendingPathComponent("config.json"))
        tokenizer = try WordPieceTokenizer(
            vocabularyFile: folder.appendingPathComponent("vocab.txt"),
            lowercases: Self.lowercases(folder))
        guard tokenizer.tokens.count <= configuration.vocabularySize else {
            throw SciDLError(
                """
                    \(folder.path): vocab.txt has \(tokenizer.tokens.count) tokens but config.json says vocab_size \
                    \(configuration.vocabularySize)
                    """
            )
        }
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        encoder = try BertEncoder(
            configuration: configuration, weights: SafetensorsFile(contentsOf: weightsURL),
            source: weightsURL.path)
        let components = folder.standardizedFileURL.pathComponents
        name =
            components.last == "model" && components.count > 1
            ? components[components.count - 2] : (components.last ?? "model")
    }

    /// Uncased unless `tokenizer_config.json` says `do_lower_case: false`.
    static func lowercases(_ folder: URL) -> Bool {
        struct TokenizerConfig: Decodable {
            var lowercases: Bool?
            enum CodingKeys: String, CodingKey { case lowercases = "do_lower_case" }
            init(from decoder: any Swift.Decoder) throws {
                lowercases = try decoder.container(keyedBy: CodingKeys.self).lenient(Bool.self, .lowercases)
            }
        }
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json")),
            let lower = (try? JSONDecoder().decode(TokenizerConfig.self, from: data))?.lowercases
        else { return true }
        return lower
    }
}

extension BertModel {
    public func tokenize(_ text: String, limit: Int) -> (ids: [Int], truncated: Bool) {
        tokenizer.encodeCounting(text, maxLength: min(limit, maxTokens))
    }

    public func piece(_ id: Int) -> String { tokenizer.tokens.indices.contains(id) ? tokenizer.tokens[id] : "?" }

    public var summary: [(String, String)] {
        let c = encoder.configuration
        return [
            ("model", name), ("kind", "BERT encoder (\(folder.path))"), ("blocks", "\(c.layerCount)"),
            ("width", "\(c.hiddenSize)"), ("heads", "\(c.headCount)"), ("MLP width", "\(c.intermediateSize)"),
            ("context", "\(c.maxPositions) tokens"), ("vocabulary", "\(tokenizer.tokens.count) WordPiece tokens"),
        ]
    }

    /// Sites: `hook_embed` (after the embedding LayerNorm) and `blocks.{i}.hook_resid_post` (block outputs).
    /// Every row is computed: in an encoder each token's state depends on the whole text.
    public func forward(
        _ sequences: [[Int]], sites: Set<ActivationSite>, rows: [Int]?,
        visit: (ActivationSite, Tensor) -> Void
    ) {
        let last = sites.compactMap(\.layer).max() ?? 0
        encoder.forward(sequences, through: last) { layer, states in
            let site = ActivationSite(layer: layer)
            if sites.contains(site) { visit(site, rows.map { states.gatherRows($0) } ?? states) }
        }
    }
}
