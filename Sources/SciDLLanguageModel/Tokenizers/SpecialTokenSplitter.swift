/// Finds special tokens (`<|im_start|>`, `<s>`, …) written in a text, so they become their own ids
/// instead of being spelled out, as llama.cpp and Hugging Face tokenizers do. Longest match wins.
struct SpecialTokenSplitter: Sendable {
    enum Piece: Equatable {
        case text(Substring)
        case special(Int)
    }

    /// Specials by their first UTF-8 byte, longest first.
    private let byFirstByte: [UInt8: [(bytes: [UInt8], id: Int)]]

    init(_ specials: [(text: String, id: Int)]) {
        var table: [UInt8: [(bytes: [UInt8], id: Int)]] = [:]
        for (text, id) in specials where !text.isEmpty {
            let bytes = Array(text.utf8)
            table[bytes[0], default: []].append((bytes, id))
        }
        byFirstByte = table.mapValues { $0.sorted { $0.bytes.count > $1.bytes.count } }
    }

    func split(_ text: String) -> [Piece] {
        guard !byFirstByte.isEmpty else { return text.isEmpty ? [] : [.text(Substring(text))] }
        let utf8 = Array(text.utf8)
        var pieces: [Piece] = []
        var textStart = 0
        var i = 0
        func flush(_ end: Int) {
            if textStart < end {
                let from = text.utf8.index(text.utf8.startIndex, offsetBy: textStart)
                let to = text.utf8.index(from, offsetBy: end - textStart)
                pieces.append(.text(Substring(text.unicodeScalars[from..<to])))  // exact bounds, even inside a grapheme
            }
        }
        while i < utf8.count {
            if let candidates = byFirstByte[utf8[i]],
                let hit = candidates.first(where: {
                    i + $0.bytes.count <= utf8.count && utf8[i..<(i + $0.bytes.count)].elementsEqual($0.bytes)
                })
            {
                flush(i)
                pieces.append(.special(hit.id))
                i += hit.bytes.count
                textStart = i
            } else {
                i += 1
            }
        }
        flush(utf8.count)
        return pieces
    }
}
