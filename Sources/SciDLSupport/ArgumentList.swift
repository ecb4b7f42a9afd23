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
