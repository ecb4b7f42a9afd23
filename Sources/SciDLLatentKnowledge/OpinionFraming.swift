import Foundation

/// How an opinion prompt speaks of the data: true/false statements, sentiment of reviews, or yes/no
/// questions about a passage.
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
        case .truth, .yesNo:
            (task, noun, answers) = ("telling true statements from false ones", "statement", ["false", "true"])
            text = { $0["statement"] ?? "" }
        }
    }
}
