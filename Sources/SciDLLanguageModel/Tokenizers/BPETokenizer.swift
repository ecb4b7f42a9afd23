import Foundation
import SciDLSupport
import SciDLTensor

/// A byte-pair-encoding tokenizer of either family decoder LLMs use:
/// - **byte-level** (GPT-2, Llama 3, Qwen2, SmolLM): text is split into words by a `PreTokenizer`, each
///   word spelled in `ByteLevelAlphabet` characters and merged by the ranked merge list;
/// - **SentencePiece-style** (Llama 2, Mistral, TinyLlama): spaces become "▁" (with one in front), the
///   whole text is merged character by character — by merge rank, or by the merged piece's score as
///   llama.cpp's SPM tokenizer does — and characters outside the vocabulary fall back to `<0xXX>` byte tokens.
///
/// Special tokens written in the text become their ids first.
public struct BPETokenizer: Sendable {
    public enum Style: Sendable, Equatable {
        case byteLevel(PreTokenizer)
        case sentencePiece(spacePrefix: SpacePrefix)
    }

    /// Where a SentencePiece-style tokenizer puts a "▁" in front of the text.
    public enum SpacePrefix: Sendable, Equatable {
        case never
        /// Before the text's first fragment only (Hugging Face `Metaspace` with `prepend_scheme: first`).
        case first
        /// Before every fragment between special tokens (llama.cpp; Hugging Face's `Prepend` normalizer).
        case everyFragment
    }

    /// Which adjacent pair merges first.
    public enum Ranking: Sendable {
        /// Merge lines in order, "left right" each (Hugging Face `merges`, GGUF `tokenizer.ggml.merges`).
        case merges([String])
        /// Each token's score; the pair whose concatenation scores highest merges first (SentencePiece).
        case scores([Float])
    }

    public let style: Style
    public let tokens: [String]
    /// Token ids by their exact bytes (see `ExactString`).
    let ids: [ExactString: Int]
    /// (left id << 32 | right id) → (rank, merged id).
    let mergeTable: [UInt64: (rank: Int32, merged: Int32)]
    let scores: [Float]?
    let specials: SpecialTokenSplitter
    let byteTokens: [Int]?
    public let unknownID: Int?
    public let bosID: Int?
    /// Whether `encode` puts BOS in front.
    public let addsBOS: Bool

    /// Unicode normalisation applied before anything else (Qwen2's tokenizer.json asks for NFC).
    public let normalizesNFC: Bool

    public init(
        style: Style, tokens: [String], ranking: Ranking, specialTokenIDs: [Int],
        bosID: Int?, addsBOS: Bool, unknownID: Int?, normalizesNFC: Bool = false, source: String
    ) throws {
        guard !tokens.isEmpty else { throw SciDLError("\(source): the tokenizer's vocabulary is empty") }
        self.style = style
        self.tokens = tokens
        var ids: [ExactString: Int] = [:]
        for (i, t) in tokens.enumerated() where ids[ExactString(t)] == nil { ids[ExactString(t)] = i }
        self.ids = ids
        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        switch ranking {
        case .merges(let lines):
            guard !lines.isEmpty else {
                throw SciDLError(
                    "\(source): the BPE tokenizer has no merges (an incomplete tokenizer; re-export the model)")
            }
            table.reserveCapacity(lines.count)
            for (rank, line) in lines.enumerated() {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let l = ids[ExactString(String(parts[0]))],
                    let r = ids[ExactString(String(parts[1]))],
                    let m = ids[ExactString(String(parts[0]) + String(parts[1]))]
                else { continue }
                let key = UInt64(l) << 32 | UInt64(r)
                if table[key] == nil { table[key] = (Int32(rank), Int32(m)) }
            }
            scores = nil
        case .scores(let s):
            guard s.count == tokens.count else {
                throw SciDLError("\(source): \(s.count) token scores for \(tokens.count) tokens (corrupt tokenizer)")
            }
            scores = s
        }
        mergeTable = table
        specials = SpecialTokenSplitter(specialTokenIDs.filter { tokens.indices.contains($0) }.map { (tokens[$0], $0) })
        let bytes = (0..<256).map { ids[ExactString(String(format: "<0x%02X>", $0))] }
        byteTokens = bytes.allSatisfy { $0 != nil } ? bytes.map { $0! } : nil
        self.unknownID = unknownID
        self.bosID = bosID
        self.addsBOS = addsBOS && bosID != nil
        self.normalizesNFC = normalizesNFC
    }

    /// Token ids of `text` (with BOS when the model adds one).
    public func encode(_ text: String) -> [Int] {
        var out: [Int] = addsBOS ? [bosID!] : []
        var afterSpecial = true
        var first = true
        for piece in specials.split(normalizesNFC ? text.precomposedStringWithCanonicalMapping : text) {
            switch piece {
            case .special(let id):
                out.append(id)
                afterSpecial = true
            case .text(let t):
                switch style {
                case .byteLevel(let pre):
                    for word in pre.split(t) { out += merge(ByteLevelAlphabet.spell(word)) }
                case .sentencePiece(let prefix):
                    let spaced = (prefix == .everyFragment && afterSpecial || prefix == .first && first ? " " : "") + t
                    out += merge(spaced.unicodeScalars.map { $0 == " " ? "▁" : String($0) })
                }
                afterSpecial = false
                first = false
            }
        }
        return out
    }

    /// Merges a word's symbols; what the vocabulary lacks becomes byte tokens, or the unknown token.
    func merge(_ symbols: [String]) -> [Int] {
        // Symbols outside the vocabulary get negative ids (their index), so they never merge.
        let start = symbols.enumerated().map { ids[ExactString($0.element)] ?? -1 - $0.offset }
        let merged = BytePairMerges(rank: rankOf).apply(to: start)
        var out: [Int] = []
        out.reserveCapacity(merged.count)
        for id in merged {
            if id >= 0 {
                out.append(id)
                continue
            }
            let symbol = symbols[-1 - id]
            if let byteTokens {
                out += symbol.utf8.map { byteTokens[Int($0)] }
            } else if let unknownID {
                out.append(unknownID)
            }
        }
        return out
    }

    private func rankOf(_ left: Int, _ right: Int) -> (priority: Float, merged: Int)? {
        guard left >= 0, right >= 0 else { return nil }
        if let scores {
            guard let m = ids[ExactString(tokens[left] + tokens[right])] else { return nil }
            return (-scores[m], m)
        }
        guard let entry = mergeTable[UInt64(left) << 32 | UInt64(right)] else { return nil }
        return (Float(entry.rank), Int(entry.merged))
    }
}
