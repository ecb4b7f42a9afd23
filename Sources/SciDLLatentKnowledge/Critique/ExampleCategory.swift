import Foundation
import SciDLSupport

/// A set of examples picked by one column: `country=China`, `country=China|India`, `a>50` or `n1<60`.
public struct ExampleCategory: Sendable, CustomStringConvertible {
    public var column: String
    public var relation: Character
    public var values: [String]

    public init(parsing text: String, columns: [String]) throws {
        guard let index = text.firstIndex(where: { $0 == "=" || $0 == ">" || $0 == "<" }) else {
            throw SciDLError(
                """
                    --category '\(printable(text))' must look like column=value, column=a|b, column>number or \
                    column<number
                    """)
        }
        column = String(text[..<index]).trimmingCharacters(in: .whitespaces)
        relation = text[index]
        values = text[text.index(after: index)...].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.contains(column) else {
            throw SciDLError(
                """
                    --category names column '\(printable(column))', which the data does not have (columns: \
                    \(columns.joined(separator: ", ")))
                    """
            )
        }
        guard !values.isEmpty, relation == "=" || (values.count == 1 && Double(values[0]) != nil) else {
            throw SciDLError("--category '\(printable(text))': give values after '=', or one number after '>' or '<'")
        }
    }

    /// A default for the data sets SciDL knows: Chinese cities, or the larger half of the first number.
    public static func defaultCategory(for dataset: LabelledDataset) throws -> ExampleCategory {
        for (column, rule) in [("correct_country", "correct_country=China"), ("n1", "n1>75"), ("a", "a>50")]
        where dataset.columns.contains(column) {
            return try ExampleCategory(parsing: rule, columns: dataset.columns)
        }
        throw SciDLError("no default category for \(dataset.name): give one with --category column=value")
    }

    func contains(_ example: LabelledExample) throws -> Bool {
        let value = example.fields[column] ?? ""
        switch relation {
        case "=": return values.contains(value)
        default:
            guard let number = Double(value) else {
                throw SciDLError("--category: '\(printable(value))' in column '\(printable(column))' is not a number")
            }
            return relation == ">" ? number > Double(values[0])! : number < Double(values[0])!
        }
    }

    public var description: String { "\(column)\(relation)\(values.joined(separator: "|"))" }
}
