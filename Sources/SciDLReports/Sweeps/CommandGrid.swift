import Foundation
import SciDLSupport

/// A grid of runs of one `scidl` command — `scidl sweep`: every combination of the values given for some of
/// its flags, each run into a folder of its own, `DIR/runs/NAME`, and their results merged into one table.
///
/// The grid knows nothing of what the command does: a run has finished when the command returned (its
/// `sweep-point.json` is written after it), and its results are its own `results.csv` rows (or the numbers
/// of its `summary.json`), each prefixed with the run's name and flag values.
public struct CommandGrid: Codable, Equatable, Sendable {
    /// One flag and the values it takes.
    public struct Axis: Codable, Equatable, Sendable {
        /// The flag without dashes (`layers`, `seed`).
        public var flag: String
        public var values: [String]

        public init(flag: String, values: [String]) {
            self.flag = flag
            self.values = values
        }

        /// `layers=10,20,30`, or `template=truth;yes-no` (values separated by `;` keep their commas).
        public init(parsing text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw SciDLError("--vary '\(printable(text))' is not FLAG=VALUES: give e.g. --vary layers=10,20,30")
            }
            flag = parts[0].hasPrefix("--") ? String(parts[0].dropFirst(2)) : parts[0]
            let separator: Character = parts[1].contains(";") ? ";" : ","
            values = parts[1].split(separator: separator, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !values.isEmpty, !values.contains(where: \.isEmpty) else {
                throw SciDLError("--vary \(flag) has an empty value in '\(printable(parts[1]))'")
            }
            guard Set(values).count == values.count else {
                throw SciDLError("--vary \(flag) repeats a value in '\(printable(parts[1]))'")
            }
        }
    }

    /// One run of the grid.
    public struct Point: Codable, Equatable, Sendable {
        /// Its folder's name: the flags and values, `layers-10_seed-0`.
        public var name: String
        /// The value of each axis.
        public var values: [String]
        /// The command's arguments without `--out`.
        public var arguments: [String]
    }

    /// The command and the flags every run shares (`elicit --data cities.csv`).
    public var command: [String]
    public var axes: [Axis]
    public var points: [Point]

    /// Flags the grid sets itself, or that would send a run somewhere else.
    static let reservedFlags: Set<String> = ["out", "slurm", "run-index", "resume", "dry-run"]

    public init(command: [String], axes: [Axis]) throws {
        guard let name = command.first, !name.hasPrefix("-") else {
            throw SciDLError("give the command to sweep after --, e.g. scidl sweep --vary seed=0,1 -- grok --p 97")
        }
        guard name != "sweep" else { throw SciDLError("a sweep of sweeps: give the inner command's flags to --vary") }
        guard !axes.isEmpty else { throw SciDLError("give at least one --vary FLAG=VALUES") }
        guard Set(axes.map(\.flag)).count == axes.count else { throw SciDLError("--vary names a flag twice") }
        for flag in axes.map(\.flag) + command.filter({ $0.hasPrefix("--") }).map({ String($0.dropFirst(2)) }) {
            let bare = String(flag.split(separator: "=").first ?? "")
            if Self.reservedFlags.contains(bare) {
                throw SciDLError("--\(bare) is set by the sweep for each run: leave it out of the command and --vary")
            }
        }
        for axis in axes where command.contains(where: { $0 == "--\(axis.flag)" || $0.hasPrefix("--\(axis.flag)=") }) {
            throw SciDLError("--\(axis.flag) is both in the command and in --vary: give it once")
        }
        self.command = command
        self.axes = axes
        var combinations: [[String]] = [[]]
        for axis in axes { combinations = combinations.flatMap { c in axis.values.map { c + [$0] } } }
        var names = Set<String>()
        points = combinations.enumerated().map { index, values in
            var name = zip(axes, values).map { "\(Self.safe($0.flag))-\(Self.safe($1))" }.joined(separator: "_")
            if name.count > 120 || !names.insert(name).inserted { name = "point-\(index)" }
            let flags = zip(axes, values).flatMap { ["--\($0.flag)", $1] }
            return Point(name: name, values: values, arguments: command + flags)
        }
    }

    /// `command` once per layer of `layers` (`elicit --slurm`, `challenge --slurm`): a layer's probes and seeds
    /// do not depend on the other layers, so its rows are those of the run over all layers.
    public static func overLayers(_ command: [String], layers: String?) throws -> CommandGrid {
        guard let layers else {
            throw SciDLError("--slurm runs one task per layer: give --layers, e.g. --layers 10,20,30")
        }
        let values = try parseIntegers(layers, "--layers").map(String.init)
        return try CommandGrid(command: command, axes: [Axis(flag: "layers", values: values)])
    }

    /// `text` with anything but letters, digits, `.` and `-` replaced, for a folder name.
    static func safe(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "_" })
    }

    public func folder(of point: Point, in directory: URL) -> URL { Self.folder(named: point.name, in: directory) }

    /// The folder of the run named `name` in the sweep in `directory`.
    public static func folder(named name: String, in directory: URL) -> URL {
        SweepEngine.folder(of: name, in: directory)
    }

    static let markerName = "sweep-point.json"

    public func isFinished(_ point: Point, in directory: URL) -> Bool {
        FileManager.default.fileExists(
            atPath: folder(of: point, in: directory).appendingPathComponent(Self.markerName).path)
    }

    /// Records that `point`'s command returned, after `seconds`.
    public func markFinished(_ point: Point, in directory: URL, seconds: Double) throws {
        let record: [String: Any] = ["arguments": point.arguments, "wall_seconds": seconds]
        try AtomicFile.write(
            try jsonData(record),
            to: folder(of: point, in: directory).appendingPathComponent(Self.markerName))
    }

    /// Merges the finished runs into `results.csv` (their rows, each prefixed with the run's name and flag
    /// values), `summary.json` (every run's state and folder) and `report.html`; returns how many finished.
    @discardableResult
    public func merge(in directory: URL) throws -> Int {
        var columns: [String] = []
        var rows: [[String: String]] = []
        var states: [[String: Any]] = []
        for point in points {
            let folder = folder(of: point, in: directory)
            let finished = isFinished(point, in: directory)
            states.append([
                "name": point.name, "folder": "runs/\(point.name)", "finished": finished,
                "values": Dictionary(uniqueKeysWithValues: zip(axes.map(\.flag), point.values)),
            ])
            guard finished else { continue }
            for row in try Self.resultRows(in: folder) {
                var merged = ["run": point.name]
                for (axis, value) in zip(axes, point.values) { merged[axis.flag] = value }
                for (key, value) in row.values where merged[key] == nil { merged[key] = value }
                for key in row.columns where !columns.contains(key) && merged[key] != nil { columns.append(key) }
                rows.append(merged)
            }
        }
        let header = ["run"] + axes.map(\.flag) + columns.filter { $0 != "run" && !axes.map(\.flag).contains($0) }
        var csv = header.map(csvField).joined(separator: ",") + "\n"
        for row in rows { csv += header.map { csvField(row[$0] ?? "") }.joined(separator: ",") + "\n" }
        try AtomicFile.write(csv, to: directory.appendingPathComponent("results.csv"))
        let summary: [String: Any] = [
            "command": command, "vary": axes.map { ["flag": $0.flag, "values": $0.values] }, "runs": states,
        ]
        try AtomicFile.write(
            try jsonData(summary),
            to: directory.appendingPathComponent("summary.json"))
        var page = HTMLReport(title: "Sweep: scidl \(command.joined(separator: " "))")
        page.paragraph(
            "Each run is in runs/NAME with its own report.html; results.csv holds their rows with the run's values.")
        page.table(
            header: ["run"] + axes.map { "--\($0.flag)" } + ["finished"],
            rows: zip(points, states).map { point, state in
                [point.name] + point.values + [(state["finished"] as? Bool ?? false) ? "yes" : "no"]
            })
        try page.write(to: directory.appendingPathComponent("report.html"))
        return states.filter { $0["finished"] as? Bool ?? false }.count
    }

    /// A finished run's rows: its `results.csv`, or else the numbers of its `summary.json` (nested one level
    /// deep as `final.test_accuracy`, its `config` left out) as one row.
    static func resultRows(in folder: URL) throws -> [(columns: [String], values: [String: String])] {
        let csvURL = folder.appendingPathComponent("results.csv")
        if let text = try? String(contentsOf: csvURL, encoding: .utf8) {
            let records = try csvRecords(text, file: csvURL.path)
            guard let header = records.first else { return [] }
            return records.dropFirst().map { record in
                (header, Dictionary(zip(header, record).map { ($0, $1) }, uniquingKeysWith: { a, _ in a }))
            }
        }
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("summary.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        var columns: [String] = []
        var values: [String: String] = [:]
        func add(_ key: String, _ value: Any) {
            // JSON true/false also read as NSNumbers (of type "c"); they are flags, not results.
            guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return }
            columns.append(key)
            values[key] = number.stringValue
        }
        // The settings (`config`) are the command's flags, already in the row; the rest are results.
        for key in object.keys.sorted() where key != "config" {
            if let nested = object[key] as? [String: Any] {
                for inner in nested.keys.sorted() { add("\(key).\(inner)", nested[inner]!) }
            } else {
                add(key, object[key]!)
            }
        }
        return [(columns, values)]
    }
}
