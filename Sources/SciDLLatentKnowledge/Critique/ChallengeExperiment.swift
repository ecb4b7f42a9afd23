import Foundation
import SciDLSupport

/// The critique experiments of Farquhar, Varma et al. (2023) that build their own prompts, with their settings:
/// each gives the conditions whose activations the probes are fitted on. (The Theorem 1 check, which needs no
/// new prompts, is `TheoremExperiment`.)
public enum ChallengeExperiment: Sendable {
    /// Two words, one appended to both members of each pair of a random half (`Challenges.distractor`).
    case distractor(words: [String])
    /// A character's view stated in `sentences` sentences before the answer (`Challenges.explicitOpinion`).
    case explicitOpinion(sentences: Int)
    /// A character who errs on `category` (nil: the data set's default), shown in `shots` demonstrations; on
    /// DBpedia topics without a category, the paper's two prompts instead.
    case implicitOpinion(category: String?, shots: Int)
    /// The critique's three templates plus `extra` ones.
    case templates(extra: [PromptTemplate])
    /// The whole critique on one data set and sample: the default prompt, the distractor words, the explicit
    /// opinion and, where the data has a category (or the DBpedia topics), the implicit opinion.
    /// `template` replaces the data set's default prompt (and the distractor's).
    case story(template: PromptTemplate?, words: [String], sentences: Int, shots: Int)

    public static let defaultWords = ["Banana", "Shed"]
    public static let defaultSentences = 1
    public static let defaultShots = 4

    /// Its name on the command line and in report titles (`ChallengeRun.Name`'s spelling).
    public var name: String {
        let name: ChallengeRun.Name =
            switch self {
            case .distractor: .distractor
            case .explicitOpinion: .explicitOpinion
            case .implicitOpinion: .implicitOpinion
            case .templates: .templates
            case .story: .story
            }
        return name.rawValue
    }

    var isTemplates: Bool { if case .templates = self { true } else { false } }

    /// Probe seeds by default.
    public var defaultSeeds: String {
        switch self {
        case .distractor: "0-19"
        case .story: "0-4"
        default: "0-9"
        }
    }

    /// Layers read by default from a model with `blockCount` blocks: the last one, or for the story six
    /// spread over the depth (its figures show each condition at the supervised probe's best of them).
    public func defaultLayers(blockCount: Int) -> [Int] {
        guard case .story = self else { return [blockCount] }
        let step = max(1, blockCount / 6)
        return Array(stride(from: blockCount, to: 0, by: -step).reversed())
    }

    /// The conditions on `dataset`; `seed` assigns words, views and demonstrations.
    public func conditions(for dataset: LabelledDataset, seed: UInt64) throws -> [ChallengeCondition] {
        switch self {
        case .distractor(let words):
            [try Challenges.distractor(dataset, template: dataset.defaultTemplate.template, words: words, seed: seed)]
        case .explicitOpinion(let sentences):
            [try Challenges.explicitOpinion(dataset, sentences: sentences, seed: seed)]
        case .implicitOpinion(nil, _) where dataset.defaultTemplate == .topicAlice:
            try Challenges.papersImplicitOpinion(dataset)
        case .implicitOpinion(let category, let shots):
            [
                try Challenges.implicitOpinion(
                    dataset,
                    category: try category.map { try ExampleCategory(parsing: $0, columns: dataset.columns) }
                        ?? ExampleCategory.defaultCategory(for: dataset),
                    shots: shots, seed: seed)
            ]
        case .templates(let extra):
            try Challenges.templates(dataset, templates: Challenges.critiqueTemplates(for: dataset) + extra)
        case .story(let template, let words, let sentences, let shots):
            try Self.story(
                dataset, template: template ?? dataset.defaultTemplate.template, words: words, sentences: sentences,
                shots: shots, seed: seed)
        }
    }

    static func story(
        _ dataset: LabelledDataset, template: PromptTemplate, words: [String], sentences: Int, shots: Int, seed: UInt64
    ) throws -> [ChallengeCondition] {
        var conditions = [
            ChallengeCondition(name: "prompt \(template.name)", pairs: try template.contrastPairs(for: dataset)),
            try Challenges.distractor(dataset, template: template, words: words, seed: seed),
            try Challenges.explicitOpinion(dataset, sentences: min(sentences, 7), seed: seed),
        ]
        if dataset.defaultTemplate == .topicAlice {
            conditions += try Challenges.papersImplicitOpinion(dataset)
        } else if let category = try? ExampleCategory.defaultCategory(for: dataset) {
            conditions.append(try Challenges.implicitOpinion(dataset, category: category, shots: shots, seed: seed))
        }
        return conditions
    }
}
