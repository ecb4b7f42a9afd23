/// Input quoted in a message, made safe for one terminal line: control characters escaped (a newline as
/// `\n`, others as `\u{…}`) and cut with "…" once `limit` characters are shown (escapes counted as written),
/// so a 1 MB header or a binary name cannot flood or garble the terminal. The one rule for every message that
/// quotes input: at most ~60 characters of it.
public func printable(_ text: some StringProtocol, limit: Int = 60) -> String {
    var out = ""
    var shown = 0
    for character in text {
        guard shown < limit else { return out + "…" }
        let before = out.count
        defer { shown += out.count - before }
        for scalar in character.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
