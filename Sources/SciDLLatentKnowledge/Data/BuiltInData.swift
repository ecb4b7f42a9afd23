import Foundation
import SciDLSupport
import SciDLTensor

/// Labelled data sets generated on the spot, so that `scidl elicit` needs no download.
public enum BuiltInData: String, CaseIterable, Sendable {
    /// "57 is larger than 23." / "57 is smaller than 23." for numbers 1–99, half true.
    case comparisons
    /// "17 + 25 = 42." with the right sum or one off by 1–9, half true.
    case arithmetic

    /// `count` examples drawn with `seed`, half of them true, in random order.
    public func dataset(count: Int = 1000, seed: UInt64 = 0) -> LabelledDataset {
        var random = SeededGenerator(seed: seed, stream: .builtInData)
        func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + random.nextInt(below: range.count) }
        var examples: [LabelledExample] = []
        for i in 0..<count {
            let label = i % 2
            switch self {
            case .comparisons:
                var a = 0
                var b = 0
                while a == b {
                    a = draw(1...99)
                    b = draw(1...99)
                }
                let word = (a > b) == (label == 1) ? "larger" : "smaller"
                examples.append(
                    LabelledExample(
                        fields: ["statement": "\(a) is \(word) than \(b).", "a": "\(a)", "b": "\(b)"], label: label))
            case .arithmetic:
                let a = draw(1...50)
                let b = draw(1...50)
                let offset = draw(1...9) * (draw(0...1) == 1 ? 1 : -1)
                let c = label == 1 ? a + b : a + b + offset
                examples.append(
                    LabelledExample(
                        fields: ["statement": "\(a) + \(b) = \(c).", "a": "\(a)", "b": "\(b)"], label: label))
            }
        }
        examples = random.permutation(count).map { examples[$0] }
        return LabelledDataset(name: rawValue, examples: examples, columns: ["statement", "a", "b", "label"])
    }
}

extension LabelledDataset {
    /// A built-in data set's name (`comparisons`, `arithmetic`) or a data file's path; `limit` keeps the
    /// first examples only.
    public static func named(
        _ nameOrPath: String, columns: ColumnMapping = ColumnMapping(), limit: Int? = nil
    ) throws -> LabelledDataset {
        var dataset: LabelledDataset
        if let builtIn = BuiltInData(rawValue: nameOrPath), !FileManager.default.fileExists(atPath: nameOrPath) {
            dataset = builtIn.dataset(count: limit ?? 1000)
        } else {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw SciDLError(
                    """
                    no data file \(nameOrPath): give a .csv or .jsonl path, or a built-in data set \
                    (\(BuiltInData.allCases.map(\.rawValue).joined(separator: ", ")))
                    """
                )
            }
            dataset = try LabelledDataset(contentsOf: URL(fileURLWithPath: nameOrPath), columns: columns)
        }
        if let limit {
            guard limit > 0 else { throw SciDLError("--limit must be positive (got \(limit))") }
            dataset.examples = Array(dataset.examples.prefix(limit))
        }
        return dataset
    }

    /// The built-in template that fits this data: the paper's for TruthfulQA and DBpedia topics,
    /// `question` for question/passage data (BoolQ), `sentiment` for a `text` column, otherwise `truth` over
    /// `{statement}`.
    public var defaultTemplate: PromptTemplate.BuiltIn {
        if columns.contains("question") && columns.contains("answer_text") { return .truthfulQA }
        if columns.contains("content") && columns.contains("choice1") { return .topicAlice }
        if columns.contains("question") && columns.contains("passage") { return .question }
        if !columns.contains("statement") && columns.contains("text") { return .sentiment }
        return .truth
    }
}
