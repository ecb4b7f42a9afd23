import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLSupport

struct Challenge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The critique (Farquhar, Varma et al. 2023): do unsupervised probes find knowledge, or any feature?",
        discussion: """
            distractor: a word ("Banana" or "Shed") appended to both members of a random half of the pairs; \
            explicit-opinion: an expert character's random view stated before the answer; implicit-opinion: \
            few-shot examples where the character errs on one category; templates: the same data under several \
            prompts; theorem: a probe for truth XOR any feature has CCS's loss; story: the whole critique on one \
            data set. Prints accuracy on the truth and on the competing feature per method. With --activations, \
            --feature names the competing feature.
            """)
    @Argument(help: "distractor, explicit-opinion, implicit-opinion, templates, theorem or story.")
    var experiment: ChallengeRun.Name
    @OptionGroup var source: SourceOptions
    @OptionGroup var probes: ProbeOptions
    private typealias Defaults = ChallengeExperiment
    @Option(help: "distractor: two words, comma-separated.") var words = Defaults.defaultWords.joined(separator: ",")
    @Option(help: "explicit-opinion: sentences stating Alice's view (1-8).") var sentences = Defaults.defaultSentences
    @Option(help: "implicit-opinion: examples where Alice errs, e.g. correct_country=China (default: the data's).")
    var category: String?
    @Option(help: "implicit-opinion: solved examples shown before each question.") var shots = Defaults.defaultShots
    @Option(help: "templates: extra ones, comma-separated; story: the prompt (default: the data's).")
    var template: String?
    @Option(help: "theorem: the feature h, random (a seeded random half) or a file of one 0/1 per pair.")
    var feature = "random"
    @Option(help: "Seed assigning words, views, demonstrations and the random feature.") var assignmentSeed: UInt64 = 0
    @OptionGroup var files: ActivationOptions
    @Flag(help: "Skip the zero-shot baseline (the decoder's own preference in each pair).") var noZeroShot = false
    @OptionGroup var slurm: SlurmOptions
    @Option(help: "Output directory (default: runs/challenge-<experiment>-<date>-<time>).") var out: String?

    func run() throws {
        if try slurm.submitsOverLayers(source.layers, out: out) { return }
        var run = try ChallengeRun(
            experiment, words: words.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            sentences: sentences, category: category, shots: shots, template: template)
        run.source = try source.contrastSource
        (run.reportLayer, run.assignmentSeed) = (probes.reportLayer, assignmentSeed)
        run.probes = try probes.settings(defaultSeeds: run.defaultSeeds)
        (run.imported, run.feature, run.zeroShot) = (files.files, feature, !noZeroShot)
        let dir = try RunFolder.forThisCommand(out: 
            out, defaultName: "challenge-\(experiment.rawValue)", command: "challenge \(experiment.rawValue)")
        print(try run.run(in: dir.url, console: .terminal).table, terminator: "")
        print(finishedLine(dir, files: "results.csv, summary.json, report.html"))
    }
}
