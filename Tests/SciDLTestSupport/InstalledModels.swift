import SciDLLanguageModel

/// The built-in models, loaded once per test process. They are installed by `scripts/setup.sh`, which the
/// test command runs first, so a missing model is a failure, not a skip — except Gemma 3 (a 253 MB download
/// under Gemma's terms), whose tests skip with the reason where it is not installed.
public enum InstalledModels {
    public static let minilm = Result { try BertModel(folder: ModelCatalog.location(of: .minilm)) }
    public static let smollm2 = Result { try DecoderModel(gguf: ModelCatalog.location(of: .smollm2)) }
    public static let gemma3 = Result { try DecoderModel(gguf: ModelCatalog.location(of: .gemma3)) }
}
