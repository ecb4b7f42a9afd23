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

    /// The name the input is written under in the target's scratch folder (readers find files by name).
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

    /// Whether the reader takes the bytes in memory; the others read `fileName` from the scratch folder.
    public var readsMemory: Bool {
        switch self {
        case .checkpoint, .gguf, .modelConfig, .tokenizerJSON: false
        default: true
        }
    }

    /// Runs the reader on `bytes` (written first to `scratch/fileName` when the reader takes a file), as far
    /// as SciDL would go with such a file: models tokenize a text, data sets build prompts, checkpoints resume.
    public func run(_ bytes: Data, in scratch: URL) throws {
        let file = scratch.appendingPathComponent(fileName)
        if !readsMemory { try bytes.write(to: file) }
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .safetensors:
            _ = try SafetensorsFile(data: bytes, source: fileName)
        case .npy:
            let array = try NumPyFile.array(from: bytes, source: fileName)
            _ = try ActivationImport.activations(from: ["activations": array], source: fileName)
        case .npz:
            _ = try ActivationImport.activations(
                from: NumPyFile.arrays(fromArchive: bytes, source: fileName), source: fileName)
        case .csv, .jsonl:
            let data = try LabelledDataset(text: text, file: fileName)
            _ = try data.defaultTemplate.template.contrastPairs(for: data)
        case .template:
            let template = try PromptTemplate(fileContents: text, name: "fuzz")
            let data = LabelledDataset(
                name: "fuzz", examples: [LabelledExample(fields: ["statement": "The sky is blue."], label: 1)],
                columns: ["statement", "label"])
            _ = try? template.contrastPairs(for: data)
        case .grokConfig:
            _ = try GrokConfig(json: bytes, source: fileName)
        case .checkpoint:
            _ = try GrokRun(resuming: scratch)
        case .activationCache:
            _ = ActivationCache.read(bytes, source: fileName, key: "fuzz", pairs: 4, layers: [0, 1])
        case .vocabulary:
            _ = try WordPieceTokenizer(vocabularyText: text).encode("Hello, wörld! 123")
        case .bertConfig:
            _ = try BertConfiguration(json: bytes, source: fileName)
        case .gguf:
            _ = try DecoderModel(gguf: file).tokenize("Hello, wörld! 123 <|im_start|>")
        case .modelConfig, .tokenizerJSON:
            _ = try DecoderModel(folder: scratch).tokenize("Hello, wörld! 123")
        }
    }
}
