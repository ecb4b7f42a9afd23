import ArgumentParser
import Foundation
import SciDLReports
import SciDLSupport

/// The `scidl` command line: parses arguments and calls the libraries. Any failure prints one line and
/// exits with status 2.
struct SciDL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scidl",
        abstract: "A lab for the science of deep learning: grokking, circuit efficiency, and probes.",
        subcommands: [
            Grok.self, Dcrit.self, Ungrok.self, Semigrok.self, Compare.self, Toy.self, Elicit.self, Challenge.self,
            Model.self,
            Eval.self, SweepCommand.self, Bench.self,
        ])
}

/// A command's last line: how long it took since it opened `folder`, and what it wrote there.
func finishedLine(_ folder: RunFolder, files: String) -> String {
    "\(formatDuration(Date().timeIntervalSince(folder.opened))); results in \(folder.url.path): \(files)"
}

do {
    var command = try SciDL.parseAsRoot(joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
    try command.run()
} catch let error as SciDLError {
    // One line, whatever the input quoted in it: control characters escaped, very long messages cut.
    FileHandle.standardError.write(Data("error: \(printable(error.message, limit: 600))\n".utf8))
    exit(2)
} catch {
    if SciDL.exitCode(for: error) == .success { SciDL.exit(withError: error) }
    // ArgumentParser's usage text would make this several lines: keep the error, point at --help.
    let message = joiningLines(SciDL.message(for: error))
    FileHandle.standardError.write(Data("error: \(message) (see scidl --help)\n".utf8))
    exit(2)
}
