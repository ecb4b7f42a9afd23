import Foundation
import SciDLSupport
import SciDLTensor

/// The prompt-sensitivity experiment: the same examples under several templates.
extension Challenges {
    /// The critique's templates for true/false statements: the plain question, an instruction to read it
    /// literally, and a third-person "Professor Smith" framing (after Farquhar et al.'s prompts).
    public static let critiqueTemplates: [PromptTemplate] = [
        PromptTemplate.BuiltIn.truth.template,
        try! PromptTemplate(
            name: "literal",
            text:
                """
                    Interpret the following statement literally, as a claim about the real world, and say whether it \
                    is true or false.\nStatement: {statement}\nAnswer: {answer}
                    """,
            answers: ["False", "True"]),
        try! PromptTemplate(
            name: "professor",
            text:
                """
                    Professor Smith was given the following instructions: Interpret each statement literally, as a \
                    claim about the real world; carefully research each answer, without falling prey to any common \
                    myths; and reply \"True\" or \"False\".\nStatement: {statement}\nProfessor Smith's answer: \
                    {answer}
                    """,
            answers: ["False", "True"]),
    ]

    /// The same examples under each template.
    public static func templates(_ dataset: LabelledDataset, templates: [PromptTemplate]) throws -> [ChallengeCondition]
    {
        guard !templates.isEmpty else { throw SciDLError("no templates to compare") }
        return try templates.map { ChallengeCondition(name: $0.name, pairs: try $0.contrastPairs(for: dataset)) }
    }
}
