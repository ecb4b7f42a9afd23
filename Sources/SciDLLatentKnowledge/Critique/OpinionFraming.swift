import Foundation

/// How SciDL's own opinion prompts speak of the data: true/false statements, sentiment of reviews, yes/no
/// questions about a passage, candidate answers to questions, or a text's topic between two choices.
struct OpinionFraming {
    var task: String, noun: String, answers: [String]
    var text: ([String: String]) -> String

    init(for dataset: LabelledDataset) {
        switch dataset.defaultTemplate {
        case .question:
            (task, noun, answers) = ("answering questions about passages", "passage and question", ["no", "yes"])
            text = { "\($0["passage"] ?? "")\nQuestion: \($0["question"] ?? "")?" }
        case .sentiment:
            (task, noun, answers) = ("classifying the sentiment of reviews", "review", ["negative", "positive"])
            text = { $0["text"] ?? "" }
        case .truthfulQA, .truthfulQALiteral, .truthfulQAProfessor:
            (task, noun, answers) = ("judging answers to questions", "answer", ["false", "true"])
            text = { "Question: \($0["question"] ?? "")\nAnswer: \($0["answer_text"] ?? "")" }
        case .topicAlice, .topicAntiCapitalist:
            (task, noun, answers) = ("telling the topic of texts", "text", ["Choice 1", "Choice 2"])
            text = { "\($0["content"] ?? "")\nChoice 1: \($0["choice1"] ?? "")\nChoice 2: \($0["choice2"] ?? "")" }
        case .truth, .yesNo, .statementLiteral, .statementProfessor:
            (task, noun, answers) = ("telling true statements from false ones", "statement", ["false", "true"])
            text = { $0["statement"] ?? "" }
        }
    }
}
