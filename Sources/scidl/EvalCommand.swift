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
        var run = try ProbeEvaluationRun(runFolder: runURL)
        let list = { (text: String?) in text.map { $0.split(separator: ",").map(String.init) } }
        (run.data, run.templates, run.model, run.limit, run.sample) = (list(data), list(template), model, limit, sample)
        (run.imported, run.savedStatistics) = (ActivationFiles(file: activations, labels: labels), savedStatistics)
        run.cache = noCache ? nil : cache.map { URL(fileURLWithPath: $0) } ?? run.cache
        let started = Date()
        let out = out ?? runURL.appendingPathComponent(RunFolder.defaultName("eval")).path
        let dir = try openOutputFolder(out, default: "eval")
        print(try run.run(in: dir.url, console: .terminal).text(), terminator: "")
        print(finishedLine(started, dir.url, files: "eval.csv"))
    }
}
