import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// `scidl challenge`: one of the critique's experiments (Farquhar, Varma et al. 2023) — a condition that
/// plants a competing feature, run through every probe — or the Theorem 1 check; writes results.csv,
/// summary.json and report.html (and the probes) into a folder.
public struct ChallengeRun: Sendable {
    public enum Kind: Sendable {
        case experiment(ChallengeExperiment)
        /// A probe predicting truth XOR h has CCS's loss (Theorem 1); h is `feature`.
        case theorem
    }

    public var kind: Kind
    public var source = ContrastSource()
    public var probes = ElicitSettings()
    public var reportLayer: Int?
    /// Seed for assigning words, views, demonstrations and the random feature.
    public var assignmentSeed: UInt64 = 0
    /// Activations from elsewhere, whose competing feature is `feature`.
    public var imported = ActivationFiles()
    /// The competing feature of imported activations and the theorem's h: `random` (a seeded random half) or
    /// a file with one 0/1 per pair.
    public var feature = "random"
    /// A decoder's own preference between each pair's members, as a baseline.
    public var zeroShot = true

    public init(_ kind: Kind) { self.kind = kind }

    /// The experiments by the names the command line gives them.
    public enum Name: String, CaseIterable, Sendable {
        case distractor
        case explicitOpinion = "explicit-opinion"
        case implicitOpinion = "implicit-opinion"
        case templates, theorem, story
    }

    /// Experiment `name` with its parameters; each uses its own (`template`: the templates experiment's extra
    /// templates, comma-separated, or the story's prompt).
    public init(
        _ name: Name, words: [String] = ChallengeExperiment.defaultWords,
        sentences: Int = ChallengeExperiment.defaultSentences, category: String? = nil,
        shots: Int = ChallengeExperiment.defaultShots, template: String? = nil
    ) throws {
        kind =
            switch name {
            case .distractor: .experiment(.distractor(words: words))
            case .explicitOpinion: .experiment(.explicitOpinion(sentences: sentences))
            case .implicitOpinion: .experiment(.implicitOpinion(category: category, shots: shots))
            case .templates:
                .experiment(
                    .templates(
                        extra: try (template ?? "").split(separator: ",").map { try PromptTemplate.named(String($0)) }))
            case .theorem: .theorem
            case .story:
                .experiment(
                    .story(
                        template: try template.map { try PromptTemplate.named($0) }, words: words, sentences: sentences,
                        shots: shots))
            }
    }

    /// The probe seeds an experiment uses unless told otherwise.
    public var defaultSeeds: String {
        if case .experiment(let e) = kind { e.defaultSeeds } else { "0-9" }
    }

    /// What the run wrote, and the tables the terminal shows.
    public struct Result: Sendable {
        public var report: ElicitReport?
        public var theorem: TheoremReport?
        public var sideProbes: [SideProbeResult] = []
        public var table: String
    }

    public func run(in directory: URL, console: RunConsole = .silent) throws -> Result {
        guard case .experiment(let challenge) = kind else { return try theorem(in: directory, console: console) }
        let (sets, description, zeroShots) = try conditions(challenge, console: console)
        let results = try Elicitation.run(sets: sets, settings: probes, console: console)
        let features = Array(Set(results.flatMap { $0.scores.keys }).subtracting([.truth])).sorted()
        var report = ElicitReport(results: results, description: description + probes.description, features: features)
        for set in sets {
            if let z = zeroShots[set.name] {
                report.zeroShot[set.name] = try z.scores(labels: set.activations.labels, settings: probes)
            }
        }
        report.reportLayer = reportLayer
        report.describe(sets)
        try report.write(to: directory, title: "Challenge: \(challenge.name)")
        // The conditions' prompts are the challenge's own: eval takes their probes to other data by template.
        try SavedProbes.save(
            results, settings: probes, sets: sets.map { ($0.name, $0.activations) }, to: directory,
            provenance: ProbeProvenance(source: source, imported: imported))
        var result = Result(
            report: report, table: challenge.isTemplates ? report.templateTable() : report.comparisonTable())
        if case .distractor = challenge, let word = sets.first?.features[.word] {
            result.sideProbes = try SideProbes.run(sets[0].activations, word: word, settings: probes)
            try AtomicFile.write(
                SideProbes.csv(result.sideProbes), to: directory.appendingPathComponent("side_probes.csv"))
            result.table += SideProbes.table(result.sideProbes)
        }
        return result
    }

    /// The experiment's conditions with their activations and competing features, a description, and the
    /// model's zero-shot answers per condition.
    func conditions(
        _ challenge: ChallengeExperiment, console: RunConsole
    ) throws -> (
        [(name: String, activations: ContrastActivations, features: [PairFeature: [Int]])], [(String, String)],
        zeroShot: [String: ZeroShot]
    ) {
        if let files = try imported.load() {
            if case .templates = challenge {
                throw SciDLError("the templates experiment builds its own prompts: it cannot use --activations")
            }
            let values = try featureValues(count: files.activations.count)
            return (
                [("imported", files.activations, [PairFeature("feature"): values])],
                files.description + [("feature", feature)], [:]
            )
        }
        let dataset = try source.dataset(console: console)
        let conditions = try challenge.conditions(for: dataset, seed: assignmentSeed)
        // Only now, with the prompts known to be good, is the model worth loading.
        let model = try source.loadModel()
        var base = dataset.defaultTemplate.template
        if case .story(let chosen?, _, _, _) = challenge { base = chosen }
        var description = [
            ("data", dataset.name), ("pairs", "\(dataset.examples.count)"), ("model", model.name),
            ("position", source.position(for: model).rawValue),
            (
                "template",
                "\(base.text)\n(answers: \(base.answers.joined(separator: " / ")); the conditions build on it)"
            ),
        ]
        var zeroShots: [String: ZeroShot] = [:]
        var passes: [ContrastPass] = []
        let sets = try conditions.map {
            c -> (name: String, activations: ContrastActivations, features: [PairFeature: [Int]]) in
            description.append(("\(c.name), example x⁺", c.pairs[0].positive))
            let pass = try source.contrastPass(
                of: c.pairs, model: model, dataName: dataset.name, templateName: c.name,
                defaultLayers: challenge.defaultLayers(blockCount: model.blockCount), zeroShot: zeroShot,
                console: console)
            zeroShots[c.name] = pass.zeroShot
            passes.append(pass)
            return (c.name, pass.activations, c.features)
        }
        description.append(source.truncationEntry(passes, model: model))
        description.append(("labels", ClassBalance(dataset.examples.map(\.label)).description))
        if let first = sets.first {
            description += source.selectionDescription(dataset, layers: first.activations.layers)
        }
        return (sets, description, zeroShots)
    }

    /// The competing feature h of imported activations or the theorem, one 0/1 per pair.
    func featureValues(count: Int) throws -> [Int] {
        if feature == "random" { return Challenges.halves(count, seed: assignmentSeed, stream: .randomFeature) }
        let values = try ActivationImport.readLabels(URL(fileURLWithPath: feature))
        guard values.count == count else {
            throw SciDLError("--feature \(feature) has \(values.count) values for \(count) pairs")
        }
        return values
    }

    /// Fits CCS per seed and compares it with its h-swapped twin on the held-out pairs.
    func theorem(in directory: URL, console: RunConsole) throws -> Result {
        let activations: ContrastActivations
        var description: [(String, String)]
        if let files = try imported.load() {
            (activations, description) = files
        } else {
            let dataset = try source.dataset(console: console)
            let prompt = dataset.defaultTemplate.template
            let model = try source.loadModel()
            activations = try source.contrastPass(
                of: try prompt.contrastPairs(for: dataset), model: model, dataName: dataset.name,
                templateName: prompt.name, defaultLayers: [model.blockCount], zeroShot: false, console: console
            ).activations
            description = [
                ("data", dataset.name), ("pairs", "\(dataset.examples.count)"), ("model", model.name),
                ("template", prompt.name),
            ]
        }
        let h = try featureValues(count: activations.count)
        description.append(("feature h", feature))
        let checks = try TheoremExperiment.run(activations, feature: h, settings: probes)
        let report = TheoremReport(checks: checks, description: description)
        try report.write(to: directory)
        return Result(theorem: report, table: report.table())
    }
}
