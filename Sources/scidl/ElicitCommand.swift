import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLSupport

struct Elicit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find truth directions without labels: CCS, PCA, k-means, random, and a supervised ceiling.",
        discussion: """
            Builds a contrast pair per example (the template with each answer), reads both members' hidden \
            states from a language model (default SmolLM2-135M-Instruct, installed by scripts/setup.sh) or takes \
            activations from files, fits each probe per layer and seed on a training split and scores it on \
            the held-out pairs. Prints a table and writes results.csv, summary.json and report.html into --out. \
            Activations are cached (see --cache), so a second run on the same prompts is instant.
            """)
    @OptionGroup var source: SourceOptions
    @OptionGroup var probes: ProbeOptions
    @Option(help: "Templates, comma-separated: truth, yes-no, question, sentiment or files (default: the data's).")
    var template: String?
    @OptionGroup var files: ActivationOptions
    @Flag(help: "Skip the zero-shot baseline (the decoder's own preference in each pair).") var noZeroShot = false
    @Flag(help: "Also pool the templates' probes per example (elk's full ensembling).") var ensemble = false
    @Option(help: "Keep the examples that share this column's value on one side of every train/test split.")
    var groupColumn: String?
    @OptionGroup var slurm: SlurmOptions
    @Option(help: "Output directory (default: runs/elicit-<date>-<time>).") var out: String?

    func run() throws {
        if try slurm.submitsOverLayers(source.layers, out: out) { return }
        var run = ElicitRun()
        (run.source, run.probes) = (try source.contrastSource, try probes.settings())
        run.reportLayer = probes.reportLayer
        run.templates = template.map { $0.split(separator: ",").map(String.init) }
        (run.imported, run.zeroShot, run.ensemble, run.groupColumn) = (files.files, !noZeroShot, ensemble, groupColumn)
        let dir = try RunFolder.forThisCommand(out: out, defaultName: "elicit")
        let report = try run.run(in: dir.url, console: .terminal)
        print(report.table(), terminator: "")
        print(finishedLine(dir, files: "results.csv, summary.json, report.html, probes.safetensors"))
    }
}
