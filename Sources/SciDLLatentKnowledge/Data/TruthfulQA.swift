import SciDLSupport

/// TruthfulQA's layout (Lin et al. 2021): one row per question with `; `-separated correct and incorrect
/// answers. Farquhar et al. (2023) ask about one candidate answer per contrast pair.
enum TruthfulQA {
    /// Whether a file's columns are TruthfulQA's.
    static func matches(_ columns: [String]) -> Bool {
        ["Question", "Correct Answers", "Incorrect Answers"].allSatisfy(columns.contains)
    }

    /// One example per (question, candidate answer): of each question as many correct as incorrect answers
    /// (the first k of each, k the smaller count), so the classes balance question by question. Fields:
    /// `question`, `answer_text`, `category`; label 1 for a correct answer.
    static func examples(_ rows: [[String: String]], file: String) throws -> [LabelledExample] {
        var examples: [LabelledExample] = []
        for row in rows {
            func answers(_ column: String) -> [String] {
                (row[column] ?? "").components(separatedBy: "; ").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
            }
            let (correct, incorrect) = (answers("Correct Answers"), answers("Incorrect Answers"))
            let k = min(correct.count, incorrect.count)
            let question = row["Question"] ?? ""
            for (label, list) in [(1, correct), (0, incorrect)] {
                for answer in list.prefix(k) {
                    examples.append(
                        LabelledExample(
                            fields: ["question": question, "answer_text": answer, "category": row["Category"] ?? ""],
                            label: label))
                }
            }
        }
        guard !examples.isEmpty else {
            throw SciDLError("\(file) looks like TruthfulQA but no question has both a correct and an incorrect answer")
        }
        return examples
    }

    static let columns = ["question", "answer_text", "category", "label"]
}

/// The DBpedia topic layout of Farquhar et al.'s implicit-opinion experiment (as Cadenza-Labs publish it):
/// a text, its class (`correct`), another class (`incorrect`), and which of "Choice 1" / "Choice 2" is
/// the correct one (`choice_label`).
enum TopicChoices {
    static func matches(_ columns: [String]) -> Bool {
        ["content", "correct", "incorrect", "choice_label"].allSatisfy(columns.contains)
    }

    /// Fields `content`, `choice1`, `choice2`, `topic` (the correct class) and `company` (1 when the topic
    /// is a company); label 1 when Choice 2 is correct (x⁺ answers "2").
    static func examples(_ rows: [[String: String]], file: String) throws -> [LabelledExample] {
        try rows.enumerated().map { i, row in
            let (correct, incorrect) = (row["correct"] ?? "", row["incorrect"] ?? "")
            guard let choice = row["choice_label"], choice == "1" || choice == "2" else {
                throw SciDLError(
                    "\(file), line \(i + 1): choice_label '\(printable(row["choice_label"] ?? ""))' is not 1 or 2")
            }
            let choices = choice == "1" ? [correct, incorrect] : [incorrect, correct]
            return LabelledExample(
                fields: [
                    "content": row["content"] ?? "", "choice1": choices[0], "choice2": choices[1], "topic": correct,
                    "company": correct.lowercased() == "company" ? "1" : "0",
                ],
                label: choice == "2" ? 1 : 0)
        }
    }

    static let columns = ["content", "choice1", "choice2", "topic", "company", "label"]
}
