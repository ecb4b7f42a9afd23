import ArgumentParser
import Foundation
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Where contrast pairs come from and how the model reads them (shared by `elicit` and `challenge`).
struct SourceOptions: ParsableArguments {
    @Option(help: "Data: a .csv (statement,label) or .jsonl (BoolQ) file, or a built-in set: comparisons, arithmetic.")
    var data = "comparisons"
    @Option(help: "Column holding the 0/1 label (default: label, or answer in JSONL).") var labelColumn: String?
    @Option(help: "Column to use as {statement}.") var textColumn: String?
    @Option(help: "Use only the first N examples.") var limit: Int?
    @Option(help: "Use N examples drawn at random, half of each class (seeded by --sample-seed).") var sample: Int?
    @Option(help: "Seed of the --sample draw.") var sampleSeed: UInt64 = 0
    @Option(
        help:
            """
            Model: smollm2 (SmolLM2-135M-Instruct, default), minilm (all-MiniLM-L6-v2), a .gguf file or a Hugging \
            Face model folder.
            """
    )
    var model = ModelCatalog.defaultModel
    @Option(help: "Layers, e.g. 0-30 or 10,20,30 (0 = embeddings, i = block i's output).") var layers: String?
    @Option(help: "Token whose state is read: first, last or mean (default: last for decoders, mean for BERT).")
    var position: TokenPosition?
    @Option(help: "Activation cache folder (default: $SCIDL_HOME/activations, i.e. ~/.cache/scidl/activations).")
    var cache: String?
    @Flag(help: "Neither read nor write the activation cache.") var noCache = false
    @Option(
        help: """
            Tokens per prompt at most (default: the model's context, up to 8192); longer prompts lose their start, \
            keeping the question and answer at their end.
            """)
    var maxTokens: Int?

    func dataset() throws -> LabelledDataset {
        guard limit == nil || sample == nil else {
            throw SciDLError("give --limit N (the first N examples) or --sample N (N at random, balanced), not both")
        }
        let columns = ColumnMapping(label: labelColumn, text: textColumn)
        let dataset =
            try sample.map { try LabelledDataset.named(data, columns: columns).balancedSample($0, seed: sampleSeed) }
            ?? LabelledDataset.named(data, columns: columns, limit: limit)
        for warning in dataset.inputWarnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        return dataset
    }

    /// Which examples were used and which layers read, for a report's description.
    func selectionDescription(_ dataset: LabelledDataset, layers read: [Int]) -> [(String, String)] {
        let examples =
            if let sample { "\(sample) drawn at random, half of each class (--sample-seed \(sampleSeed))" } else if let limit {
                "the first \(limit) (--limit)"
            } else { "all \(dataset.examples.count)" }
        return [("examples", examples), ("layers", compactRanges(read))]
    }

    func loadModel() throws -> any LanguageModel {
        try ModelCatalog.load(model)
    }

    /// What `scidl eval` needs to build the same pairs again: the flags as given.
    func provenance(templates: String?, activations: String?, labels: String?) -> [String: String] {
        var p = [
            "data": data, "model": model, "position": position?.rawValue ?? "", "label_column": labelColumn ?? "",
            "text_column": textColumn ?? "",
        ]
        if let templates { p["templates"] = templates }
        if let activations { p["activations"] = activations }
        if let labels { p["labels"] = labels }
        return p
    }

    /// Where activations (and zero-shot preferences) are cached; nil with --no-cache.
    var cacheFolder: URL? {
        noCache ? nil : URL(fileURLWithPath: cache ?? ModelCatalog.home.appendingPathComponent("activations").path)
    }

    /// The position asked for, or the model's own default.
    func position(for model: any LanguageModel) -> TokenPosition { position ?? model.defaultPosition }

    /// Hidden states of `pairs` (from the cache when possible) and, with `zeroShot` on a decoder, its own
    /// answer from the same pass, with a progress bar and a line on prompts cut to the token limit.
    func contrastPass(
        of pairs: [ContrastPair], model: any LanguageModel, dataName: String, templateName: String,
        defaultLayers: [Int]? = nil, zeroShot: Bool
    ) throws -> ContrastPass {
        let layerList =
            try layers.map { try parseIntegers($0, "--layers") }
            ?? defaultLayers ?? Array(0...model.blockCount)
        let settings = ExtractionSettings(
            layers: layerList, position: position(for: model), cache: cacheFolder,
            dataName: dataName, templateName: templateName, maxTokens: maxTokens)
        let bar = ProgressBar(total: 2 * pairs.count, label: "prompts (\(templateName))")
        let pass = try model.contrastPass(of: pairs, settings: settings, zeroShot: zeroShot) { bar.update(step: $0) }
        bar.finish()
        if pass.fromCache {
            FileHandle.standardError.write(Data("activations for \(templateName) read from the cache\n".utf8))
        }
        if let damaged = pass.recomputedCacheEntry {
            FileHandle.standardError.write(
                Data("cache entry \(damaged.lastPathComponent) was damaged; recomputed and replaced\n".utf8))
        }
        if let note = truncationNote(pass, model: model, templateName: templateName) {
            FileHandle.standardError.write(Data((note + "\n").utf8))
        }
        return pass
    }

    /// The summary's count of prompts cut to the token limit.
    func truncationEntry(_ passes: [ContrastPass], model: any LanguageModel) -> (String, String) {
        let limit = min(maxTokens ?? model.maxTokens, model.maxTokens)
        let cut = passes.reduce(0) { $0 + $1.truncatedPrompts }
        let all = passes.reduce(0) { $0 + 2 * $1.activations.count }
        return ("prompts over \(limit) tokens", "\(cut) of \(all) (cut from the start, keeping the answer)")
    }

    /// One line when prompts were longer than the token limit, or nil.
    func truncationNote(_ pass: ContrastPass, model: any LanguageModel, templateName: String) -> String? {
        guard pass.truncatedPrompts > 0 else { return nil }
        let limit = min(maxTokens ?? model.maxTokens, model.maxTokens)
        return """
            \(templateName): \(pass.truncatedPrompts) of \(2 * pass.activations.count) prompts were longer than \
            \(limit) tokens and lost their start (the question and answer at their end are kept; --max-tokens N)
            """
    }
}

/// Which probes, which seeds, how to fit them (shared by `elicit` and `challenge`).
struct ProbeOptions: ParsableArguments {
    private static let defaults = ElicitSettings()
    @Option(help: "Probe methods, comma-separated: ccs, pca, kmeans, random, logistic.") var methods =
        defaults.methods.map(\.rawValue).joined(separator: ",")
    @Option(help: "Seeds (each: a train/test split and probe initialisations), e.g. 0,1,2 or 0-19.") var seeds: String?
    @Option(help: "Share of pairs held out for testing.") var testFraction = defaults.testFraction
    @Option(
        help: """
            Normalisation of each side: burns (centred on the training pairs), cluster (Cluster-Norm: centred within \
            HDBSCAN clusters of the pair means) or none.
            """)
    var normalize = defaults.normalisation
    @Option(help: "Cluster-Norm: HDBSCAN's smallest cluster.") var minClusterSize = defaults.minClusterSize
    @Flag(help: "Scale each side to unit variance per dimension after centring.") var varianceScaling = defaults
        .scalingVariance
    @Option(help: "CCS optimizer: adamw (Burns et al.) or lbfgs.") var ccsOptimizer = defaults.ccs.optimizer
    @Option(help: "CCS epochs (AdamW) or iterations (L-BFGS).") var ccsEpochs = defaults.ccs.epochs
    @Option(help: "CCS random restarts; the lowest loss is kept.") var ccsRestarts = defaults.ccs.restarts
    @Option(help: "CCS learning rate (AdamW).") var ccsLr = defaults.ccs.learningRate
    @Flag(help: "CCS confidence term min(p⁺, p⁻, 1−p⁺, 1−p⁻)² instead of min(p⁺, p⁻)².") var symmetricConfidence = false
    @Option(help: "The layer the report's bar charts and pictures show (default: the supervised probe's best).")
    var reportLayer: Int?

    func settings(defaultSeeds: String = "0") throws -> ElicitSettings {
        var s = ElicitSettings()
        s.methods = try parseList(methods, "--methods") { ProbeMethod(rawValue: $0) }
        s.seeds = try parseIntegers(seeds ?? defaultSeeds, "--seeds").map { UInt64(max($0, 0)) }
        s.testFraction = testFraction
        s.scalingVariance = varianceScaling
        s.normalisation = normalize
        s.minClusterSize = minClusterSize
        s.ccs.optimizer = ccsOptimizer
        s.ccs.epochs = ccsEpochs
        s.ccs.restarts = ccsRestarts
        s.ccs.learningRate = ccsLr
        s.ccs.symmetricConfidence = symmetricConfidence
        try s.validate()
        return s
    }
}

/// Runs `sets` through every probe (`Elicitation.run(sets:)`) with one progress bar.
func runProbes(
    _ sets: [(name: String, activations: ContrastActivations, features: [PairFeature: [Int]])],
    settings: ElicitSettings, groups: [Int]? = nil
) throws -> [ProbeResult] {
    let bar = ProgressBar(total: Elicitation.cellCount(sets.map(\.activations), settings: settings), label: "probes")
    defer { bar.finish() }
    return try Elicitation.run(sets: sets, settings: settings, groups: groups) { bar.update(step: $0) }
}

/// Splits "a,b,c" and converts each item, naming the flag in the error.
func parseList<T>(_ text: String, _ flag: String, _ convert: (String) -> T?) throws -> [T] {
    try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map {
        guard let v = convert($0) else { throw SciDLError("\(flag): '\($0)' is not a valid value") }
        return v
    }
}

/// Integers as "0-6,9" (runs of consecutive numbers as ranges).
func compactRanges(_ values: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < values.count {
        var j = i
        while j + 1 < values.count, values[j + 1] == values[j] + 1 { j += 1 }
        parts.append(j > i + 1 ? "\(values[i])-\(values[j])" : (i...j).map { "\(values[$0])" }.joined(separator: ","))
        i = j + 1
    }
    return parts.joined(separator: ",")
}

/// "0-6", "2,4,6" or a mix ("0,3-6"): non-negative numbers and ascending ranges, each value once.
func parseIntegers(_ text: String, _ flag: String) throws -> [Int] {
    let values = try text.split(separator: ",", omittingEmptySubsequences: false).flatMap { part -> [Int] in
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        switch bounds.count {
        case 1 where bounds[0] != nil: return [bounds[0]!]
        case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!:
            return Array(bounds[0]!...bounds[1]!)
        default:
            throw SciDLError("\(flag): '\(printable(part))' is not a number ≥ 0 or a range such as 0-6")
        }
    }
    guard !values.isEmpty else { throw SciDLError("\(flag) is empty: give e.g. 0,1,2 or 0-4") }
    try requireDistinct(values, flag)
    return values
}

extension TokenPosition: ExpressibleByArgument {}
extension CCSSettings.Optimizer: ExpressibleByArgument {}
extension Normalisation: ExpressibleByArgument {}
