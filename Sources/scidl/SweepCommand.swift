import ArgumentParser
import Foundation
import SciDLReports
import SciDLSupport

/// `scidl sweep`: any command over a grid of flag values, here one run after another or as a Slurm array.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run any scidl command over a grid of flag values, here or as a Slurm job array.",
        discussion: """
            Every combination of the --vary values is one run of the command after --, into --out/runs/NAME; \
            results.csv merges the runs' rows with their flag values, summary.json and report.html list them. \
            Re-running the same command skips finished runs; with --slurm it merges them and resubmits the rest. \
            Example: scidl sweep --vary layers=10,20,30 --vary seeds=0-4 --out runs/cities -- elicit --data \
            cities.csv --model smollm2
            """)
    @Option(name: .customLong("vary"), help: "A flag of the command and its values: FLAG=V1,V2,… (repeatable).")
    var axes: [String] = []
    @Option(help: "Output directory (default: runs/sweep-<date>-<time>).") var out: String?
    @OptionGroup var slurm: SlurmOptions
    @Argument(parsing: .postTerminator, help: "The command and the flags every run shares, after --.")
    var command: [String] = []

    func run() throws {
        try slurm.validate(hasOut: out != nil)
        let dir = URL(fileURLWithPath: out ?? RunFolder.defaultPath("sweep")).absoluteURL.standardizedFileURL
        if case .run(let index) = slurm.runIndex {
            let grid = try Self.grid(in: dir)
            guard grid.points.indices.contains(index) else {
                throw SciDLError(
                    "--run-index \(index) is outside the sweep's 0…\(grid.points.count - 1) in \(dir.path)")
            }
            try Self.runPoint(grid.points[index], of: grid, in: dir)
            return
        }
        guard slurm.runIndex == nil else { throw SciDLError("a sweep's --run-index is a number") }
        let grid = try CommandGrid(command: command, axes: axes.map(CommandGrid.Axis.init(parsing:)))
        try Self.run(grid, in: dir, slurm: slurm)
    }

    /// Runs `grid` here or submits it to Slurm (merging what has finished either way), and says where it stands.
    static func run(_ grid: CommandGrid, in dir: URL, slurm: SlurmOptions) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let runList = try encoder.encode(grid)
        let folder = try RunFolder(dir, command: "sweep", settings: String(decoding: runList, as: UTF8.self))
        defer { withExtendedLifetime(folder) {} }
        let finished = grid.points.filter { grid.isFinished($0, in: dir) }
        if slurm.slurm {
            try grid.merge(in: dir)
            let submission = SlurmSubmission(
                directory: dir, runs: grid.points.map(\.name), runList: runList, jobName: "scidl-sweep",
                resources: try slurm.resources,
                command: { [SlurmOptions.executable.path, "sweep", "--out", dir.path, "--run-index", $0] })
            let status = try submission.submit(
                finished: Set(finished.map(\.name)),
                busy: { RunFolder.isBusy(CommandGrid.folder(named: $0, in: dir)) },
                dryRun: slurm.dryRun)
            printSlurmStatus(status, dryRun: slurm.dryRun)
        } else {
            try AtomicFile.write(runList, to: dir.appendingPathComponent(SlurmSubmission.runListName))
            var failed: [String] = []
            let todo = grid.points.filter { !grid.isFinished($0, in: dir) }
            print("\(grid.points.count) runs, \(grid.points.count - todo.count) finished before, in \(dir.path)")
            for (n, point) in todo.enumerated() {
                guard !RunFolder.isBusy(grid.folder(of: point, in: dir)) else {
                    print("run \(point.name) is being run by another process: skipped")
                    continue
                }
                print("run \(n + 1) of \(todo.count): \(point.name)")
                do {
                    try runPoint(point, of: grid, in: dir)
                } catch let error as SciDLError {
                    failed.append(point.name)
                    print("run \(point.name) failed: \(error.message)")
                }
                try grid.merge(in: dir)
            }
            let done = try grid.merge(in: dir)
            print(
                "\(done) of \(grid.points.count) runs finished; results in \(dir.path): results.csv, summary.json, report.html"
            )
            if !failed.isEmpty {
                throw SciDLError(
                    "\(failed.count) runs failed (\(failed.prefix(3).joined(separator: ", "))): run the sweep again to retry them"
                )
            }
        }
    }

    /// The grid a sweep folder was made for, from its run list.
    static func grid(in dir: URL) throws -> CommandGrid {
        let url = dir.appendingPathComponent(SlurmSubmission.runListName)
        guard let data = try? Data(contentsOf: url) else {
            throw SciDLError("\(url.path) is missing: --run-index runs a task of a sweep submitted to this --out")
        }
        guard let grid = try? JSONDecoder().decode(CommandGrid.self, from: data) else {
            throw SciDLError("\(url.path) is not a sweep's run list: it was made by another command")
        }
        return grid
    }

    /// Runs one point as its own `scidl` process (its output goes where this one's does) and marks it finished.
    static func runPoint(_ point: CommandGrid.Point, of grid: CommandGrid, in dir: URL) throws {
        let folder = grid.folder(of: point, in: dir)
        let started = Date()
        let process = Process()
        process.executableURL = SlurmOptions.executable
        process.arguments = point.arguments + ["--out", folder.path]
        do {
            try process.run()
        } catch {
            throw SciDLError("cannot start \(process.executableURL!.path): \(RunFolder.describe(error))")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw SciDLError(
                """
                scidl \(point.arguments.joined(separator: " ")) ended with status \(process.terminationStatus): \
                its error is above; the run is not marked finished
                """)
        }
        try grid.markFinished(point, in: dir, seconds: Date().timeIntervalSince(started))
    }
}

extension SweepCommand {
    /// `elicit --slurm` and `challenge --slurm`: the command as given, one Slurm task per layer of `--layers`,
    /// as the sweep `scidl sweep --vary layers=… -- COMMAND …` into `--out` (a layer's probes and seeds do not
    /// depend on the other layers, so its rows are those of the run over all layers).
    static func submitOverLayers(layers: String?, out: String?, slurm: SlurmOptions) throws {
        try slurm.validate(hasOut: out != nil)
        guard let layers else {
            throw SciDLError("--slurm runs one task per layer: give --layers, e.g. --layers 10,20,30")
        }
        let values = try parseIntegers(layers, "--layers").map(String.init)
        let grid = try CommandGrid(
            command: commandLine(without: ["--out", "--layers"] + SlurmOptions.valuedFlags, flags: SlurmOptions.flags),
            axes: [CommandGrid.Axis(flag: "layers", values: values)])
        let dir = URL(fileURLWithPath: out!).absoluteURL.standardizedFileURL
        try run(grid, in: dir, slurm: slurm)
    }
}
