import Foundation
import SciDLReports
import SciDLSupport

/// `scidl eval`: a run's saved probes scored on other data, templates or a model of the same width, without
/// refitting; writes eval.csv (`EvalTable`).
public struct ProbeEvaluationRun: Sendable {
    /// The probes of the elicit or challenge run applied.
    public var saved: SavedProbes
    /// Data sets to test on (nil: the run's).
    public var data: [String]?
    /// Templates (nil: the run's, else each data set's default).
    public var templates: [String]?
    /// The model (nil: the run's); it must have the probes' width.
    public var model: String?
    public var limit: Int?
    public var sample: Int?
    /// Activations to test on instead of a model's (default: the run's own imported ones, if it had any).
    public var imported = ActivationFiles()
    /// Apply the side statistics saved with each probe instead of refitting them on the new pairs.
    public var savedStatistics = false
    /// The activation cache (nil: none).
    public var cache: URL? = ContrastSource().cache

    /// Reads the probes saved in `runFolder`.
    public init(runFolder: URL) throws { saved = try SavedProbes(contentsOf: runFolder) }

    public func run(in directory: URL, console: RunConsole = .silent) throws -> EvalTable {
        var rows: [EvalTable.Row] = []
        for set in try evaluationSets(saved, console: console) {
            rows += try ProbeTransfer.evaluate(saved, on: set.activations, savedStatistics: savedStatistics).map {
                EvalTable.Row(testData: set.data, testTemplate: set.template, result: $0)
            }
        }
        let table = EvalTable(rows: rows, trainData: saved.provenance.trainingData)
        try AtomicFile.write(table.csv(), to: directory.appendingPathComponent("eval.csv"))
        return table
    }

    /// The activations to test on, with the data and template they came from.
    func evaluationSets(
        _ saved: SavedProbes, console: RunConsole
    ) throws -> [(data: String, template: String, activations: ContrastActivations)] {
        let p = saved.provenance
        var files = imported
        if !files.isGiven, data == nil, model == nil { files.file = p.activations }
        if files.file != nil { files.labels = files.labels ?? p.labels }
        if let loaded = try files.load() { return [(loaded.description[0].1, "", loaded.activations)] }
        guard let dataList = data ?? p.data.map({ [$0] }), let modelSpec = model ?? p.model else {
            throw SciDLError("the run does not say which data and model it used: give --data and --model")
        }
        var sets: [(data: String, template: String, activations: ContrastActivations)] = []
        for dataSpec in dataList {
            var source = ContrastSource()
            source.data = dataSpec
            source.model = modelSpec
            source.layers = Array(Set(saved.probes.map(\.layer))).sorted()
            source.position = p.position
            (source.limit, source.sample, source.cache) = (limit, sample, cache)
            // The run's column names belong to its own data.
            if data == nil { source.columns = ColumnMapping(label: p.labelColumn, text: p.textColumn) }
            let dataset = try source.dataset(console: console)
            let loaded = try source.loadModel()
            for name in templates ?? p.templates ?? [dataset.defaultTemplate.rawValue] {
                let prompt = try PromptTemplate.named(name)
                let pass = try source.contrastPass(
                    of: try prompt.contrastPairs(for: dataset), model: loaded, dataName: dataset.name,
                    templateName: prompt.name, zeroShot: false, console: console)
                sets.append((dataset.name, prompt.name, pass.activations))
            }
        }
        return sets
    }
}
