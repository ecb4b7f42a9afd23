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
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let model = json["model"] as? [String: Any]
        else {
            throw SciDLError("\(source) is not a tokenizer.json (no \"model\" object)")
        }
        guard (model["type"] as? String ?? "BPE") == "BPE", let vocabulary = model["vocab"] as? [String: Int] else {
            throw SciDLError(
                """
                \(source): model type \(model["type"] ?? "?") is not BPE with a vocab; SciDL reads BPE tokenizers \
                (Llama, Qwen2, SmolLM, Mistral)
                """
            )
        }
        let added = (json["added_tokens"] as? [[String: Any]] ?? []).compactMap { t -> (String, Int)? in
            guard let content = t["content"] as? String, let id = t["id"] as? Int else { return nil }
            return (content, id)
        }
        var ids = vocabulary
        for (content, id) in added { ids[content] = id }
        guard let largest = ids.values.max(), largest < 10_000_000, ids.values.allSatisfy({ $0 >= 0 }) else {
            throw SciDLError("\(source): token ids out of range (corrupt tokenizer)")
        }
        var tokens = [String](repeating: "", count: largest + 1)
        for (token, id) in ids { tokens[id] = token }
        let merges: [String] = try (model["merges"] as? [Any] ?? []).map { m in
            if let line = m as? String { return line }
            if let pair = m as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            throw SciDLError("\(source): a merge is neither \"a b\" nor [a, b] (corrupt tokenizer)")
        }
        let normalizers = Self.flatten(json["normalizer"], key: "normalizers")
        let preTokenizers = Self.flatten(json["pre_tokenizer"], key: "pretokenizers")
        for n in normalizers {
            let type = n["type"] as? String ?? "?"
            guard ["NFC", "Prepend", "Replace"].contains(type) else {
                throw SciDLError(
                    "\(source): the \(type) normalizer is not one SciDL applies (it knows NFC, Prepend and Replace)")
            }
        }
        let style: Style
        if preTokenizers.contains(where: { $0["type"] as? String == "ByteLevel" }) {
            style = .byteLevel(try Self.byteLevelSplit(preTokenizers, source: source))
        } else if let meta = preTokenizers.first(where: { $0["type"] as? String == "Metaspace" }) {
            guard meta["split"] as? Bool != true else {
                throw SciDLError("\(source): a Metaspace pre-tokenizer that splits words is not supported yet")
            }
            let scheme =
                meta["prepend_scheme"] as? String ?? ((meta["add_prefix_space"] as? Bool ?? true) ? "always" : "never")
            style = .sentencePiece(
                spacePrefix: scheme == "never" ? .never : scheme == "first" ? .first : .everyFragment)
        } else if preTokenizers.isEmpty {
            let prepends = normalizers.contains {
                $0["type"] as? String == "Prepend" && $0["prepend"] as? String == "▁"
            }
            style = .sentencePiece(spacePrefix: prepends ? .everyFragment : .never)
        } else {
            let names = preTokenizers.compactMap { $0["type"] as? String }.joined(separator: ", ")
            throw SciDLError(
                "\(source): pre-tokenizer \(names) is not one SciDL knows (ByteLevel, Split + ByteLevel, Metaspace)")
        }
        let bosID = Self.templateBOS(json["post_processor"]) ?? Self.configuredBOS(tokenizerConfig, ids: ids)
        try self.init(
            style: style, tokens: tokens, ranking: .merges(merges), specialTokenIDs: added.map(\.1),
            bosID: bosID, addsBOS: bosID != nil,
            unknownID: (model["unk_token"] as? String).flatMap { ids[$0] },
            normalizesNFC: normalizers.contains { $0["type"] as? String == "NFC" }, source: source)
    }

    /// A component and, for a `Sequence`, its members, as a flat list.
    static func flatten(_ object: Any?, key: String) -> [[String: Any]] {
        guard let o = object as? [String: Any] else { return [] }
        if o["type"] as? String == "Sequence" { return (o[key] as? [Any] ?? []).flatMap { flatten($0, key: key) } }
        return [o]
    }

    /// Which word split a byte-level tokenizer uses.
    static func byteLevelSplit(_ preTokenizers: [[String: Any]], source: String) throws -> PreTokenizer {
        if let split = preTokenizers.first(where: { $0["type"] as? String == "Split" }) {
            let pattern = (split["pattern"] as? [String: Any])?["Regex"] as? String ?? ""
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
        let digits = preTokenizers.contains {
            $0["type"] as? String == "Digits" && $0["individual_digits"] as? Bool == true
        }
        return digits ? .smollm : .gpt2
    }

    /// The id of a special token the single-sequence template puts first.
    static func templateBOS(_ processor: Any?) -> Int? {
        for p in flatten(processor, key: "processors") where p["type"] as? String == "TemplateProcessing" {
            guard let single = p["single"] as? [[String: Any]], let first = single.first,
                let special = first["SpecialToken"] as? [String: Any], let name = special["id"] as? String,
                let entry = (p["special_tokens"] as? [String: Any])?[name] as? [String: Any],
                let ids = entry["ids"] as? [Int], ids.count == 1
            else { continue }
            return ids[0]
        }
        return nil
    }

    /// BOS from `tokenizer_config.json` when it says `add_bos_token: true`.
    static func configuredBOS(_ tokenizerConfig: Data?, ids: [String: Int]) -> Int? {
        guard let data = tokenizerConfig, let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            config["add_bos_token"] as? Bool == true
        else { return nil }
        let bos = config["bos_token"] as? String ?? (config["bos_token"] as? [String: Any])?["content"] as? String
        return bos.flatMap { ids[$0] }
    }
}
