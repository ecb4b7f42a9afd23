import Foundation
import SciDLSupport
import SciDLTensor

/// A prompt with named placeholders, `{statement}`, `{answer}` or any column of the data, and the two
/// candidate answers: the first makes x⁻ (the "false/no" member of a contrast pair), the second x⁺.
///
/// A template file is plain text. An optional first line `answers: False | True` names the answers
/// (default `No | Yes`); the rest is the prompt, e.g. `{statement} Is this statement true or false? {answer}`.
public struct PromptTemplate: Sendable, Equatable {
    public var name: String
    public var text: String
    public var answers: [String]

    public init(name: String, text: String, answers: [String]) throws {
        self.name = name
        self.text = text
        self.answers = answers
        guard answers.count == 2, !answers[0].isEmpty, !answers[1].isEmpty, answers[0] != answers[1] else {
            let given = printable(answers.joined(separator: " | "))
            throw SciDLError(
                "template '\(printable(name))' needs two different answers, e.g. 'answers: No | Yes' (got \(given))")
        }
        guard placeholders.contains("answer") else {
            throw SciDLError(
                """
                template '\(printable(name))' has no {answer} placeholder: a contrast pair differs only in the \
                answer, so the prompt must say where it goes
                """
            )
        }
        guard placeholders.count > 1 else {
            throw SciDLError(
                "template '\(printable(name))' has no placeholder for the example (e.g. {statement}), only {answer}")
        }
    }

    /// Reads a template file (see the type's documentation).
    public init(contentsOf url: URL) throws {
        guard let content = try? String(contentsOf: url, encoding: .utf8) else {
            throw SciDLError("cannot read template file \(url.path)")
        }
        try self.init(fileContents: content, name: url.deletingPathExtension().lastPathComponent)
    }

    /// A template file's text (an optional `answers:` line, then the template) under `name`.
    public init(fileContents content: String, name: String) throws {
        var lines = content.components(separatedBy: "\n")
        var answers = ["No", "Yes"]
        if let first = lines.first, first.lowercased().hasPrefix("answers:") {
            answers = first.dropFirst("answers:".count).split(separator: "|").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            lines.removeFirst()
        }
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        try self.init(name: name, text: lines.joined(separator: "\n"), answers: answers)
    }

    /// The names inside `{…}`, in order of first appearance.
    public var placeholders: [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = String(rest[rest.index(after: open)..<close])
            if !name.isEmpty, !names.contains(name) { names.append(name) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// Checks that every placeholder but `{answer}` is a field of the data.
    public func check(against columns: [String], data: String) throws {
        for p in placeholders where p != "answer" && !columns.contains(p) {
            throw SciDLError(
                """
                template '\(printable(name))' needs {\(printable(p))}, which \(data) does not have (its columns: \
                \(printable(columns.joined(separator: ", "), limit: 200))); map a column with --text-column or pick \
                another --template
                """
            )
        }
    }

    /// The prompt for `fields` with `answer` filled in.
    public func render(_ fields: [String: String], answer: String) -> String {
        var out = text.replacingOccurrences(of: "{answer}", with: answer)
        for p in placeholders where p != "answer" {
            out = out.replacingOccurrences(of: "{\(p)}", with: fields[p] ?? "")
        }
        return out
    }

    /// A built-in template's name or a template file's path.
    public static func named(_ nameOrPath: String) throws -> PromptTemplate {
        if let builtIn = BuiltIn(rawValue: nameOrPath) { return builtIn.template }
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return try PromptTemplate(contentsOf: URL(fileURLWithPath: nameOrPath))
        }
        let names = BuiltIn.allCases.map(\.rawValue).sorted().joined(separator: ", ")
        throw SciDLError("no template '\(printable(nameOrPath))': use one of \(names) or a template file's path")
    }
}

/// The two prompts of one example, identical but for the answer, and which of them is true.
public struct ContrastPair: Sendable, Equatable {
    /// x⁺: the prompt with the second ("true/yes") answer.
    public var positive: String
    /// x⁻: the prompt with the first ("false/no") answer.
    public var negative: String
    /// 1 when x⁺ is the true member.
    public var label: Int

    public init(positive: String, negative: String, label: Int) {
        (self.positive, self.negative, self.label) = (positive, negative, label)
    }
}

extension PromptTemplate {
    /// One contrast pair per example of `dataset`.
    public func contrastPairs(for dataset: LabelledDataset) throws -> [ContrastPair] {
        try check(against: dataset.columns, data: dataset.name)
        return dataset.examples.map {
            ContrastPair(
                positive: render($0.fields, answer: answers[1]), negative: render($0.fields, answer: answers[0]),
                label: $0.label)
        }
    }
}
