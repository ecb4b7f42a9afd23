/// JSON-lines text (one JSON value per line, as in `metrics.jsonl` and BoolQ's data files): the non-blank
/// lines with their 1-based line numbers, for error messages that point at the right line.
public enum JSONLines {
    public static func lines(of text: String) -> [(number: Int, text: Substring)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
            line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } ? nil : (i + 1, line)
        }
    }
}
