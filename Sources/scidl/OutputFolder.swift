import Foundation
import SciDLSupport

/// Opens a command's `--out` folder as a `RunFolder` whose settings are the command line as given, less the
/// flags that do not change results (`--out` itself, `--workers`, `--quiet`, the cache flags): a re-run with
/// the same flags may replace its own results; anything else is refused.
func openOutputFolder(_ directory: URL, command: String) throws -> RunFolder {
    var arguments = Array(CommandLine.arguments.dropFirst())
    let ignoredWithValue: Set = ["--out", "--workers", "--cache"]
    let ignoredFlags: Set = ["--quiet", "--no-cache"]
    var kept: [String] = []
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
        if ignoredWithValue.contains(name) {
            if !argument.contains("=") && !arguments.isEmpty { arguments.removeFirst() }
        } else if !ignoredFlags.contains(argument) {
            kept.append(argument)
        }
    }
    return try RunFolder(directory, command: command, settings: kept.joined(separator: " "))
}
