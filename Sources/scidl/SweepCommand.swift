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
        switch slurm.runIndex {
        case .run(let index): try CommandGrid.runTask(index, in: dir, executable: SlurmOptions.executable)
        case .prerequisite: throw SciDLError("a sweep's --run-index is a number")
        case nil:
            let grid = try CommandGrid(command: command, axes: axes.map(CommandGrid.Axis.init(parsing:)))
            try grid.run(in: dir, placement: try slurm.placement, executable: SlurmOptions.executable) { print($0) }
        }
    }
}
