import Foundation
import SciDLSupport
import SciDLTensor

/// One labelled example: every field of its row by name (templates read them through placeholders) and
/// whether it is true (1) or false (0).
public struct LabelledExample: Sendable, Equatable {
    public var fields: [String: String]
    public var label: Int

    public init(fields: [String: String], label: Int) {
        self.fields = fields
        self.label = label
    }
}

/// A named list of labelled examples.
public struct LabelledDataset: Sendable {
    public var name: String
    public var examples: [LabelledExample]
    /// The fields every example has, in file order.
    public var columns: [String]

    public init(name: String, examples: [LabelledExample], columns: [String]) {
        self.name = name
        self.examples = examples
        self.columns = columns
    }
}

extension LabelledDataset {
    /// Texts this long take a while to tokenize and lose their start to the model's context.
    public static let longTextCharacters = 100_000

    /// One line each for what a careful user would want to know before the model runs: examples with no text
    /// at all (their prompts are the template alone), and very long texts.
    public var inputWarnings: [String] {
        var out: [String] = []
        // The label's own column (a value that reads as the example's label) is not text.
        let lengths = examples.map { e in
            e.fields.values.filter { Self.parseLabel($0) != e.label }
                .reduce(0) { $0 + $1.trimmingCharacters(in: .whitespaces).count }
        }
        let empty = lengths.filter { $0 == 0 }.count
        if empty > 0 {
            out.append(
                """
                \(name): \(empty) of \(examples.count) examples have no text (their prompts are the template alone); \
                drop them from the file if that is not meant
                """)
        }
        let long = lengths.filter { $0 > Self.longTextCharacters }
        if let longest = long.max() {
            out.append(
                """
                \(name): \(long.count) examples are over \(Self.longTextCharacters) characters (the longest \(longest)): \
                tokenizing them takes time, and prompts over the model's context lose their start (--max-tokens)
                """)
        }
        return out
    }
}

/// How to read a file's columns: which holds the label, and which (if any) should also be readable as
/// `{statement}` so that the built-in templates apply to files with other column names.
public struct ColumnMapping: Sendable {
    public var label: String?
    public var text: String?

    public init(label: String? = nil, text: String? = nil) {
        self.label = label
        self.text = text
    }
}

extension LabelledDataset {
    /// Reads a CSV (header row; RFC 4180 quoting) or JSON-lines file. The label column defaults to
    /// `label` (CSV) or `answer` (JSONL, as in BoolQ); labels may be 0/1 or true/false.
    public init(contentsOf url: URL, columns mapping: ColumnMapping = ColumnMapping()) throws {
        guard let data = try? Data(contentsOf: url) else { throw SciDLError("cannot read data file \(url.path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw SciDLError("\(url.path) is not UTF-8 text") }
        try self.init(text: text, file: url.lastPathComponent, columns: mapping)
    }

    /// A data file's text; `file` names it (its extension says CSV or JSON lines) in errors and gives the
    /// data set its name.
    public init(text: String, file: String, columns mapping: ColumnMapping = ColumnMapping()) throws {
        let url = URL(fileURLWithPath: file)
        var rows: [[String: String]]
        var columns: [String]
        if url.pathExtension.lowercased() == "jsonl" || url.pathExtension.lowercased() == "ndjson" {
            (rows, columns) = try Self.parseJSONLines(text, file: file)
        } else {
            (rows, columns) = try Self.parseCSV(text, file: file)
        }
        guard !rows.isEmpty else { throw SciDLError("\(file) has no examples (an empty file, or a header only)") }
        let name = url.deletingPathExtension().lastPathComponent
        // The papers' own layouts, laid out as examples for their prompts.
        if mapping.label == nil, TruthfulQA.matches(columns) {
            self.init(name: name, examples: try TruthfulQA.examples(rows, file: file), columns: TruthfulQA.columns)
            return
        }
        if mapping.label == nil, TopicChoices.matches(columns) {
            self.init(name: name, examples: try TopicChoices.examples(rows, file: file), columns: TopicChoices.columns)
            return
        }
        let labelColumn =
            mapping.label ?? (columns.contains("label") ? "label" : columns.contains("answer") ? "answer" : "label")
        guard columns.contains(labelColumn) else {
            throw SciDLError(
                """
                \(file) has no column '\(printable(labelColumn))' for the label (columns: \
                \(printable(columns.joined(separator: ", "), limit: 200))); name it with --label-column
                """
            )
        }
        if let t = mapping.text, !columns.contains(t) {
            let known = printable(columns.joined(separator: ", "), limit: 200)
            throw SciDLError("\(file) has no column '\(printable(t))' (columns: \(known))")
        }
        var examples: [LabelledExample] = []
        for (i, row) in rows.enumerated() {
            let raw = row[labelColumn] ?? ""
            guard let label = Self.parseLabel(raw) else {
                throw SciDLError(
                    """
                    \(file), example \(i + 1): label '\(printable(raw))' in column '\(printable(labelColumn))' is \
                    not 0/1 or true/false
                    """)
            }
            var fields = row
            if let t = mapping.text { fields["statement"] = row[t] }
            examples.append(LabelledExample(fields: fields, label: label))
        }
        if mapping.text != nil, !columns.contains("statement") { columns.append("statement") }
        self.init(name: name, examples: examples, columns: columns)
    }

    static func parseLabel(_ s: String) -> Int? {
        switch s.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "1.0": return 1
        case "0", "false", "0.0": return 0
        default: return nil
        }
    }

    static func parseJSONLines(_ text: String, file: String) throws -> ([[String: String]], [String]) {
        var rows: [[String: String]] = []
        var columns: [String] = []
        for (number, line) in JSONLines.lines(of: text) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw SciDLError("\(file), line \(number) is not a JSON object")
            }
            var row: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let s as String: row[key] = s
                case let b as Bool: row[key] = b ? "1" : "0"
                case let n as NSNumber: row[key] = n.stringValue
                default: continue
                }
                if !columns.contains(key) { columns.append(key) }
            }
            rows.append(row)
        }
        return (rows, columns.sorted())
    }

    /// A CSV file's rows by column name, and its columns.
    static func parseCSV(_ text: String, file: String) throws -> ([[String: String]], [String]) {
        let records = try csvRecords(text, file: file)
        guard let header = records.first else {
            throw SciDLError("\(file) is empty: a CSV needs a header row and examples")
        }
        var rows: [[String: String]] = []
        for (i, r) in records.dropFirst().enumerated() {
            guard r.count == header.count else {
                throw SciDLError("\(file), line \(i + 2): \(r.count) fields where the header has \(header.count)")
            }
            rows.append(Dictionary(zip(header, r).map { ($0, $1) }, uniquingKeysWith: { first, _ in first }))
        }
        return (rows, header)
    }
}
