import Foundation
import SciDLReports
import SciDLSupport

/// Opens a command's `--out` folder (default `runs/NAME-<date>-<time>`) as a `RunFolder` whose settings are the
/// command line as given, less the flags that do not change results (`--out` itself, `--workers`, `--quiet`,
/// the cache flags): a re-run with the same flags may replace its own results; anything else is refused.
func openOutputFolder(_ out: String?, default name: String, command: String? = nil) throws -> RunFolder {
    let kept = commandLine(without: ["--out", "--workers", "--cache"], flags: ["--quiet", "--no-cache"])
    return try RunFolder(
        URL(fileURLWithPath: out ?? RunFolder.defaultPath(name)), command: command ?? name,
        settings: kept.joined(separator: " "))
}

/// A command's last line: how long it took and what it wrote where.
func finishedLine(_ started: Date, _ directory: URL, files: String) -> String {
    "\(formatDuration(Date().timeIntervalSince(started))); results in \(directory.path): \(files)"
}
