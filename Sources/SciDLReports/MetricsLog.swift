import Foundation
import SciDLSupport

/// One row of a metrics file: named numbers, in a fixed column order.
public struct MetricsRow: Sendable, Equatable {
    public var values: [(name: MetricName, value: Double)]

    public init(_ values: [(name: MetricName, value: Double)]) { self.values = values }

    public subscript(_ name: MetricName) -> Double? { values.first { $0.name == name }?.value }

    public static func == (a: MetricsRow, b: MetricsRow) -> Bool {
        a.values.map(\.name) == b.values.map(\.name) && a.values.map(\.value) == b.values.map(\.value)
    }
}

/// The time series of a run, written as `metrics.jsonl` (one JSON object per line) and `metrics.csv`.
///
/// Both files are rewritten atomically on every `flush()`, so a killed run never leaves a torn line,
/// and a resumed run can drop rows past its checkpoint before going on.
public struct MetricsLog: Sendable {
    public private(set) var rows: [MetricsRow] = []
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// Reads the rows back from `metrics.jsonl` in `directory` (empty if there is none).
    public init(readingFrom directory: URL) throws {
        self.directory = directory
        let url = directory.appendingPathComponent("metrics.jsonl")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let text = try String(contentsOf: url, encoding: .utf8)
        for (number, line) in JSONLines.lines(of: text) {
            rows.append(try Self.parse(String(line), line: number, file: url.path))
        }
    }

    public mutating func append(_ row: MetricsRow) { rows.append(row) }

    /// Keeps only the rows for which `keep` is true.
    public mutating func filter(_ keep: (MetricsRow) -> Bool) { rows = rows.filter(keep) }

    /// Writes both files.
    public func flush() throws {
        try AtomicFile.write(jsonLines(), to: directory.appendingPathComponent("metrics.jsonl"))
        try AtomicFile.write(csv(), to: directory.appendingPathComponent("metrics.csv"))
    }

    /// One JSON object per row, keys in column order.
    public func jsonLines() -> String {
        rows.map { row in
            "{" + row.values.map { "\"\($0.name)\":\(formatNumber($0.value))" }.joined(separator: ",") + "}\n"
        }.joined()
    }

    /// A CSV whose header is every column of any row, in order of first appearance (a metric that starts
    /// later, as one measured from the first step on, is blank in the rows before it).
    public func csv() -> String {
        guard !rows.isEmpty else { return "" }
        var names: [MetricName] = []
        var seen = Set<String>()
        for row in rows { for (name, _) in row.values where seen.insert(name.rawValue).inserted { names.append(name) } }
        var out = names.map(\.rawValue).joined(separator: ",") + "\n"
        for row in rows { out += names.map { row[$0].map(formatNumber) ?? "" }.joined(separator: ",") + "\n" }
        return out
    }

    /// The values of one column with their steps (rows lacking it are skipped).
    public func series(_ name: MetricName, against x: MetricName = .step) -> [(Double, Double)] {
        rows.compactMap { row in row[x].flatMap { xv in row[name].map { (xv, $0) } } }
    }

    static func parse(_ line: String, line n: Int, file: String) throws -> MetricsRow {
        // Keys keep their order, which JSONSerialization would lose: parse the flat object by hand.
        var values: [(MetricName, Double)] = []
        let body = line.trimmingCharacters(in: .whitespaces)
        guard body.hasPrefix("{"), body.hasSuffix("}") else {
            throw SciDLError(
                "\(file):\(n) is not a JSON object: the metrics file is damaged; delete the run folder or the line")
        }
        for field in body.dropFirst().dropLast().split(separator: ",") {
            let parts = field.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let v = parseNumber(String(parts[1])) else {
                throw SciDLError("\(file):\(n) has a malformed field '\(field)'")
            }
            values.append((MetricName(parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))), v))
        }
        return MetricsRow(values.map { (name: $0.0, value: $0.1) })
    }
}

/// Shortest text that reads back as the same Double; non-finite values as JSON-safe strings.
public func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "\"nan\"" }
    if v.isInfinite { return v > 0 ? "\"inf\"" : "\"-inf\"" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

func parseNumber(_ s: String) -> Double? {
    let t = s.trimmingCharacters(in: .whitespaces)
    switch t {
    case "\"nan\"": return .nan
    case "\"inf\"": return .infinity
    case "\"-inf\"": return -.infinity
    default: return Double(t)
    }
}
