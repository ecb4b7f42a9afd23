import ArgumentParser
import Foundation
import SciDLSupport
import SciDLTensor

/// The `scidl` command line: parses arguments and calls the libraries. Any failure prints one line and
/// exits with status 2.
struct SciDL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scidl",
        abstract: "A lab for the science of deep learning: grokking, circuit efficiency, and probes.",
        subcommands: [
            Grok.self, Dcrit.self, Ungrok.self, Semigrok.self, Toy.self, Elicit.self, Challenge.self, Model.self,
            Eval.self, SweepCommand.self, Bench.self,
        ]
    )
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
    // A list of choices ("- add", "- subtract", …) becomes "add, subtract, …".
    var message = ""
    for line in SciDL.message(for: error).split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        if line.hasPrefix("- ") {
            message += (message.hasSuffix(":") ? " " : ", ") + line.dropFirst(2)
        } else if !line.isEmpty {
            message += (message.isEmpty ? "" : " ") + line
        }
    }
    FileHandle.standardError.write(Data("error: \(message) (see scidl --help)\n".utf8))
    exit(2)
}
