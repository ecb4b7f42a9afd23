import SciDLSupport
import SciDLTensor

extension BPETokenizer {
    /// The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata: `gpt2` (byte-level BPE, the
    /// pre-tokenizer named by `tokenizer.ggml.pre`) or `llama` (SentencePiece BPE by token scores).
    public init(gguf: GGUFFile) throws {
        let source = gguf.source
        let model = try gguf.string("tokenizer.ggml.model")
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        // Control (3) and user-defined (4) tokens are matched in the text, as llama.cpp does.
        let types = gguf.metadata["tokenizer.ggml.token_type"]?.array?.map { $0.integer ?? 1 } ?? []
        let specials = types.enumerated().filter { $0.element == 3 || $0.element == 4 }.map(\.offset)
        let bos = gguf.metadata["tokenizer.ggml.bos_token_id"]?.integer
        let unknown = gguf.metadata["tokenizer.ggml.unknown_token_id"]?.integer
        switch model {
        case "gpt2":
            let preName = gguf.metadata["tokenizer.ggml.pre"]?.string ?? "gpt2"
            guard let pre = PreTokenizer(ggufName: preName) else {
                throw SciDLError(
                    """
                        \(source): tokenizer.ggml.pre = '\(preName)' is a pre-tokenizer SciDL does not know (it knows \
                        gpt2, llama-bpe, qwen2, smollm and their aliases)
                        """
                )
            }
            guard gguf.metadata["tokenizer.ggml.merges"] != nil else {
                throw SciDLError(
                    """
                        \(source): the gpt2 tokenizer has no tokenizer.ggml.merges (an incomplete conversion; \
                        re-convert the model)
                        """
                )
            }
            try self.init(
                style: .byteLevel(pre), tokens: tokens, ranking: .merges(try gguf.strings("tokenizer.ggml.merges")),
                specialTokenIDs: specials, bosID: bos,
                addsBOS: gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false,
                unknownID: unknown, source: source)
        case "llama":
            guard let scores = gguf.metadata["tokenizer.ggml.scores"]?.array?.map({ Float($0.number ?? 0) }) else {
                throw SciDLError(
                    """
                        \(source): the SentencePiece tokenizer has no tokenizer.ggml.scores (an incomplete \
                        conversion; re-convert the model)
                        """
                )
            }
            // llama.cpp puts the space in front of every text fragment that follows BOS or a special token.
            let prefix = gguf.metadata["tokenizer.ggml.add_space_prefix"]?.bool ?? true
            try self.init(
                style: .sentencePiece(spacePrefix: prefix ? .everyFragment : .never),
                tokens: tokens, ranking: .scores(scores), specialTokenIDs: specials, bosID: bos,
                addsBOS: gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? true,
                unknownID: unknown, source: source)
        default:
            throw SciDLError(
                "\(source): tokenizer.ggml.model = '\(model)' is not a tokenizer SciDL reads (gpt2 or llama)")
        }
    }
}
