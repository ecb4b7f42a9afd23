import Foundation
import SciDLReports
import SciDLSupport

/// `scidl elicit`: contrast pairs of a data set under one or more templates (or activations from files)
/// through every probe, per layer and seed; writes results.csv, summary.json, report.html and
/// probes.safetensors into a folder.
public struct ElicitRun: Sendable {
    public var source = ContrastSource()
    /// Template names or files (nil: the one that fits the data).
    public var templates: [String]?
    /// Activations from files instead of a model.
    public var imported = ActivationFiles()
    public var probes = ElicitSettings()
    /// The layer the report's bar charts and pictures show (nil: the supervised probe's best).
    public var reportLayer: Int?
    /// A decoder's own preference between each pair's members, as a baseline.
    public var zeroShot = true
    /// Also pool the templates' probes per example (elk's full ensembling).
    public var ensemble = false
    /// Keep the examples sharing this column's value on one side of every split.
    public var groupColumn: String?

    public init() {}

    /// The activations of one template (or of the imported files) and the model's zero-shot answers.
    struct TemplateSet {
        var template: String
        var activations: ContrastActivations
        var zeroShot: ZeroShot?
    }

    /// Runs the experiment into `directory` and returns its report (whose `table()` is what the terminal shows).
    public func run(in directory: URL, console: RunConsole = .silent) throws -> ElicitReport {
        if ensemble && (imported.isGiven || (templates?.count ?? 0) < 2) {
            throw SciDLError("--ensemble pools several templates: give two or more, e.g. --template truth,yes-no")
        }
        let (sets, groups, description) = try activationSets(console: console)
        let probeSets = sets.map { (name: $0.template, activations: $0.activations, features: [PairFeature: [Int]]()) }
        let results = try Elicitation.run(sets: probeSets, settings: probes, groups: groups, console: console)
        let pooled = ensemble ? TemplateEnsemble.pool(results) : []
        var report = ElicitReport(results: results + pooled, description: description + probes.description)
        for set in sets {
            if let z = set.zeroShot {
                report.zeroShot[set.template] = try z.scores(
                    labels: set.activations.labels, settings: probes, groups: groups)
            }
        }
        report.reportLayer = reportLayer
        report.describe(probeSets)
        try SavedProbes.save(
            results, settings: probes, sets: sets.map { ($0.template, $0.activations) }, to: directory,
            provenance: ProbeProvenance(source: source, templates: templates, imported: imported))
        let subject = description.first { $0.0 == "data" || $0.0 == "activations" }?.1 ?? ""
        try report.write(to: directory, title: "Eliciting latent knowledge: \(subject)")
        return report
    }

    /// Activations from files, or from the model on the data's contrast pairs under each template; the pairs'
    /// groups (with `groupColumn`); a description of the experiment.
    func activationSets(console: RunConsole) throws -> (
        sets: [TemplateSet], groups: [Int]?, description: [(String, String)]
    ) {
        if let files = try imported.load() {
            guard groupColumn == nil else {
                throw SciDLError("--group-column reads a column of --data; imported activations have no columns")
            }
            let balance = ClassBalance(files.activations.labels)
            return ([TemplateSet(template: "", activations: files.activations)], nil,
                files.description + [("labels", balance.description)])
        }
        let dataset = try source.dataset(console: console)
        let groups = try groupColumn.map { try dataset.groups(by: $0) }
        let prompts = try (templates ?? [dataset.defaultTemplate.rawValue]).map { try PromptTemplate.named($0) }
        let pairsPerTemplate = try prompts.map { try $0.contrastPairs(for: dataset) }
        // Only now, with the prompts known to be good, is the model worth loading.
        let model = try source.loadModel()
        var description = [
            ("data", dataset.name), ("pairs", "\(dataset.examples.count)"),
            ("labels", ClassBalance(dataset.examples.map(\.label)).description), ("model", model.name),
            ("position", source.position(for: model).rawValue),
        ]
        if let groupColumn, let groups {
            description.append(("split", "grouped by \(groupColumn) (\(Set(groups).count) groups)"))
        }
        var sets: [TemplateSet] = []
        var passes: [ContrastPass] = []
        for (prompt, pairs) in zip(prompts, pairsPerTemplate) {
            let pass = try source.contrastPass(
                of: pairs, model: model, dataName: dataset.name, templateName: prompt.name, zeroShot: zeroShot,
                console: console)
            sets.append(TemplateSet(template: prompt.name, activations: pass.activations, zeroShot: pass.zeroShot))
            passes.append(pass)
            description.append(
                ("template \(prompt.name)", "\(prompt.text)\n(answers: \(prompt.answers.joined(separator: " / ")))"))
            description.append(("template \(prompt.name), example x⁺", pairs[0].positive))
        }
        description.append(source.truncationEntry(passes, model: model))
        if let first = sets.first {
            description += source.selectionDescription(dataset, layers: first.activations.layers)
        }
        return (sets, groups, description)
    }
}

extension Elicitation {
    /// `run(sets:)` with one progress bar over every (set, layer, seed) cell on `console`.
    static func run(
        sets: [(name: String, activations: ContrastActivations, features: [PairFeature: [Int]])],
        settings: ElicitSettings, groups: [Int]? = nil, console: RunConsole
    ) throws -> [ProbeResult] {
        let bar = console.progressBar(total: cellCount(sets.map(\.activations), settings: settings), label: "probes")
        defer { bar?.finish() }
        return try run(sets: sets, settings: settings, groups: groups) { bar?.update(step: $0) }
    }
}
