import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLSupport

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a run's saved probes to other data, templates or a model of the same width, unrefitted.",
        discussion: """
            Scores every probe of RUN/probes.safetensors on each --data under each --template (default: the run's), \
            with the run's model or another of the same width. On its own activations a probe is scored on its \
            held-out pairs, as in the run; elsewhere on every pair, its normalisation refitted (no labels read) \
            unless --saved-statistics. Writes eval.csv (elk's columns and train/test data and template).
            """)
    @Argument(help: "The folder of an elicit or challenge run.") var runFolder: String
    @Option(help: "Data sets to test on, comma-separated (default: the run's).") var data: String?
    @Option(help: "Templates, comma-separated (default: the run's).") var template: String?
    @Option(help: "Model (default: the run's); it must have the probes' width.") var model: String?
    @Option(help: "Use only the first N examples of each data set.") var limit: Int?
    @Option(help: "Use N examples of each data set drawn at random, half of each class.") var sample: Int?
    @OptionGroup var files: ActivationOptions
    @Flag(help: "Apply each probe's saved normalisation instead of refitting it.") var savedStatistics = false
    @Option(help: "Activation cache folder.") var cache: String?
    @Flag(help: "Neither read nor write the activation cache.") var noCache = false
    @Option(help: "Output directory (default: RUN/eval-<date>-<time>).") var out: String?

    func run() throws {
        let runURL = URL(fileURLWithPath: runFolder)
        var run = try ProbeEvaluationRun(runFolder: runURL)
        let list = { (text: String?) in text.map { $0.split(separator: ",").map(String.init) } }
        (run.data, run.templates, run.model, run.limit, run.sample) = (list(data), list(template), model, limit, sample)
        (run.imported, run.savedStatistics) = (files.files, savedStatistics)
        run.cache = noCache ? nil : cache.map { URL(fileURLWithPath: $0) } ?? run.cache
        let out = out ?? runURL.appendingPathComponent(RunFolder.defaultName("eval")).path
        let dir = try RunFolder.forThisCommand(out: out, defaultName: "eval")
        print(try run.run(in: dir.url, console: .terminal).text(), terminator: "")
        print(finishedLine(dir, files: "eval.csv"))
    }
}
