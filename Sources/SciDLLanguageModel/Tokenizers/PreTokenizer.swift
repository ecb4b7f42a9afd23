import Foundation

/// Splits text into the words BPE merges within, as the regular expressions of byte-level tokenizers do.
///
/// Each style is written out as a hand-made scanner that takes the same alternatives, in the same order,
/// as its pattern (first alternative that matches wins), over Unicode letters (\p{L}), numbers (\p{N}) and
/// white space (\s):
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `llama3` (`llama-bpe`), `qwen2`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
///   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` (qwen2: `\p{N}` one digit at a time)
/// - `smollm`: every number character on its own first, then `gpt2` on the rest (Hugging Face's
///   `Digits(individual_digits)` followed by the byte-level split).
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2, llama3, qwen2, smollm

    /// The style llama.cpp's `tokenizer.ggml.pre` names, if SciDL has it.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "default": self = .gpt2
        case "llama-bpe", "llama3", "llama-v3", "falcon3", "pixtral": self = .llama3
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        case "smollm", "starcoder", "refact", "codeshell": self = .smollm
        default: return nil
        }
    }

    /// The regular expression each style implements (as tokenizer.json's `Split` pre-tokenizers write it).
    public var pattern: String {
        let llama3 =
            #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"#
            + #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        switch self {
        case .gpt2, .smollm: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .llama3: return llama3
        case .qwen2: return llama3.replacingOccurrences(of: #"\p{N}{1,3}"#, with: #"\p{N}"#)
        }
    }

    /// The pieces of `text`, in order; joined they give `text` back.
    public func split(_ text: Substring) -> [Substring] {
        var out: [Substring] = []
        if self == .smollm {
            // Digits alone first: each number character is a piece, the stretches between go through gpt2.
            let scalars = text.unicodeScalars
            var start = scalars.startIndex
            for i in scalars.indices where isNumber(scalars[i]) {
                if start < i { out += PreTokenizer.gpt2.split(Substring(scalars[start..<i])) }
                let next = scalars.index(after: i)
                out.append(Substring(scalars[i..<next]))
                start = next
            }
            if start < text.endIndex { out += PreTokenizer.gpt2.split(text[start...]) }
            return out
        }
        let scalars = Array(text.unicodeScalars)
        let indices = Array(text.unicodeScalars.indices) + [text.endIndex]
        var i = 0
        while i < scalars.count {
            let length = self == .gpt2 ? gpt2Match(scalars, i) : llama3Match(scalars, i)
            out.append(Substring(text.unicodeScalars[indices[i]..<indices[i + length]]))
            i += length
        }
        return out
    }

    private func gpt2Match(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        if let n = contraction(s, i, ignoringCase: false) { return n }
        let spaced = s[i] == " " && i + 1 < s.count ? 1 : 0
        let j = i + spaced
        if j < s.count {
            if isLetter(s[j]) { return run(s, j, isLetter) - i }
            if isNumber(s[j]) { return run(s, j, isNumber) - i }
            if isOther(s[j]) { return run(s, j, isOther) - i }
        }
        return whitespace(s, i)
    }

    private func llama3Match(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        if let n = contraction(s, i, ignoringCase: true) { return n }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if isLetter(s[i]) { return run(s, i, isLetter) - i }
        if !isNewline(s[i]), !isNumber(s[i]), i + 1 < s.count, isLetter(s[i + 1]) { return run(s, i + 1, isLetter) - i }
        // \p{N}{1,3} (qwen2: \p{N})
        if isNumber(s[i]) { return min(run(s, i, isNumber) - i, self == .qwen2 ? 1 : 3) }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        let j = s[i] == " " && i + 1 < s.count && isOther(s[i + 1]) ? i + 1 : i
        if isOther(s[j]) { return run(s, run(s, j, isOther), isNewline) - i }
        // \s*[\r\n]+ : up to the last newline of the white-space run
        let end = run(s, i, isSpace)
        if let last = (i..<end).last(where: { isNewline(s[$0]) }) { return last + 1 - i }
        return whitespace(s, i)
    }

    /// `\s+(?!\S)|\s+`: a white-space run, less its last character when a non-space follows it (that
    /// space then starts the next word), but never empty.
    private func whitespace(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let end = run(s, i, isSpace)
        if end == i { return 1 }  // unreachable for valid classes; guarantees progress
        if end == s.count || end - i == 1 { return end - i }
        return end - 1 - i
    }

    private func contraction(_ s: [Unicode.Scalar], _ i: Int, ignoringCase: Bool) -> Int? {
        guard s[i] == "'", i + 1 < s.count else { return nil }
        func at(_ k: Int) -> Character? {
            guard i + k < s.count else { return nil }
            let c = Character(s[i + k])
            return ignoringCase ? Character(c.lowercased()) : c
        }
        switch at(1) {
        case "s", "t", "m", "d": return 2
        case "r" where at(2) == "e", "v" where at(2) == "e", "l" where at(2) == "l": return 3
        default: return nil
        }
    }

    private func run(_ s: [Unicode.Scalar], _ i: Int, _ test: (Unicode.Scalar) -> Bool) -> Int {
        var j = i
        while j < s.count, test(s[j]) { j += 1 }
        return j
    }
}

@inline(__always) func isLetter(_ u: Unicode.Scalar) -> Bool {
    if u.isASCII { return (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") }
    switch u.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
}

@inline(__always) func isNumber(_ u: Unicode.Scalar) -> Bool {
    if u.isASCII { return u >= "0" && u <= "9" }
    switch u.properties.generalCategory {
    case .decimalNumber, .letterNumber, .otherNumber: return true
    default: return false
    }
}

@inline(__always) func isSpace(_ u: Unicode.Scalar) -> Bool { u.properties.isWhitespace }
@inline(__always) func isNewline(_ u: Unicode.Scalar) -> Bool { u == "\n" || u == "\r" }
@inline(__always) func isOther(_ u: Unicode.Scalar) -> Bool { !isSpace(u) && !isLetter(u) && !isNumber(u) }
