import Foundation

// Values given on a command line as text: lists of numbers and ranges, checked with an error that names the
// flag. The `scidl` front parses with these; the library's own settings use them for the same messages.

/// Splits "a,b,c" and converts each item, naming the flag in the error.
public func parseList<T>(_ text: String, _ flag: String, _ convert: (String) -> T?) throws -> [T] {
    try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map {
        guard let v = convert($0) else { throw SciDLError("\(flag): '\($0)' is not a valid value") }
        return v
    }
}

/// Integers as "0-6,9" (runs of consecutive numbers as ranges).
public func compactRanges(_ values: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < values.count {
        var j = i
        while j + 1 < values.count, values[j + 1] == values[j] + 1 { j += 1 }
        parts.append(j > i + 1 ? "\(values[i])-\(values[j])" : (i...j).map { "\(values[$0])" }.joined(separator: ","))
        i = j + 1
    }
    return parts.joined(separator: ",")
}

/// "0-6", "2,4,6" or a mix ("0,3-6"): non-negative numbers and ascending ranges, each value once.
public func parseIntegers(_ text: String, _ flag: String) throws -> [Int] {
    let values = try text.split(separator: ",", omittingEmptySubsequences: false).flatMap { part -> [Int] in
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        switch bounds.count {
        case 1 where bounds[0] != nil: return [bounds[0]!]
        case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!:
            return Array(bounds[0]!...bounds[1]!)
        default:
            throw SciDLError("\(flag): '\(printable(part))' is not a number ≥ 0 or a range such as 0-6")
        }
    }
    guard !values.isEmpty else { throw SciDLError("\(flag) is empty: give e.g. 0,1,2 or 0-4") }
    try requireDistinct(values, flag)
    return values
}

/// Refuses a list that names a value twice: the grid would run (and report) it twice.
public func requireDistinct<T: Hashable & CustomStringConvertible>(_ values: [T], _ flag: String) throws {
    var seen = Set<T>()
    for v in values where !seen.insert(v).inserted {
        throw SciDLError("\(flag) lists \(v) twice: give each value once")
    }
}

/// Parses "a,b,c" with `parse`, or explains which item is wrong.
public func commaList<T>(_ parse: @escaping @Sendable (String) -> T?) -> @Sendable (String) throws -> [T] {
    { text in
        try text.split(separator: ",").map { item in
            let s = item.trimmingCharacters(in: .whitespaces)
            guard let v = parse(s) else { throw SciDLError("'\(s)' in '\(text)' is not a valid number") }
            return v
        }
    }
}

extension Int {
    /// Digits grouped by thousands with commas, whatever the locale: 10000 → "10,000".
    public var grouped: String {
        var digits = String(magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (self < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}
