import Foundation

// The process's own arguments, as the front and the sweeps need them before or beside the parser.

/// The arguments with a negative number joined to the option before it ("--steps", "-1" → "--steps=-1"):
/// the parser would otherwise take "-1" for a flag and say the value is missing, where the command's own
/// check says what is wrong with it.
public func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count, arguments[i + 1].count > 1,
            arguments[i + 1].hasPrefix("-"), Double(arguments[i + 1]) != nil || arguments[i + 1].dropFirst().first?.isNumber == true
        {
            out.append("\(a)=\(arguments[i + 1])")
            i += 2
        } else {
            out.append(a)
            i += 1
        }
    }
    return out
}

/// This process's arguments (from the command's name on) without the flags named: `valued` ones with their
/// value (`--out DIR` or `--out=DIR`), the others alone.
public func commandLine(without valued: [String], flags: [String]) -> [String] {
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

/// The flags (`--name`) this process was given, less those named (as for `commandLine(without:flags:)`).
public func flagsGiven(except valued: [String], flags: [String]) -> [String] {
    commandLine(without: valued, flags: flags).dropFirst().filter { $0.hasPrefix("--") }
        .map { String($0.split(separator: "=")[0]) }
}

/// A message of several lines as one: a list of choices ("- add", "- subtract", …) becomes "add, subtract, …".
public func joiningLines(_ text: String) -> String {
    var message = ""
    for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        if line.hasPrefix("- ") {
            message += (message.hasSuffix(":") ? " " : ", ") + line.dropFirst(2)
        } else if !line.isEmpty {
            message += (message.isEmpty ? "" : " ") + line
        }
    }
    return message
}

extension RunFolder {
    /// A command's `--out` folder (default `runs/NAME-<date>-<time>`), whose settings are this process's command
    /// line less the flags that do not change results (`--out` itself, `--workers`, `--quiet`, the cache flags):
    /// a re-run with the same flags may replace its own results; anything else is refused.
    public static func forThisCommand(out: String?, defaultName name: String, command: String? = nil) throws -> RunFolder {
        let kept = commandLine(without: ["--out", "--workers", "--cache"], flags: ["--quiet", "--no-cache"])
        return try RunFolder(
            URL(fileURLWithPath: out ?? defaultPath(name)), command: command ?? name, settings: kept.joined(separator: " "))
    }
}
