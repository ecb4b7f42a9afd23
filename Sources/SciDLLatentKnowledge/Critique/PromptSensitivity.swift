import Foundation
import SciDLSupport
import SciDLTensor

/// The prompt-sensitivity experiment: the same examples under several templates.
extension Challenges {
    /// The critique's templates for `dataset`: on TruthfulQA the paper's three (plain, `literal`,
    /// `professor`), verbatim; on true/false statements SciDL's variants of them.
    public static func critiqueTemplates(for dataset: LabelledDataset) -> [PromptTemplate] {
        let builtIns: [PromptTemplate.BuiltIn] =
            dataset.defaultTemplate == .truthfulQA
            ? [.truthfulQA, .truthfulQALiteral, .truthfulQAProfessor]
            : [.truth, .statementLiteral, .statementProfessor]
        return builtIns.map(\.template)
    }

    /// The same examples under each template.
    public static func templates(_ dataset: LabelledDataset, templates: [PromptTemplate]) throws -> [ChallengeCondition]
    {
        guard !templates.isEmpty else { throw SciDLError("no templates to compare") }
        return try templates.map { ChallengeCondition(name: $0.name, pairs: try $0.contrastPairs(for: dataset)) }
    }
}
