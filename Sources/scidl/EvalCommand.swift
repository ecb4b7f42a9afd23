import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLReports
import SciDLSupport

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Apply a run's saved probes to other data, templates or a model of the same width, without refitting.",
        discussion: """
            Reads RUN/probes.safetensors (written by elicit and challenge) and scores every probe on the contrast \
            pairs of each --data under each --template (default: the run's own), with the run's model unless \
            --model names another of the same width. On the very activations a probe was fitted on it is scored \
            on its own held-out pairs, reproducing the run's numbers; elsewhere on every pair, after its \
            normalisation is fitted on those pairs (it reads no labels; --saved-statistics applies the run's). \
            Probes keep the sign their run decided on its training pairs. Writes eval.csv (one row per probe \
            and evaluation set, elk's column names plus train_data, train_template, test_data, test_template) and \
            prints accuracy, trained on the run's data and template, tested on each set.
            """
    )
    @Argument(help: "The folder of an elicit or challenge run.") var runFolder: String
    @Option(help: "Data sets to test on, comma-separated (default: the run's).") var data: String?
    @Option(help: "Templates, comma-separated (default: the run's).") var template: String?
    @Option(help: "Model (default: the run's); it must have the probes' width.") var model: String?
    @Option(help: "Use only the first N examples of each data set.") var limit: Int?
    @Option(help: "Use N examples of each data set drawn at random, half of each class.") var sample: Int?
    @Option(help: "Activations to test on instead of a model's (see scidl elicit --help).") var activations: String?
    @Option(help: "Labels for --activations.") var labels: String?
    @Flag(help: "Apply the side statistics saved with each probe instead of refitting them on the new pairs.")
    var savedStatistics = false
    @Option(help: "Activation cache folder.") var cache: String?
    @Flag(help: "Neither read nor write the activation cache.") var noCache = false
    @Option(help: "Output directory (default: RUN/eval-<date>-<time>).") var out: String?

    func run() throws {
        let runURL = URL(fileURLWithPath: runFolder)
        let saved = try SavedProbes(contentsOf: runURL)
        let dir = URL(fileURLWithPath: out ?? runURL.appendingPathComponent(RunFolder.defaultName("eval")).path)
        let folder = try openOutputFolder(dir, command: "eval")
        defer { withExtendedLifetime(folder) {} }
        let started = Date()
        var rows: [EvalTable.Row] = []
        for set in try evaluationSets(saved) {
            rows += try ProbeTransfer.evaluate(saved, on: set.activations, savedStatistics: savedStatistics).map {
                EvalTable.Row(testData: set.data, testTemplate: set.template, result: $0)
            }
        }
        let table = EvalTable(rows: rows, trainData: saved.provenance["data"] ?? saved.provenance["activations"] ?? "")
        try AtomicFile.write(table.csv(), to: dir.appendingPathComponent("eval.csv"))
        print(table.text(), terminator: "")
        print("\(formatDuration(Date().timeIntervalSince(started))); results in \(dir.path): eval.csv")
    }

    /// The activations to test on, with the data and template they came from.
    func evaluationSets(_ saved: SavedProbes) throws -> [(data: String, template: String, activations: ContrastActivations)] {
        let p = saved.provenance
        if let file = activations ?? (data == nil && model == nil ? p["activations"] : nil) {
            guard
                let imported = try importedActivations(
                    file, positive: nil, negative: nil, labels: labels ?? p["labels"])
            else { return [] }
            return [(file, "", imported.activations)]
        }
        guard let dataList = data ?? p["data"], let modelSpec = model ?? p["model"] else {
            throw SciDLError("the run does not say which data and model it used: give --data and --model")
        }
        let layers = Array(Set(saved.probes.map(\.layer))).sorted().map(String.init).joined(separator: ",")
        var sets: [(data: String, template: String, activations: ContrastActivations)] = []
        for dataSpec in dataList.split(separator: ",").map(String.init) {
            var arguments = ["--data", dataSpec, "--model", modelSpec, "--layers", layers]
            if let position = p["position"], !position.isEmpty { arguments += ["--position", position] }
            if let limit { arguments += ["--limit", "\(limit)"] }
            if let sample { arguments += ["--sample", "\(sample)"] }
            if let cache { arguments += ["--cache", cache] }
            if noCache { arguments.append("--no-cache") }
            for key in ["label_column", "text_column"] {
                if data == nil, let v = p[key], !v.isEmpty {
                    arguments += ["--" + key.replacingOccurrences(of: "_", with: "-"), v]
                }
            }
            let source = try SourceOptions.parse(arguments)
            let dataset = try source.dataset()
            let templates = template ?? p["templates"] ?? dataset.defaultTemplate.rawValue
            let loaded = try source.loadModel()
            for name in templates.split(separator: ",").map(String.init) {
                let prompt = try PromptTemplate.named(name)
                let pairs = try prompt.contrastPairs(for: dataset)
                let a = try source.contrastPass(
                    of: pairs, model: loaded, dataName: dataset.name, templateName: prompt.name, zeroShot: false
                ).activations
                sets.append((dataset.name, prompt.name, a))
            }
        }
        return sets
    }
}
