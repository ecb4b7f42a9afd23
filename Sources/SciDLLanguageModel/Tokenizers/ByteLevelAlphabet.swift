/// GPT-2's reversible map from bytes to printable characters: byte-level BPE vocabularies spell every
/// token in these characters (a space is "Ġ", a newline "Ċ"), so any byte string has a spelling.
public enum ByteLevelAlphabet {
    /// The character standing for each byte value.
    public static let characters: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var codes = printable
        var extra = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
        }
        var table = [Character](repeating: " ", count: 256)
        for (b, c) in zip(printable, codes) { table[b] = Character(Unicode.Scalar(UInt32(c))!) }
        return table
    }()

    /// The byte-level spelling of `text`'s UTF-8 bytes.
    static func spell(_ text: Substring) -> [String] {
        text.utf8.map { String(characters[Int($0)]) }
    }
}
