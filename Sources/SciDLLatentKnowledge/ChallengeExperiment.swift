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

    public static let defaultWords = ["Banana", "Shed"]
    public static let defaultSentences = 1
    public static let defaultShots = 4

    /// Probe seeds by default.
    public var defaultSeeds: String {
        if case .distractor = self { "0-19" } else { "0-9" }
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
        }
    }
}
