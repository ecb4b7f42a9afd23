import Foundation
import SciDLSupport

/// Running a grid: each point a `scidl` process, here one after another or as a Slurm job array, through the
/// sweeps' one engine (`SweepEngine`, `SlurmSubmission`); what has finished is merged either way.
extension CommandGrid {
    /// Where a grid's runs go: here, or to Slurm.
    public enum Placement: Sendable {
        case here
        case slurm(SlurmResources, dryRun: Bool)
    }

    /// Runs the unfinished points with `executable` (here) or submits them (Slurm), merging what has finished;
    /// `say` receives the lines a person follows it by.
    public func run(
        in directory: URL, placement: Placement, executable: URL, say: @escaping @Sendable (String) -> Void
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let runList = try encoder.encode(self)
        let folder = try RunFolder(directory, command: "sweep", settings: String(decoding: runList, as: UTF8.self))
        defer { withExtendedLifetime(folder) {} }
        let byName = Dictionary(uniqueKeysWithValues: points.map { ($0.name, $0) })
        if case .slurm(let resources, let dryRun) = placement {
            try merge(in: directory)
            let submission = SlurmSubmission(
                directory: directory, runs: points.map(\.name), runList: runList, jobName: "scidl-sweep",
                resources: resources,
                command: { [executable.path, "sweep", "--out", directory.path, "--run-index", $0] })
            let status = try submission.submit(
                finished: Set(points.filter { isFinished($0, in: directory) }.map(\.name)),
                busy: { RunFolder.isBusy(Self.folder(named: $0, in: directory)) }, dryRun: dryRun)
            status.lines(dryRun: dryRun).forEach(say)
            return
        }
        try AtomicFile.write(runList, to: directory.appendingPathComponent(SlurmSubmission.runListName))
        let grid = self
        let finishedBefore = points.filter { isFinished($0, in: directory) }.count
        say("\(points.count) runs, \(finishedBefore) finished before, in \(directory.path)")
        defer {
            let done = (try? merge(in: directory)) ?? 0
            say(
                """
                \(done) of \(points.count) runs finished; results in \(directory.path): results.csv, summary.json, \
                report.html
                """)
        }
        try SweepEngine.runHere(
            points.map(\.name), workers: 1, isFinished: { isFinished(byName[$0]!, in: directory) },
            isBusy: { RunFolder.isBusy(Self.folder(named: $0, in: directory)) },
            execute: { try grid.runPoint(byName[$0]!, in: directory, executable: executable) },
            event: { event in
                switch event {
                case .starting(let name, let index, let count): say("run \(index) of \(count): \(name)")
                case .busy(let name): say("run \(name) is being run by another process: skipped")
                case .started: break
                case .finished:
                    _ = try? grid.merge(in: directory)
                case .failed(let name, let error):
                    say("run \(name) failed: \(RunFolder.describe(error))")
                    _ = try? grid.merge(in: directory)
                }
            })
    }

    /// The grid a sweep folder was made for, from its run list.
    public static func submitted(in directory: URL) throws -> CommandGrid {
        let url = directory.appendingPathComponent(SlurmSubmission.runListName)
        guard let data = try? Data(contentsOf: url) else {
            throw SciDLError("\(url.path) is missing: --run-index runs a task of a sweep submitted to this --out")
        }
        guard let grid = try? JSONDecoder().decode(CommandGrid.self, from: data) else {
            throw SciDLError("\(url.path) is not a sweep's run list: it was made by another command")
        }
        return grid
    }

    /// Runs point `index` of the grid submitted to `directory` (what a Slurm array task runs).
    public static func runTask(_ index: Int, in directory: URL, executable: URL) throws {
        let grid = try submitted(in: directory)
        guard grid.points.indices.contains(index) else {
            throw SciDLError(
                "--run-index \(index) is outside the sweep's 0…\(grid.points.count - 1) in \(directory.path)")
        }
        try grid.runPoint(grid.points[index], in: directory, executable: executable)
    }

    /// Runs one point as its own `scidl` process (its output goes where this one's does) and marks it finished.
    func runPoint(_ point: Point, in directory: URL, executable: URL) throws {
        let folder = folder(of: point, in: directory)
        let started = Date()
        let process = Process()
        process.executableURL = executable
        process.arguments = point.arguments + ["--out", folder.path]
        do {
            try process.run()
        } catch {
            throw SciDLError("cannot start \(executable.path): \(RunFolder.describe(error))")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw SciDLError(
                """
                scidl \(point.arguments.joined(separator: " ")) ended with status \(process.terminationStatus): \
                its error is above; the run is not marked finished
                """)
        }
        try markFinished(point, in: directory, seconds: Date().timeIntervalSince(started))
    }
}
