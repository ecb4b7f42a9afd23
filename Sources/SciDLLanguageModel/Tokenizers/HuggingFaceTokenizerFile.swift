import Foundation

/// The parts of a Hugging Face `tokenizer.json` a BPE tokenizer needs, read leniently (a field that is
/// absent, null or of another type counts as absent): the model's vocabulary, merges and unknown token, the
/// added tokens, and the normalizer, pre-tokenizer and post-processor components.
struct HuggingFaceTokenizerFile: Decodable {
    var model: Model?
    var addedTokens: [AddedToken]
    var normalizer, preTokenizer, postProcessor: Component?

    struct Model: Decodable {
        var type: String?
        var vocabulary: [String: Int]?
        /// "a b", or ["a", "b"] in newer files; nil where one is neither.
        var merges: [String?]
        var unknownToken: String?

        enum CodingKeys: String, CodingKey {
            case type, vocabulary = "vocab", merges, unknownToken = "unk_token"
        }

        init(from decoder: any Swift.Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = c.lenient(String.self, .type)
            vocabulary = c.lenient([String: Int].self, .vocabulary)
            merges = c.lenient([Merge].self, .merges)?.map(\.text) ?? []
            unknownToken = c.lenient(String.self, .unknownToken)
        }
    }

    /// One merge in either of its two spellings.
    struct Merge: Decodable {
        var text: String?
        init(from decoder: any Swift.Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let line = try? c.decode(String.self) {
                text = line
            } else if let pair = try? c.decode([String].self), pair.count == 2 {
                text = pair[0] + " " + pair[1]
            }
        }
    }

    struct AddedToken: Decodable {
        var content: String
        var id: Int
    }

    /// A normalizer, pre-tokenizer or post-processor; a `Sequence` holds its members.
    struct Component: Decodable {
        var type: String?
        var members: [Component]
        /// Prepend's text; Metaspace's options; Digits' option; Split's regular expression.
        var prepend, prependScheme, pattern: String?
        var split, addPrefixSpace, individualDigits: Bool?
        /// TemplateProcessing: the single-sequence template's first piece, if a special token, and the ids of
        /// the special tokens by name.
        var firstSpecialToken: String?
        var specialTokenIDs: [String: [Int]]

        enum CodingKeys: String, CodingKey {
            case type, normalizers, pretokenizers, processors, prepend, pattern, split, single
            case prependScheme = "prepend_scheme", addPrefixSpace = "add_prefix_space"
            case individualDigits = "individual_digits", specialTokens = "special_tokens"
        }
        struct Pattern: Decodable {
            var regex: String?
            enum CodingKeys: String, CodingKey { case regex = "Regex" }
        }
        struct TemplatePiece: Decodable {
            struct Special: Decodable { var id: String }
            var special: Special?
            enum CodingKeys: String, CodingKey { case special = "SpecialToken" }
        }
        struct SpecialToken: Decodable { var ids: [Int]? }

        init(from decoder: any Swift.Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = c.lenient(String.self, .type)
            members =
                c.lenient([Component].self, .normalizers) ?? c.lenient([Component].self, .pretokenizers)
                ?? c.lenient([Component].self, .processors) ?? []
            prepend = c.lenient(String.self, .prepend)
            prependScheme = c.lenient(String.self, .prependScheme)
            pattern = c.lenient(Pattern.self, .pattern)?.regex
            split = c.lenient(Bool.self, .split)
            addPrefixSpace = c.lenient(Bool.self, .addPrefixSpace)
            individualDigits = c.lenient(Bool.self, .individualDigits)
            firstSpecialToken = c.lenient([TemplatePiece].self, .single)?.first?.special?.id
            specialTokenIDs = (c.lenient([String: SpecialToken].self, .specialTokens) ?? [:]).compactMapValues(\.ids)
        }

        /// This component and, for a `Sequence`, its members, as a flat list.
        var flattened: [Component] { type == "Sequence" ? members.flatMap(\.flattened) : [self] }
    }

    enum CodingKeys: String, CodingKey {
        case model, addedTokens = "added_tokens", normalizer, preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor"
    }

    init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = c.lenient(Model.self, .model)
        addedTokens = (c.lenient([LenientAddedToken].self, .addedTokens) ?? []).compactMap(\.token)
        normalizer = c.lenient(Component.self, .normalizer)
        preTokenizer = c.lenient(Component.self, .preTokenizer)
        postProcessor = c.lenient(Component.self, .postProcessor)
    }

    /// An added token, or nil where one lacks its content or id.
    private struct LenientAddedToken: Decodable {
        var token: AddedToken?
        init(from decoder: any Swift.Decoder) throws { token = try? AddedToken(from: decoder) }
    }
}

/// `tokenizer_config.json`: whether to add BOS, and which token it is (a string or an object with `content`).
struct HuggingFaceTokenizerConfig: Decodable {
    var addsBOS: Bool?
    var bosToken: String?

    enum CodingKeys: String, CodingKey { case addsBOS = "add_bos_token", bosToken = "bos_token" }
    struct Content: Decodable { var content: String? }

    init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        addsBOS = c.lenient(Bool.self, .addsBOS)
        bosToken = c.lenient(String.self, .bosToken) ?? c.lenient(Content.self, .bosToken)?.content
    }
}
