import Foundation
import SciDLGrokking
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLSupport
import SciDLTensor

/// A reader SciDL points at files from elsewhere, fed arbitrary bytes. Each must accept the bytes or refuse
/// them with a `SciDLError` — never trap, hang or throw anything a person cannot read.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors, npy, npz, csv, jsonl, template
    /// A grokking run's `config.json`.
    case grokConfig = "grok-config"
    /// A grokking checkpoint, resumed.
    case checkpoint
    /// A cached activation file, read back.
    case activationCache = "activation-cache"
    /// BERT's `vocab.txt` and `config.json`.
    case vocabulary = "vocab"
    case bertConfig = "bert-config"
    /// A GGUF model: header, metadata, tokenizer and weight views.
    case gguf
    /// A Hugging Face decoder folder's `config.json` and `tokenizer.json`.
    case modelConfig = "model-config"
    case tokenizerJSON = "tokenizer-json"

    /// The name the reader is told its input came from (readers quote it in their messages).
    public var fileName: String {
        switch self {
        case .safetensors, .activationCache: "input.safetensors"
        case .npy: "input.npy"
        case .npz: "input.npz"
        case .csv: "input.csv"
        case .jsonl: "input.jsonl"
        case .template: "input.txt"
        case .grokConfig, .bertConfig, .modelConfig: "config.json"
        case .checkpoint: Checkpoint.fileName
        case .vocabulary: "vocab.txt"
        case .gguf: "input.gguf"
        case .tokenizerJSON: "tokenizer.json"
        }
    }

    /// The reader, ready to run on inputs: it goes as far as SciDL would go with such a file (models tokenize
    /// a text, data sets build prompts, checkpoints are restored into their model). What an input needs
    /// beside it (a model folder's weights and its other files) is read once, here, from `scratch`; every
    /// input stays in memory.
    public func reader(in scratch: URL) throws -> (Data) throws -> Void {
        let source = scratch.appendingPathComponent(fileName)
        let name = source.path
        switch self {
        case .safetensors:
            return { _ = try SafetensorsFile(data: $0, source: name) }
        case .npy:
            return {
                let array = try NumPyFile.array(from: $0, source: name)
                _ = try ActivationImport.activations(from: ["activations": array], source: name)
            }
        case .npz:
            return {
                let arrays = try NumPyFile.arrays(fromArchive: $0, source: name)
                _ = try ActivationImport.activations(from: arrays, source: name)
            }
        case .csv, .jsonl:
            return {
                let data = try LabelledDataset(text: String(decoding: $0, as: UTF8.self), file: fileName)
                _ = try data.defaultTemplate.template.contrastPairs(for: data)
            }
        case .template:
            let data = LabelledDataset(
                name: "fuzz", examples: [LabelledExample(fields: ["statement": "The sky is blue."], label: 1)],
                columns: ["statement", "label"])
            return {
                let template = try PromptTemplate(fileContents: String(decoding: $0, as: UTF8.self), name: "fuzz")
                _ = try? template.contrastPairs(for: data)
            }
        case .grokConfig:
            return { _ = try GrokConfig(json: $0, source: name) }
        case .checkpoint:
            return {
                let checkpoint = try Checkpoint(SafetensorsFile(data: $0, source: name), source: name)
                _ = try GrokRun(restoring: checkpoint, in: scratch)
            }
        case .activationCache:
            // Through the cache's own path: the file read a range at a time, then every layer's rows.
            let url = scratch.appendingPathComponent("activation-cache.safetensors")
            return {
                try $0.write(to: url)
                guard let cached = ActivationCache.entry(url, key: "fuzz", pairs: 4, layers: [0, 1]) else { return }
                for j in 0..<2 { _ = cached.activations.rows(.negative, slot: j, pairs: [3, 0]) }
            }
        case .vocabulary:
            return { _ = try WordPieceTokenizer(vocabularyText: String(decoding: $0, as: UTF8.self)).encode(Self.text) }
        case .bertConfig:
            return { _ = try BertConfiguration(json: $0, source: name) }
        case .gguf:
            return {
                _ = try DecoderModel(gguf: GGUFFile(file: MappedFile(copying: $0, as: source))).tokenize(Self.text)
            }
        case .modelConfig:
            let weights = try SafetensorsShards(folder: scratch)
            let tokenizer = try BPETokenizer(huggingFaceFolder: scratch)
            return {
                let decoder = try Decoder(huggingFaceConfig: $0, source: name, weights: weights)
                _ = try DecoderModel(
                    tokenizer: tokenizer, decoder: decoder, name: "fuzz", identity: "", location: scratch
                ).tokenize(Self.text)
            }
        case .tokenizerJSON:
            let decoder = try Decoder(huggingFaceFolder: scratch)
            let tokenizerConfig = try? Data(contentsOf: scratch.appendingPathComponent("tokenizer_config.json"))
            return {
                let tokenizer = try BPETokenizer(huggingFaceJSON: $0, source: name, tokenizerConfig: tokenizerConfig)
                _ = try DecoderModel(
                    tokenizer: tokenizer, decoder: decoder, name: "fuzz", identity: "", location: scratch
                ).tokenize(Self.text)
            }
        }
    }

    /// What the tokenizers are asked to encode: punctuation, a non-ASCII letter, digits, a special token.
    static let text = "Hello, wörld! 123 <|im_start|>"
}
