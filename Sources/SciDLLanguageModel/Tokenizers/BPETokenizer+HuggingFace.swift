import Foundation
import SciDLSupport
import SciDLTensor

extension BPETokenizer {
    /// The BPE tokenizer of a Hugging Face `tokenizer.json`: byte-level (a `ByteLevel` pre-tokenizer, with
    /// GPT-2's split or a `Split` by Llama 3's or Qwen2's pattern, or SmolLM's digits first) or
    /// SentencePiece-style (`Prepend("▁")` + `Replace(" ", "▁")` normalizers or a `Metaspace` pre-tokenizer,
    /// byte fallback). Every entry of `added_tokens` is matched in the text. BOS is added when the
    /// post-processor's template starts with it, or when `tokenizer_config.json` says `add_bos_token`.
    public init(huggingFaceFolder folder: URL) throws {
        let url = folder.appendingPathComponent("tokenizer.json")
        guard let data = try? Data(contentsOf: url) else {
            throw SciDLError(
                """
                \(folder.path) has no tokenizer.json (a decoder model folder needs config.json, tokenizer.json \
                and safetensors weights)
                """
            )
        }
        try self.init(
            huggingFaceJSON: data, source: url.path,
            tokenizerConfig: try? Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json")))
    }

    /// The tokenizer a `tokenizer.json` (its bytes, read from `source`) describes; `tokenizerConfig`, the
    /// folder's `tokenizer_config.json` if it has one, may say to add BOS.
    public init(huggingFaceJSON data: Data, source: String, tokenizerConfig: Data?) throws {
        guard let file = try? JSONDecoder().decode(HuggingFaceTokenizerFile.self, from: data), let model = file.model
        else {
            throw SciDLError("\(source) is not a tokenizer.json (no \"model\" object)")
        }
        guard (model.type ?? "BPE") == "BPE", let vocabulary = model.vocabulary else {
            throw SciDLError(
                """
                \(source): model type \(model.type ?? "?") is not BPE with a vocab; SciDL reads BPE tokenizers \
                (Llama, Qwen2, SmolLM, Mistral)
                """
            )
        }
        var ids = vocabulary
        for token in file.addedTokens { ids[token.content] = token.id }
        guard let largest = ids.values.max(), largest < 10_000_000, ids.values.allSatisfy({ $0 >= 0 }) else {
            throw SciDLError("\(source): token ids out of range (corrupt tokenizer)")
        }
        var tokens = [String](repeating: "", count: largest + 1)
        for (token, id) in ids { tokens[id] = token }
        let merges: [String] = try model.merges.map {
            guard let merge = $0 else {
                throw SciDLError("\(source): a merge is neither \"a b\" nor [a, b] (corrupt tokenizer)")
            }
            return merge
        }
        let normalizers = file.normalizer?.flattened ?? []
        for type in normalizers.map({ $0.type ?? "?" }) where !["NFC", "Prepend", "Replace"].contains(type) {
            throw SciDLError(
                "\(source): the \(type) normalizer is not one SciDL applies (it knows NFC, Prepend and Replace)")
        }
        let style = try Self.style(
            preTokenizers: file.preTokenizer?.flattened ?? [], normalizers: normalizers, source: source)
        let bosID = Self.templateBOS(file.postProcessor) ?? Self.configuredBOS(tokenizerConfig, ids: ids)
        try self.init(
            style: style, tokens: tokens, ranking: .merges(merges), specialTokenIDs: file.addedTokens.map(\.id),
            bosID: bosID, addsBOS: bosID != nil, unknownID: model.unknownToken.flatMap { ids[$0] },
            normalizesNFC: normalizers.contains { $0.type == "NFC" }, source: source)
    }

    /// Byte-level (with its word split) or SentencePiece-style (with where a word-start "▁" goes).
    static func style(
        preTokenizers: [HuggingFaceTokenizerFile.Component], normalizers: [HuggingFaceTokenizerFile.Component],
        source: String
    ) throws -> Style {
        if preTokenizers.contains(where: { $0.type == "ByteLevel" }) {
            return .byteLevel(try byteLevelSplit(preTokenizers, source: source))
        }
        if let meta = preTokenizers.first(where: { $0.type == "Metaspace" }) {
            guard meta.split != true else {
                throw SciDLError("\(source): a Metaspace pre-tokenizer that splits words is not supported yet")
            }
            let scheme = meta.prependScheme ?? ((meta.addPrefixSpace ?? true) ? "always" : "never")
            return .sentencePiece(spacePrefix: scheme == "never" ? .never : scheme == "first" ? .first : .everyFragment)
        }
        guard preTokenizers.isEmpty else {
            let names = preTokenizers.compactMap(\.type).joined(separator: ", ")
            throw SciDLError(
                "\(source): pre-tokenizer \(names) is not one SciDL knows (ByteLevel, Split + ByteLevel, Metaspace)")
        }
        let prepends = normalizers.contains { $0.type == "Prepend" && $0.prepend == "▁" }
        return .sentencePiece(spacePrefix: prepends ? .everyFragment : .never)
    }

    /// Which word split a byte-level tokenizer uses.
    static func byteLevelSplit(_ preTokenizers: [HuggingFaceTokenizerFile.Component], source: String) throws -> PreTokenizer {
        if let split = preTokenizers.first(where: { $0.type == "Split" }) {
            let pattern = split.pattern ?? ""
            guard let known = PreTokenizer.allCases.first(where: { $0.pattern == pattern }) else {
                throw SciDLError(
                    """
                    \(source): the Split pattern \(pattern.prefix(60))… is not one SciDL knows (GPT-2's, Llama \
                    3's, Qwen2's)
                    """
                )
            }
            return known
        }
        let digits = preTokenizers.contains { $0.type == "Digits" && $0.individualDigits == true }
        return digits ? .smollm : .gpt2
    }

    /// The id of a special token the single-sequence template puts first.
    static func templateBOS(_ processor: HuggingFaceTokenizerFile.Component?) -> Int? {
        for p in processor?.flattened ?? [] where p.type == "TemplateProcessing" {
            guard let name = p.firstSpecialToken, let ids = p.specialTokenIDs[name], ids.count == 1 else { continue }
            return ids[0]
        }
        return nil
    }

    /// BOS from `tokenizer_config.json` when it says `add_bos_token: true`.
    static func configuredBOS(_ tokenizerConfig: Data?, ids: [String: Int]) -> Int? {
        guard let data = tokenizerConfig,
            let config = try? JSONDecoder().decode(HuggingFaceTokenizerConfig.self, from: data), config.addsBOS == true
        else { return nil }
        return config.bosToken.flatMap { ids[$0] }
    }
}
