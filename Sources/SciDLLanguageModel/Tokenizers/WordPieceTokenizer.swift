import Foundation
import SciDLSupport
import SciDLTensor

/// BERT's tokenizer: the "basic" pass (clean, split CJK characters, lower-case, strip accents, split on
/// whitespace and punctuation) followed by WordPiece (greedy longest match from a vocabulary, `##` marking
/// a word's continuation pieces, `[UNK]` for a word it cannot spell). Matches Hugging Face's
/// `BertTokenizer` / `BertNormalizer` + `BertPreTokenizer` + `WordPiece` for uncased models.
public struct WordPieceTokenizer: Sendable {
    /// Token → id (the line number in `vocab.txt`).
    public let ids: [String: Int]
    /// Id → token.
    public let tokens: [String]
    public var lowercases = true
    /// Words longer than this (in characters) become `[UNK]` without trying WordPiece.
    public var maxCharactersPerWord = 100

    public let unknownID: Int, classifierID: Int, separatorID: Int, paddingID: Int

    /// A tokenizer over `tokens`, one per id.
    public init(vocabulary tokens: [String], lowercases: Bool = true) throws {
        self.tokens = tokens
        self.lowercases = lowercases
        var ids: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        self.ids = ids
        func special(_ t: String) throws -> Int {
            guard let id = ids[t] else {
                throw SciDLError("the vocabulary has no \(t) token: is this a BERT vocab.txt?")
            }
            return id
        }
        unknownID = try special("[UNK]")
        classifierID = try special("[CLS]")
        separatorID = try special("[SEP]")
        paddingID = try special("[PAD]")
    }

    /// Reads `vocab.txt`: one token per line, the line number is the id.
    public init(vocabularyFile url: URL, lowercases: Bool = true) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw SciDLError("cannot read the vocabulary \(url.path) (is the model folder complete?)")
        }
        try self.init(vocabularyText: text, lowercases: lowercases)
    }

    /// The text of a `vocab.txt`.
    public init(vocabularyText text: String, lowercases: Bool = true) throws {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, lowercases: lowercases)
    }

    /// Token ids of `text` with `[CLS]` in front and `[SEP]` at the end. A text longer than `maxLength`
    /// tokens keeps its *end*: prompts put the candidate answer last, and that is what probes read.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int] {
        encodeCounting(text, maxLength: maxLength).ids
    }

    /// `encode`, and whether the text lost pieces to `maxLength`.
    public func encodeCounting(_ text: String, maxLength: Int = 512) -> (ids: [Int], truncated: Bool) {
        var body = wordPieces(of: text)
        let room = max(0, maxLength - 2)
        let truncated = body.count > room
        if truncated { body.removeFirst(body.count - room) }
        return ([classifierID] + body + [separatorID], truncated)
    }

    /// The WordPiece ids of `text`, without special tokens.
    public func wordPieces(of text: String) -> [Int] {
        basicTokens(of: text).flatMap(wordPiece)
    }

    /// The basic pass: normalised words and punctuation marks.
    public func basicTokens(of text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0 || v == 0xFFFD || (Self.isControl(scalar) && !Self.isWhitespace(scalar)) { continue }
            if Self.isWhitespace(scalar) {
                flush()
                continue
            }
            if Self.isCJK(v) {
                flush()
                words.append(String(scalar))
                continue
            }
            for s in normalised(scalar) {
                if Self.isPunctuation(s) {
                    flush()
                    words.append(String(s))
                } else {
                    current.append(s)
                }
            }
        }
        flush()
        return words
    }

    /// Lower-cases and strips accents (canonical decomposition, combining marks dropped), as uncased BERT
    /// does; cased vocabularies keep the scalar.
    private func normalised(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        guard lowercases else { return [scalar] }
        let lower = String(scalar).lowercased()
        return lower.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
            $0.properties.generalCategory != .nonspacingMark
        }
    }

    /// Greedy longest-match-first pieces of one word; the whole word is `[UNK]` if any part fails.
    private func wordPiece(_ word: String) -> [Int] {
        let chars = Array(word.unicodeScalars)
        if chars.count > maxCharactersPerWord { return [unknownID] }
        var pieces: [Int] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: Int? = nil
            while start < end {
                var piece = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = ids[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknownID] }
            pieces.append(id)
            start = end
        }
        return pieces
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    /// ASCII symbols count as punctuation too (BERT splits "$" and "^" though Unicode calls them symbols).
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
