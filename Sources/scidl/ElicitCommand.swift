import ArgumentParser
import Foundation
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLReports
import SciDLTensor

struct Elicit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find truth directions without labels: CCS, PCA, k-means and random probes against a supervised ceiling.",
        discussion: """
        Builds a contrast pair per example (the template with each answer), reads both members' hidden \
        states from a BERT model (default all-MiniLM-L6-v2, installed by scripts/setup.sh) or takes \
        activations from files, fits each probe per layer and seed on a training split and scores it on \
        the held-out pairs. Prints a table and writes results.csv, summary.json and report.html into --out. \
        Activations are cached (see --cache), so a second run on the same prompts is instant.
        """
    )
    @Option(help: "Data: a .csv (statement,label) or .jsonl (BoolQ) file, or a built-in set: comparisons, arithmetic.")
    var data = "comparisons"
    @Option(help: "Prompt templates, comma-separated: truth, yes-no, question, sentiment, or template files (default: the one that fits the data).")
    var template: String?
    @Option(help: "Column holding the 0/1 label (default: label, or answer in JSONL).") var labelColumn: String?
    @Option(help: "Column to use as {statement}.") var textColumn: String?
    @Option(help: "Use only the first N examples.") var limit: Int?
    @Option(help: "A Hugging Face BERT model folder (default: the installed all-MiniLM-L6-v2).") var modelDir: String?
    @Option(help: "Layers, e.g. 0-6 or 2,4,6 (0 = embeddings; default: all).") var layers: String?
    @Option(help: "Token whose state is read: first, last or mean.") var position: TokenPosition = .mean
    @Option(help: "Activations from elsewhere: .npy [n,2,d] or [layers,n,2,d], or .npz/.safetensors with activations or positive/negative.")
    var activations: String?
    @Option(help: "x⁺ activations file ([n,d] or [layers,n,d]), with --negative.") var positive: String?
    @Option(help: "x⁻ activations file, with --positive.") var negative: String?
    @Option(help: "Labels for imported activations: .npy, .csv/.jsonl (label column) or one 0/1 per line.") var labels: String?
    @Option(help: "Probe methods, comma-separated: ccs, pca, kmeans, random, logistic.") var methods = "ccs,pca,kmeans,random,logistic"
    @Option(help: "Seeds (each: a train/test split and probe initialisations), comma-separated.") var seeds = "0"
    @Option(help: "Share of pairs held out for testing.") var testFraction = 0.4
    @Flag(help: "Scale each side to unit variance per dimension after centring.") var varianceScaling = false
    @Option(help: "CCS optimizer: adamw (Burns et al.) or lbfgs.") var ccsOptimizer: CCSSettings.Optimizer = .adamw
    @Option(help: "CCS epochs (AdamW) or iterations (L-BFGS).") var ccsEpochs = 1000
    @Option(help: "CCS random restarts; the lowest loss is kept.") var ccsRestarts = 10
    @Option(help: "CCS learning rate (AdamW).") var ccsLr: Float = 1e-3
    @Flag(help: "CCS confidence term min(p⁺, p⁻, 1−p⁺, 1−p⁻)² instead of min(p⁺, p⁻)².") var symmetricConfidence = false
    @Option(help: "Activation cache folder (default: $SCIDL_HOME/activations, i.e. ~/.cache/scidl/activations).") var cache: String?
    @Flag(help: "Neither read nor write the activation cache.") var noCache = false
    @Option(help: "Output directory (default: runs/elicit-<date>-<time>).") var out: String?

    func run() throws {
        var settings = ElicitSettings()
        settings.methods = try parseList(methods, "--methods") { ProbeMethod(rawValue: $0) }
        settings.seeds = try parseList(seeds, "--seeds") { UInt64($0) }
        settings.testFraction = testFraction
        settings.scalingVariance = varianceScaling
        settings.ccs.optimizer = ccsOptimizer
        settings.ccs.epochs = ccsEpochs
        settings.ccs.restarts = ccsRestarts
        settings.ccs.learningRate = ccsLr
        settings.ccs.symmetricConfidence = symmetricConfidence
        try settings.validate()
        let started = Date()
        let (sets, description) = try loadActivations()
        let bar = ProgressBar(total: sets.reduce(0) { $0 + settings.seeds.count * $1.activations.layers.count }, label: "probes")
        var results: [ProbeResult] = []
        for set in sets {
            let done = results.count / settings.methods.count
            results += try Elicitation.run(set.activations, settings: settings, template: set.template) { bar.update(step: done + $0) }
        }
        bar.finish()
        let report = ElicitReport(results: results, description: description)
        let dir = URL(fileURLWithPath: out ?? "runs/elicit-\(Grok.timestamp())")
        try report.write(to: dir, title: "Eliciting latent knowledge: \(description.first { $0.0 == "data" || $0.0 == "activations" }?.1 ?? "")")
        print(report.table(), terminator: "")
        print("\(formatDuration(Date().timeIntervalSince(started))); results in \(dir.path): results.csv, summary.json, report.html")
    }

    /// Activations from files, or from the model on the data's contrast pairs under each template; plus a
    /// description of the experiment.
    func loadActivations() throws -> ([(template: String, activations: ContrastActivations)], [(String, String)]) {
        let labelsURL = labels.map { URL(fileURLWithPath: $0) }
        if let file = activations {
            let a = try ActivationImport.load(URL(fileURLWithPath: file), labels: labelsURL)
            return ([("", a)], [("activations", file), ("pairs", "\(a.count)"), ("width", "\(a.width)")])
        }
        if positive != nil || negative != nil {
            guard let p = positive, let n = negative else { throw SciDLError("--positive and --negative go together: give both files") }
            let a = try ActivationImport.load(positive: URL(fileURLWithPath: p), negative: URL(fileURLWithPath: n), labels: labelsURL)
            return ([("", a)], [("activations", "\(p) / \(n)"), ("pairs", "\(a.count)"), ("width", "\(a.width)")])
        }
        let dataset = try LabelledDataset.named(data, columns: ColumnMapping(label: labelColumn, text: textColumn), limit: limit)
        let prompts = try (template ?? dataset.defaultTemplateName).split(separator: ",").map { try PromptTemplate.named(String($0)) }
        let pairsPerTemplate = try prompts.map { try $0.contrastPairs(for: dataset) }
        let model = try LanguageModel(folder: modelDir.map { URL(fileURLWithPath: $0) } ?? LanguageModel.defaultFolder())
        let layerList = try layers.map { try parseLayers($0) } ?? Array(0...model.encoder.configuration.layerCount)
        let cacheFolder = noCache ? nil : URL(fileURLWithPath: cache ?? LanguageModel.home.appendingPathComponent("activations").path)
        var sets: [(template: String, activations: ContrastActivations)] = []
        var description = [("data", dataset.name), ("pairs", "\(dataset.examples.count)"), ("model", model.name),
                           ("position", position.rawValue)]
        for (prompt, pairs) in zip(prompts, pairsPerTemplate) {
            let settings = ExtractionSettings(layers: layerList, position: position, cache: cacheFolder,
                                              dataName: dataset.name, templateName: prompt.name)
            let bar = ProgressBar(total: 2 * pairs.count, label: prompts.count > 1 ? "prompts (\(prompt.name))" : "prompts")
            let (a, cached) = try model.contrastActivations(of: pairs, settings: settings) { bar.update(step: $0) }
            bar.finish()
            if cached { FileHandle.standardError.write(Data("activations for template \(prompt.name) read from the cache\n".utf8)) }
            sets.append((prompt.name, a))
            description.append(("template \(prompt.name), example x⁺", pairs[0].positive))
        }
        return (sets, description)
    }
}

/// Splits "a,b,c" and converts each item, naming the flag in the error.
func parseList<T>(_ text: String, _ flag: String, _ convert: (String) -> T?) throws -> [T] {
    try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map {
        guard let v = convert($0) else { throw SciDLError("\(flag): '\($0)' is not a valid value") }
        return v
    }
}

/// "0-6", "2,4,6" or a mix ("0,3-6").
func parseLayers(_ text: String) throws -> [Int] {
    try text.split(separator: ",").flatMap { part -> [Int] in
        let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch bounds.count {
        case 1 where bounds[0] != nil: return [bounds[0]!]
        case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!: return Array(bounds[0]!...bounds[1]!)
        default: throw SciDLError("--layers: '\(part)' is not a layer or range such as 0-6")
        }
    }
}

extension TokenPosition: ExpressibleByArgument {}
extension CCSSettings.Optimizer: ExpressibleByArgument {}
