/// Input quoted in a message, made safe for one terminal line: control characters escaped (a newline as
/// `\n`, others as `\u{…}`) and anything past `limit` characters cut with "…", so a 1 MB header or a binary
/// name cannot flood or garble the terminal.
public func printable(_ text: some StringProtocol, limit: Int = 80) -> String {
    var out = ""
    var shown = 0
    for character in text {
        guard shown < limit else { return out + "…" }
        shown += 1
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
