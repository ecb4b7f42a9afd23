import Foundation
import SciDLSupport

/// Opens a command's `--out` folder as a `RunFolder` whose settings are the command line as given, less the
/// flags that do not change results (`--out` itself, `--workers`, `--quiet`, the cache flags): a re-run with
/// the same flags may replace its own results; anything else is refused.
func openOutputFolder(_ directory: URL, command: String) throws -> RunFolder {
    let kept = commandLine(without: ["--out", "--workers", "--cache"], flags: ["--quiet", "--no-cache"])
    return try RunFolder(directory, command: command, settings: kept.joined(separator: " "))
}

/// This process's arguments (from the command's name on) without the flags named: `valued` ones with their
/// value (`--out DIR` or `--out=DIR`), the others alone.
func commandLine(without valued: [String], flags: [String]) -> [String] {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var kept: [String] = []
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
        if valued.contains(name) {
            if !argument.contains("=") && !arguments.isEmpty { arguments.removeFirst() }
        } else if !flags.contains(argument) {
            kept.append(argument)
        }
    }
    return kept
}
