import ArgumentParser
import Foundation
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLSupport

/// Where contrast pairs come from and how the model reads them (`elicit`, `challenge`).
struct SourceOptions: ParsableArguments {
    @Option(help: "A .csv (statement,label) or .jsonl file, or comparisons or arithmetic.") var data = "comparisons"
    @Option(help: "Column holding the 0/1 label (default: label, or answer in JSONL).") var labelColumn: String?
    @Option(help: "Column to use as {statement}.") var textColumn: String?
    @Option(help: "Use only the first N examples.") var limit: Int?
    @Option(help: "Use N examples drawn at random, half of each class (seeded by --sample-seed).") var sample: Int?
    @Option(help: "Seed of the --sample draw.") var sampleSeed: UInt64 = 0
    @Option(
        help:
            "smollm2 (SmolLM2-135M-Instruct), gemma3 (Gemma 3 270M), minilm, a .gguf file or a Hugging Face model folder."
    )
    var model = ModelCatalog.defaultModel
    @Option(help: "Layers, e.g. 0-30 or 10,20,30 (0 = embeddings, i = block i's output).") var layers: String?
    @Option(help: "Token whose state is read: first, last or mean (default: last for decoders, mean for BERT).")
    var position: TokenPosition?
    @Option(help: "Activation cache folder (default: $SCIDL_HOME/activations, i.e. ~/.cache/scidl/activations).")
    var cache: String?
    @Flag(help: "Neither read nor write the activation cache.") var noCache = false
    @Option(help: "Tokens per prompt at most (default: the model's context); longer prompts lose their start.")
    var maxTokens: Int?
    @Option(help: "Quantised decoders: exact (float32 products) or int8 (llama.cpp's integer arithmetic).")
    var compute = ContrastSource().compute

    var contrastSource: ContrastSource {
        get throws {
            var s = ContrastSource()
            (s.data, s.model, s.position, s.maxTokens, s.compute) = (data, model, position, maxTokens, compute)
            (s.limit, s.sample, s.sampleSeed) = (limit, sample, sampleSeed)
            s.columns = ColumnMapping(label: labelColumn, text: textColumn)
            s.layers = try layers.map { try parseIntegers($0, "--layers") }
            s.cache = noCache ? nil : cache.map { URL(fileURLWithPath: $0) } ?? s.cache
            return s
        }
    }
}

/// Which probes, which seeds, how to fit them (`elicit`, `challenge`).
struct ProbeOptions: ParsableArguments {
    private static let defaults = ElicitSettings()
    @Option(help: "Probe methods, comma-separated: ccs, pca, kmeans, random, logistic.")
    var methods = defaults.methods.map(\.rawValue).joined(separator: ",")
    @Option(help: "Seeds (each: a train/test split and probe initialisations), e.g. 0,1,2 or 0-19.") var seeds: String?
    @Option(help: "Share of pairs held out for testing.") var testFraction = defaults.testFraction
    @Option(help: "Centring of each side: burns (on the training pairs), cluster (within HDBSCAN clusters) or none.")
    var normalize = defaults.normalisation
    @Option(help: "Cluster-Norm: HDBSCAN's smallest cluster.") var minClusterSize = defaults.minClusterSize
    @Flag(help: "Scale each side to unit variance per dimension after centring.") var varianceScaling = false
    @Option(help: "CCS optimizer: adamw (Burns et al.) or lbfgs.") var ccsOptimizer = defaults.ccs.optimizer
    @Option(help: "CCS epochs (AdamW) or iterations (L-BFGS).") var ccsEpochs = defaults.ccs.epochs
    @Option(help: "CCS random restarts; the lowest loss is kept.") var ccsRestarts = defaults.ccs.restarts
    @Option(help: "CCS learning rate (AdamW).") var ccsLr = defaults.ccs.learningRate
    @Flag(help: "CCS confidence term min(p⁺, p⁻, 1−p⁺, 1−p⁻)² instead of min(p⁺, p⁻)².") var symmetricConfidence = false
    @Option(help: "The layer the report's figures show (default: the supervised probe's best).") var reportLayer: Int?

    func settings(defaultSeeds: String = "0") throws -> ElicitSettings {
        var s = ElicitSettings()
        s.methods = try parseList(methods, "--methods") { ProbeMethod(rawValue: $0) }
        s.seeds = try parseIntegers(seeds ?? defaultSeeds, "--seeds").map { UInt64(max($0, 0)) }
        (s.testFraction, s.scalingVariance) = (testFraction, varianceScaling)
        (s.normalisation, s.minClusterSize) = (normalize, minClusterSize)
        (s.ccs.optimizer, s.ccs.epochs, s.ccs.restarts) = (ccsOptimizer, ccsEpochs, ccsRestarts)
        (s.ccs.learningRate, s.ccs.symmetricConfidence) = (ccsLr, symmetricConfidence)
        try s.validate()
        return s
    }
}

/// Activations from elsewhere, by file (`elicit`, `challenge`, `eval`).
struct ActivationOptions: ParsableArguments {
    @Option(help: ".npy [n,2,d] or [layers,n,2,d], or .npz/.safetensors with activations or positive/negative.")
    var activations: String?
    @Option(help: "x⁺ activations file ([n,d] or [layers,n,d]), with --negative.") var positive: String?
    @Option(help: "x⁻ activations file, with --positive.") var negative: String?
    @Option(help: "Labels of imported activations: .npy, .csv/.jsonl (label column) or one 0/1 per line.")
    var labels: String?

    var files: ActivationFiles { .init(file: activations, positive: positive, negative: negative, labels: labels) }
}

extension TokenPosition: ExpressibleByArgument {}
extension ComputeMode: ExpressibleByArgument {}
extension CCSSettings.Optimizer: ExpressibleByArgument {}
extension Normalisation: ExpressibleByArgument {}
extension ChallengeRun.Name: ExpressibleByArgument {}
