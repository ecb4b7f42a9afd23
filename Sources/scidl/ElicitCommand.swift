import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLReports
import SciDLSupport
import SciDLTensor

struct Elicit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Find truth directions without labels: CCS, PCA, k-means and random probes against a supervised ceiling.",
        discussion: """
            Builds a contrast pair per example (the template with each answer), reads both members' hidden \
            states from a language model (default SmolLM2-135M-Instruct, installed by scripts/setup.sh) or takes \
            activations from files, fits each probe per layer and seed on a training split and scores it on \
            the held-out pairs. Prints a table and writes results.csv, summary.json and report.html into --out. \
            Activations are cached (see --cache), so a second run on the same prompts is instant.
            """
    )
    @OptionGroup var source: SourceOptions
    @OptionGroup var probes: ProbeOptions
    @Option(
        help:
            """
            Prompt templates, comma-separated: truth, yes-no, question, sentiment, or template files (default: \
            the one that fits the data).
            """
    )
    var template: String?
    @Option(
        help:
            """
            Activations from elsewhere: .npy [n,2,d] or [layers,n,2,d], or .npz/.safetensors with activations or \
            positive/negative.
            """
    )
    var activations: String?
    @Option(help: "x⁺ activations file ([n,d] or [layers,n,d]), with --negative.") var positive: String?
    @Option(help: "x⁻ activations file, with --positive.") var negative: String?
    @Option(help: "Labels for imported activations: .npy, .csv/.jsonl (label column) or one 0/1 per line.") var labels:
        String?
    @Flag(help: "Skip the zero-shot baseline (a decoder's own preference between each pair's two members).")
    var noZeroShot = false
    @Flag(help: "Also pool the templates' probes per example (elk's full ensembling), as rows of their own.")
    var ensemble = false
    @Option(help: "Keep the examples that share this column's value on one side of every train/test split.")
    var groupColumn: String?
    @OptionGroup var slurm: SlurmOptions
    @Option(help: "Output directory (default: runs/elicit-<date>-<time>).") var out: String?

    func run() throws {
        if slurm.slurm || slurm.runIndex != nil {
            guard slurm.runIndex == nil else { throw SciDLError("--run-index belongs to scidl sweep") }
            return try SweepCommand.submitOverLayers(layers: source.layers, out: out, slurm: slurm)
        }
        try slurm.validate(hasOut: out != nil)
        let settings = try probes.settings()
        if ensemble && (activations != nil || (template ?? "").split(separator: ",").count < 2) {
            throw SciDLError("--ensemble pools several templates: give two or more, e.g. --template truth,yes-no")
        }
        let dir = URL(fileURLWithPath: out ?? RunFolder.defaultPath("elicit"))
        let folder = try openOutputFolder(dir, command: "elicit")
        defer { withExtendedLifetime(folder) {} }
        let started = Date()
        let (sets, groups, description) = try loadActivations()
        let results = try runProbes(
            sets.map { ($0.template, $0.activations, [:]) }, settings: settings, groups: groups)
        let pooled = ensemble ? TemplateEnsemble.pool(results) : []
        var report = ElicitReport(
            results: results + pooled,
            description: description + settings.description)
        for set in sets {
            if let z = set.zeroShot {
                report.zeroShot[set.template] = try z.scores(
                    labels: set.activations.labels, settings: settings, groups: groups)
            }
        }
        report.reportLayer = probes.reportLayer
        report.describe(sets.map { ($0.template, $0.activations, [:]) })
        try SavedProbes.save(
            results, settings: settings, sets: sets.map { ($0.template, $0.activations) }, to: dir,
            provenance: source.provenance(templates: template, activations: activations, labels: labels))
        try report.write(
            to: dir,
            title:
                "Eliciting latent knowledge: \(description.first { $0.0 == "data" || $0.0 == "activations" }?.1 ?? "")")
        print(report.table(), terminator: "")
        print(
            """
            \(formatDuration(Date().timeIntervalSince(started))); results in \(dir.path): results.csv, \
            summary.json, report.html, probes.safetensors
            """
        )
    }

    /// Activations from files, or from the model on the data's contrast pairs under each template; the pairs'
    /// groups (with --group-column); a description of the experiment.
    func loadActivations() throws -> (
        sets: [(template: String, activations: ContrastActivations, zeroShot: ZeroShot?)], groups: [Int]?,
        description: [(String, String)]
    ) {
        if let imported = try importedActivations(activations, positive: positive, negative: negative, labels: labels) {
            guard groupColumn == nil else {
                throw SciDLError("--group-column reads a column of --data; imported activations have no columns")
            }
            let balance = ClassBalance(imported.activations.labels)
            return ([("", imported.activations, nil)], nil, imported.description + [("labels", balance.description)])
        }
        let dataset = try source.dataset()
        let groups = try groupColumn.map { try dataset.groups(by: $0) }
        let prompts = try (template ?? dataset.defaultTemplate.rawValue).split(separator: ",").map {
            try PromptTemplate.named(String($0))
        }
        let pairsPerTemplate = try prompts.map { try $0.contrastPairs(for: dataset) }
        let model = try source.loadModel()
        var description = [
            ("data", dataset.name), ("pairs", "\(dataset.examples.count)"),
            ("labels", ClassBalance(dataset.examples.map(\.label)).description), ("model", model.name),
            ("position", source.position(for: model).rawValue),
        ]
        if let groupColumn, let groups {
            description.append(("split", "grouped by \(groupColumn) (\(Set(groups).count) groups)"))
        }
        var sets: [(template: String, activations: ContrastActivations, zeroShot: ZeroShot?)] = []
        var passes: [ContrastPass] = []
        for (prompt, pairs) in zip(prompts, pairsPerTemplate) {
            let pass = try source.contrastPass(
                of: pairs, model: model, dataName: dataset.name, templateName: prompt.name, zeroShot: !noZeroShot)
            sets.append((prompt.name, pass.activations, pass.zeroShot))
            passes.append(pass)
            description.append(("template \(prompt.name)", "\(prompt.text)\n(answers: \(prompt.answers.joined(separator: " / ")))"))
            description.append(("template \(prompt.name), example x⁺", pairs[0].positive))
        }
        description.append(source.truncationEntry(passes, model: model))
        if let first = sets.first { description += source.selectionDescription(dataset, layers: first.activations.layers) }
        return (sets, groups, description)
    }
}

/// Activations named on the command line (one file, or x⁺ and x⁻ files), or nil when none are.
func importedActivations(
    _ file: String?, positive: String?, negative: String?, labels: String?
) throws
    -> (activations: ContrastActivations, description: [(String, String)])?
{
    let labelsURL = labels.map { URL(fileURLWithPath: $0) }
    if let file {
        let a = try ActivationImport.load(URL(fileURLWithPath: file), labels: labelsURL)
        return (a, [("activations", file), ("pairs", "\(a.count)"), ("width", "\(a.width)")])
    }
    guard positive != nil || negative != nil else { return nil }
    guard let p = positive, let n = negative else {
        throw SciDLError("--positive and --negative go together: give both files")
    }
    let a = try ActivationImport.load(
        positive: URL(fileURLWithPath: p), negative: URL(fileURLWithPath: n), labels: labelsURL)
    return (a, [("activations", "\(p) / \(n)"), ("pairs", "\(a.count)"), ("width", "\(a.width)")])
}
