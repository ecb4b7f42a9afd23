import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLReports
import SciDLSupport

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
        help: """
            Prompt templates, comma-separated: truth, yes-no, question, sentiment, or template files (default: \
            the one that fits the data).
            """)
    var template: String?
    @OptionGroup var files: ActivationOptions
    @Flag(help: "Skip the zero-shot baseline (a decoder's own preference between each pair's two members).")
    var noZeroShot = false
    @Flag(help: "Also pool the templates' probes per example (elk's full ensembling), as rows of their own.")
    var ensemble = false
    @Option(help: "Keep the examples that share this column's value on one side of every train/test split.")
    var groupColumn: String?
    @OptionGroup var slurm: SlurmOptions
    @Option(help: "Output directory (default: runs/elicit-<date>-<time>).") var out: String?

    func run() throws {
        if try slurm.submitsOverLayers(source.layers, out: out) { return }
        var run = ElicitRun()
        (run.source, run.probes, run.reportLayer) = (try source.contrastSource, try probes.settings(), probes.reportLayer)
        run.templates = template.map { $0.split(separator: ",").map(String.init) }
        (run.imported, run.zeroShot, run.ensemble, run.groupColumn) = (files.files, !noZeroShot, ensemble, groupColumn)
        let started = Date()
        let dir = try openOutputFolder(out, default: "elicit")
        let report = try run.run(in: dir.url, console: .terminal)
        print(report.table(), terminator: "")
        print(finishedLine(started, dir.url, files: "results.csv, summary.json, report.html, probes.safetensors"))
    }
}

/// Activations from elsewhere, by file.
struct ActivationOptions: ParsableArguments {
    @Option(
        help: """
            Activations from elsewhere: .npy [n,2,d] or [layers,n,2,d], or .npz/.safetensors with activations or \
            positive/negative.
            """)
    var activations: String?
    @Option(help: "x⁺ activations file ([n,d] or [layers,n,d]), with --negative.") var positive: String?
    @Option(help: "x⁻ activations file, with --positive.") var negative: String?
    @Option(help: "Labels for imported activations: .npy, .csv/.jsonl (label column) or one 0/1 per line.")
    var labels: String?

    var files: ActivationFiles {
        ActivationFiles(file: activations, positive: positive, negative: negative, labels: labels)
    }
}
