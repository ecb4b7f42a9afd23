import Foundation
import SciDLLanguageModel
import SciDLReports
import SciDLSupport

/// Where contrast pairs come from and how a model reads them: the data, the model, the layers and token
/// position read, and the activation cache. `elicit`, `challenge` and `eval` share it.
public struct ContrastSource: Sendable {
    /// A .csv (statement,label) or .jsonl (BoolQ) file, or a built-in set (`comparisons`, `arithmetic`).
    public var data = "comparisons"
    public var columns = ColumnMapping()
    /// Only the first N examples.
    public var limit: Int?
    /// N examples drawn at random, half of each class, seeded by `sampleSeed`.
    public var sample: Int?
    public var sampleSeed: UInt64 = 0
    /// `smollm2`, `minilm`, a .gguf file or a Hugging Face model folder.
    public var model = ModelCatalog.defaultModel
    /// The layers read (nil: every layer, or the experiment's own default).
    public var layers: [Int]?
    /// The token whose state is read (nil: the model's default).
    public var position: TokenPosition?
    /// The activation cache folder; nil reads and writes none.
    public var cache: URL? = ModelCatalog.home.appendingPathComponent("activations")
    /// Tokens per prompt at most (nil: the model's context).
    public var maxTokens: Int?
    /// How a quantised decoder multiplies (see `ComputeMode`; cached activations are keyed on it).
    public var compute = ComputeMode.exact

    public init() {}

    /// The labelled examples, with a note per input warning.
    public func dataset(console: RunConsole = .silent) throws -> LabelledDataset {
        guard limit == nil || sample == nil else {
            throw SciDLError("give --limit N (the first N examples) or --sample N (N at random, balanced), not both")
        }
        let dataset =
            try sample.map { try LabelledDataset.named(data, columns: columns).balancedSample($0, seed: sampleSeed) }
            ?? LabelledDataset.named(data, columns: columns, limit: limit)
        for warning in dataset.inputWarnings { console.note("warning: \(warning)") }
        return dataset
    }

    public func loadModel() throws -> any LanguageModel { try ModelCatalog.load(model, compute: compute) }

    /// The position asked for, or the model's own default.
    public func position(for model: any LanguageModel) -> TokenPosition { position ?? model.defaultPosition }

    /// Which examples were used and which layers read, for a report's description.
    func selectionDescription(_ dataset: LabelledDataset, layers read: [Int]) -> [(String, String)] {
        let examples =
            if let sample {
                "\(sample) drawn at random, half of each class (--sample-seed \(sampleSeed))"
            } else if let limit {
                "the first \(limit) (--limit)"
            } else {
                "all \(dataset.examples.count)"
            }
        return [("examples", examples), ("layers", compactRanges(read))]
    }

    /// Hidden states of `pairs` (from the cache when possible) and, with `zeroShot` on a decoder, its own
    /// answer from the same pass, with a progress bar and a note on prompts cut to the token limit.
    func contrastPass(
        of pairs: [ContrastPair], model: any LanguageModel, dataName: String, templateName: String,
        defaultLayers: [Int]? = nil, zeroShot: Bool, console: RunConsole
    ) throws -> ContrastPass {
        let settings = ExtractionSettings(
            layers: layers ?? defaultLayers ?? Array(0...model.blockCount), position: position(for: model),
            cache: cache, dataName: dataName, templateName: templateName, maxTokens: maxTokens)
        let bar = console.progressBar(total: 2 * pairs.count, label: "prompts (\(templateName))")
        let pass = try model.contrastPass(
            of: pairs, settings: settings, zeroShot: zeroShot, note: { console.note($0) }
        ) { bar?.update(step: $0) }
        bar?.finish()
        if pass.fromCache { console.note("activations for \(templateName) read from the cache") }
        if let damaged = pass.recomputedCacheEntry {
            console.note("cache entry \(damaged.lastPathComponent) was damaged; recomputed and replaced")
        }
        if pass.truncatedPrompts > 0 {
            console.note(
                """
                \(templateName): \(pass.truncatedPrompts) of \(2 * pass.activations.count) prompts were longer \
                than \(tokenLimit(model)) tokens and lost their start (the question and answer at their end are \
                kept; --max-tokens N)
                """)
        }
        return pass
    }

    func tokenLimit(_ model: any LanguageModel) -> Int { min(maxTokens ?? model.maxTokens, model.maxTokens) }

    /// The description's count of prompts cut to the token limit.
    func truncationEntry(_ passes: [ContrastPass], model: any LanguageModel) -> (String, String) {
        let cut = passes.reduce(0) { $0 + $1.truncatedPrompts }
        let all = passes.reduce(0) { $0 + 2 * $1.activations.count }
        return ("prompts over \(tokenLimit(model)) tokens", "\(cut) of \(all) (cut from the start, keeping the answer)")
    }
}
