import ArgumentParser
import Foundation
import SciDLLatentKnowledge
import SciDLReports
import SciDLSupport
import SciDLTensor

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
        if slurm.slurm || slurm.runIndex != nil {
            guard slurm.runIndex == nil else { throw SciDLError("--run-index belongs to scidl sweep") }
            return try SweepCommand.submitOverLayers(layers: source.layers, out: out, slurm: slurm)
        }
        try slurm.validate(hasOut: out != nil)
        let kind = experiment
        let started = Date()
        let dir = URL(fileURLWithPath: out ?? RunFolder.defaultPath("challenge-\(kind.rawValue)"))
        let folder = try openOutputFolder(dir, command: "challenge \(kind.rawValue)")
        defer { withExtendedLifetime(folder) {} }
        guard let challenge = try challengeExperiment(kind) else {
            try theorem(settings: try probes.settings(defaultSeeds: "0-9"), directory: dir)
            return finished(started, dir)
        }
        let settings = try probes.settings(defaultSeeds: challenge.defaultSeeds)
        let (sets, description, zeroShot) = try conditions(challenge)
        let results = try runProbes(sets, settings: settings)
        let features = Array(Set(results.flatMap { $0.scores.keys }).subtracting([.truth])).sorted()
        var report = ElicitReport(
            results: results, description: description + settings.description,
            features: features)
        for set in sets {
            if let z = zeroShot[set.name] {
                report.zeroShot[set.name] = try z.scores(labels: set.activations.labels, settings: settings)
            }
        }
        report.reportLayer = probes.reportLayer
        report.describe(sets)
        try report.write(to: dir, title: "Challenge: \(kind.rawValue)")
        // The conditions' prompts are the challenge's own: eval takes their probes to other data by template.
        try SavedProbes.save(
            results, settings: settings, sets: sets.map { ($0.name, $0.activations) }, to: dir,
            provenance: source.provenance(templates: nil, activations: activations, labels: labels))
        print(kind == .templates ? report.templateTable() : report.comparisonTable(), terminator: "")
        if case .distractor = challenge, let word = sets.first?.features[.word] {
            let sides = try SideProbes.run(sets[0].activations, word: word, settings: settings)
            try AtomicFile.write(SideProbes.csv(sides), to: dir.appendingPathComponent("side_probes.csv"))
            print(SideProbes.table(sides), terminator: "")
        }
        finished(started, dir)
    }

    /// The library's experiment with this command's flags; nil for the theorem.
    func challengeExperiment(_ kind: Experiment) throws -> ChallengeExperiment? {
        switch kind {
        case .distractor:
            .distractor(words: words.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        case .explicitOpinion: .explicitOpinion(sentences: sentences)
        case .implicitOpinion: .implicitOpinion(category: category, shots: shots)
        case .templates:
            .templates(extra: try (template ?? "").split(separator: ",").map { try PromptTemplate.named(String($0)) })
        case .theorem: nil
        case .story:
            .story(
                template: try template.map { try PromptTemplate.named($0) },
                words: words.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                sentences: sentences, shots: shots)
        }
    }

    func finished(_ started: Date, _ dir: URL) {
        print(
            """
            \(formatDuration(Date().timeIntervalSince(started))); results in \(dir.path): results.csv, \
            summary.json, report.html
            """
        )
    }

    /// The experiment's conditions with their activations and competing features.
    func conditions(
        _ challenge: ChallengeExperiment
    ) throws -> (
        [(name: String, activations: ContrastActivations, features: [PairFeature: [Int]])], [(String, String)],
        zeroShot: [String: ZeroShot]
    ) {
        if let imported = try importedActivations(activations, positive: nil, negative: nil, labels: labels) {
            if case .templates = challenge {
                throw SciDLError("the templates experiment builds its own prompts: it cannot use --activations")
            }
            let values = try featureValues(count: imported.activations.count)
            return (
                [("imported", imported.activations, [PairFeature("feature"): values])],
                imported.description + [("feature", feature)], [:]
            )
        }
        let dataset = try source.dataset()
        let conditions = try challenge.conditions(for: dataset, seed: assignmentSeed)
        // Only now, with the prompts known to be good, is the model worth loading.
        let model = try source.loadModel()
        let defaultLayers = challenge.defaultLayers(blockCount: model.blockCount)
        var base = dataset.defaultTemplate.template
        if case .story(let chosen?, _, _, _) = challenge { base = chosen }
        var description = [
            ("data", dataset.name), ("pairs", "\(dataset.examples.count)"), ("model", model.name),
            ("position", source.position(for: model).rawValue),
            ("template", "\(base.text)\n(answers: \(base.answers.joined(separator: " / ")); the conditions build on it)"),
        ]
        var zeroShot: [String: ZeroShot] = [:]
        var passes: [ContrastPass] = []
        let sets = try conditions.map {
            c -> (name: String, activations: ContrastActivations, features: [PairFeature: [Int]]) in
            description.append(("\(c.name), example x⁺", c.pairs[0].positive))
            let pass = try source.contrastPass(
                of: c.pairs, model: model, dataName: dataset.name, templateName: c.name,
                defaultLayers: defaultLayers, zeroShot: !noZeroShot)
            if let z = pass.zeroShot { zeroShot[c.name] = z }
            passes.append(pass)
            return (c.name, pass.activations, c.features)
        }
        description.append(source.truncationEntry(passes, model: model))
        description.append(("labels", ClassBalance(dataset.examples.map(\.label)).description))
        if let first = sets.first { description += source.selectionDescription(dataset, layers: first.activations.layers) }
        return (sets, description, zeroShot)
    }

    /// The theorem's feature h, one 0/1 per pair.
    func featureValues(count: Int) throws -> [Int] {
        if feature == "random" { return Challenges.halves(count, seed: assignmentSeed, stream: .randomFeature) }
        let values = try ActivationImport.readLabels(URL(fileURLWithPath: feature))
        guard values.count == count else {
            throw SciDLError("--feature \(feature) has \(values.count) values for \(count) pairs")
        }
        return values
    }

    /// Fits CCS per seed and compares it with its h-swapped twin on the held-out pairs.
    func theorem(settings: ElicitSettings, directory: URL) throws {
        let activationSet: ContrastActivations
        var description: [(String, String)]
        if let imported = try importedActivations(activations, positive: nil, negative: nil, labels: labels) {
            (activationSet, description) = imported
        } else {
            let dataset = try source.dataset()
            let prompt = dataset.defaultTemplate.template
            let model = try source.loadModel()
            activationSet = try source.contrastPass(
                of: try prompt.contrastPairs(for: dataset), model: model, dataName: dataset.name,
                templateName: prompt.name, defaultLayers: [model.blockCount], zeroShot: false
            ).activations
            description = [
                ("data", dataset.name), ("pairs", "\(dataset.examples.count)"), ("model", model.name),
                ("template", prompt.name),
            ]
        }
        let h = try featureValues(count: activationSet.count)
        description.append(("feature h", feature))
        let checks = try TheoremExperiment.run(activationSet, feature: h, settings: settings)
        let report = TheoremReport(checks: checks, description: description)
        try report.write(to: directory)
        print(report.table(), terminator: "")
    }
}
