import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLReports
import SciDLSupport

struct Challenge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            """
            The critique experiments (Farquhar, Varma et al. 2023): do unsupervised probes find knowledge, or any \
            salient feature?
            """,
        discussion: """
            EXPERIMENT is one of: distractor (a word, "Banana" or "Shed", appended to both members of each pair \
            of a random half), explicit-opinion (an expert character's random view stated before the answer), \
            implicit-opinion (few-shot examples where the character errs on one category), templates (the same \
            data under several prompt templates), theorem (a probe predicting truth XOR any feature has the \
            same CCS loss), story (the whole critique on one data set and sample: the default prompt, the \
            distractor, the explicit opinion and, where the data has a category or topics, the implicit one, with \
            one summary figure). Each prints, for every method, accuracy on the truth and on the competing feature, \
            and writes results.csv, summary.json and report.html into --out. With --activations, a distractor, \
            opinion or theorem run uses activations from elsewhere and --feature names the competing feature.
            """
    )
    enum Experiment: String, CaseIterable, ExpressibleByArgument {
        case distractor
        case explicitOpinion = "explicit-opinion"
        case implicitOpinion = "implicit-opinion"
        case templates, theorem, story
    }

    @Argument(help: "distractor, explicit-opinion, implicit-opinion, templates, theorem or story.")
    var experiment: Experiment
    @OptionGroup var source: SourceOptions
    @OptionGroup var probes: ProbeOptions
    @Option(help: "distractor: the two words, comma-separated.")
    var words = ChallengeExperiment.defaultWords.joined(separator: ",")
    @Option(help: "explicit-opinion: sentences stating Alice's view (1-8).")
    var sentences = ChallengeExperiment.defaultSentences
    @Option(
        help: "implicit-opinion: examples where Alice errs, e.g. correct_country=China, n1>75 (default: per data set).")
    var category: String?
    @Option(help: "implicit-opinion: solved examples shown before each question.")
    var shots = ChallengeExperiment.defaultShots
    @Option(
        help: """
            templates: extra templates, comma-separated, beside the critique's plain, literal and professor; story: \
            the prompt (default: the data set's).
            """)
    var template: String?
    @Option(help: "theorem: the feature h: random (a seeded random half) or a file with one 0/1 per pair.")
    var feature = "random"
    @Option(help: "Seed for assigning words, views, demonstrations and the random feature.") var assignmentSeed:
        UInt64 = 0
    @Option(help: "Imported activations (see scidl elicit --help); needs --labels or labels in the file.")
    var activations: String?
    @Option(help: "Labels for imported activations.") var labels: String?
    @Flag(help: "Skip the zero-shot baseline (a decoder's own preference between each pair's two members).")
    var noZeroShot = false
    @OptionGroup var slurm: SlurmOptions
    @Option(help: "Output directory (default: runs/challenge-<experiment>-<date>-<time>).") var out: String?

    func run() throws {
        if try slurm.submitsOverLayers(source.layers, out: out) { return }
        var run = ChallengeRun(try kind())
        (run.source, run.reportLayer, run.assignmentSeed) = (try source.contrastSource, probes.reportLayer, assignmentSeed)
        run.probes = try probes.settings(defaultSeeds: run.defaultSeeds)
        (run.imported, run.feature, run.zeroShot) = (ActivationFiles(file: activations, labels: labels), feature, !noZeroShot)
        let started = Date()
        let name = "challenge-\(experiment.rawValue)"
        let dir = try openOutputFolder(out, default: name, command: "challenge \(experiment.rawValue)")
        print(try run.run(in: dir.url, console: .terminal).table, terminator: "")
        print(finishedLine(started, dir.url, files: "results.csv, summary.json, report.html"))
    }

    /// The library's experiment with this command's flags.
    func kind() throws -> ChallengeRun.Kind {
        let wordList = words.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return switch experiment {
        case .distractor: .experiment(.distractor(words: wordList))
        case .explicitOpinion: .experiment(.explicitOpinion(sentences: sentences))
        case .implicitOpinion: .experiment(.implicitOpinion(category: category, shots: shots))
        case .templates:
            .experiment(.templates(extra: try (template ?? "").split(separator: ",").map { try PromptTemplate.named(String($0)) }))
        case .theorem: .theorem
        case .story:
            .experiment(
                .story(
                    template: try template.map { try PromptTemplate.named($0) }, words: wordList,
                    sentences: sentences, shots: shots))
        }
    }
}
