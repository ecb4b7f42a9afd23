import Foundation
import SciDLSupport
import SciDLTensor

/// A Llama-family decoder with its tokenizer, read from a GGUF file or a Hugging Face folder.
public struct DecoderModel: LanguageModel {
    public let tokenizer: BPETokenizer
    public private(set) var decoder: Decoder
    public let name: String
    /// What identifies the weights on disk; `identity` adds the arithmetic when it is not the exact one.
    let weightsIdentity: String
    /// Where the weights came from (the .gguf file, or the folder).
    public let location: URL
    /// Whether consecutive prompts that start alike compute their common prefix once (the states are the
    /// same either way; off only to measure what sharing saves).
    public var sharesPrefixes = true
    /// Tensors of the model file the decoder does not read (an extra head, a format SciDL does not know): they
    /// are named, not silently dropped.
    public private(set) var unusedTensors: [String] = []

    /// Pairs a tokenizer with a decoder, refusing a tokenizer with ids the embedding lacks.
    public init(tokenizer: BPETokenizer, decoder: Decoder, name: String, identity: String, location: URL) throws {
        guard tokenizer.tokens.count <= decoder.configuration.vocabularySize else {
            throw SciDLError(
                """
                \(location.path): the tokenizer has \(tokenizer.tokens.count) tokens but the embedding only \
                \(decoder.configuration.vocabularySize) rows
                """
            )
        }
        self.tokenizer = tokenizer
        self.decoder = decoder
        self.name = name
        self.weightsIdentity = identity
        self.location = location
    }

    /// Reads a `.gguf` file.
    public init(gguf url: URL) throws {
        try self.init(gguf: GGUFFile(contentsOf: url))
    }

    /// The model in a GGUF file, named after the file (which says the model and its quantisation;
    /// `general.name` often says neither).
    public init(gguf file: GGUFFile) throws {
        let url = file.file.url
        let decoder = try Decoder(gguf: file)
        try self.init(
            tokenizer: BPETokenizer(gguf: file), decoder: decoder,
            name: url.deletingPathExtension().lastPathComponent, identity: file.file.identity, location: url)
        unusedTensors = Set(file.tensors.keys).subtracting(
            Decoder.ggufTensorNames(blockCount: decoder.configuration.blockCount)
        ).sorted()
    }

    /// Reads a Hugging Face decoder folder (config.json, safetensors weights, tokenizer.json).
    public init(folder: URL) throws {
        let weights = try SafetensorsShards(folder: folder)
        try self.init(
            tokenizer: BPETokenizer(huggingFaceFolder: folder),
            decoder: Decoder(huggingFaceFolder: folder, weights: weights),
            name: folder.standardizedFileURL.lastPathComponent, identity: weights.identity, location: folder)
    }

    /// How products by quantised weights are computed (see `ComputeMode`).
    public var compute: ComputeMode {
        get { decoder.compute }
        set { decoder.compute = newValue }
    }

    /// The weights' identity, and `compute=int8` when the integer path really runs: cached activations of the
    /// two arithmetics are kept apart.
    public var identity: String {
        decoder.effectiveCompute == .int8 ? weightsIdentity + " compute=int8" : weightsIdentity
    }

    public var blockCount: Int { decoder.configuration.blockCount }
    public var width: Int { decoder.configuration.width }
    /// The trained context, at most 8192 tokens (a bound on what one prompt may cost).
    public var maxTokens: Int { min(decoder.configuration.contextLength, 8192) }
    /// The last token: the only one that has attended to the whole prompt.
    public var defaultPosition: TokenPosition { .last }

    public func tokenize(_ text: String, limit: Int) -> (ids: [Int], truncated: Bool) {
        let ids = tokenizer.encode(text)
        let limit = max(1, min(limit, maxTokens))
        guard ids.count > limit else { return (ids, false) }
        // The BOS the model was trained to see first stays first.
        if let bos = tokenizer.bosID, ids.first == bos, limit > 1 { return ([bos] + ids.suffix(limit - 1), true) }
        return (Array(ids.suffix(limit)), true)
    }

    public func piece(_ id: Int) -> String { tokenizer.tokens.indices.contains(id) ? tokenizer.tokens[id] : "?" }

    public var summary: [(String, String)] {
        let c = decoder.configuration
        let tied = decoder.unembedding.bytes.baseAddress == decoder.embedding.bytes.baseAddress
        let matrices =
            [decoder.embedding] + (tied ? [] : [decoder.unembedding])
            + decoder.blocks.flatMap {
                [$0.query, $0.key, $0.value, $0.output, $0.gate, $0.up, $0.down]
            }
        var bytes: [String: Int] = [:]
        for m in matrices { bytes[m.type.name, default: 0] += m.bytes.count }
        let types = bytes.sorted { $0.value > $1.value }.map {
            "\($0.key) \(String(format: "%.0f", Double($0.value) / 1e6)) MB"
        }
        let style =
            switch tokenizer.style {
            case .byteLevel(let pre): "byte-level BPE (\(pre.rawValue) split)"
            case .sentencePiece: "SentencePiece BPE (byte fallback)"
            }
        return [
            ("model", name), ("kind", "\(c.architecture) decoder (\(location.path))"), ("blocks", "\(c.blockCount)"),
            ("width", "\(c.width)"),
            ("heads", "\(c.headCount) query, \(c.keyValueHeadCount) key/value, \(c.headSize) wide"),
            ("MLP width", "\(c.mlpWidth) (\(c.mlpGate == .silu ? "SwiGLU" : "GeGLU, tanh GELU"))"),
            (
                "RoPE",
                """
                base \(c.rotary.base), \(c.rotary.dimensions) \
                dimensions\(c.rotary.frequencyFactors == nil ? "" : ", scaled")\
                \(c.localRotary.map { "; base \($0.base) on sliding-window blocks" } ?? "")
                """
            ),
            ("attention", attentionDescription),
            ("context", "\(c.contextLength) tokens"), ("vocabulary", "\(c.vocabularySize) (\(style))"),
            ("adds BOS", tokenizer.addsBOS ? "yes (\(tokenizer.bosID!))" : "no"),
            ("output", tied ? "tied to the embedding" : "its own matrix"),
            ("matrices", types.joined(separator: ", ")),
            ("compute", computeDescription),
        ]
    }

    /// Which blocks attend to the whole context and which through a sliding window, and the scores' soft cap.
    var attentionDescription: String {
        let c = decoder.configuration
        let windowed = (0..<c.blockCount).filter { c.window(ofBlock: $0) != nil }
        var parts = [
            windowed.isEmpty
                ? "global in every block"
                : "sliding window of \(c.window(ofBlock: windowed[0])!) tokens in \(windowed.count) blocks, global in "
                    + (0..<c.blockCount).filter { c.window(ofBlock: $0) == nil }.map(String.init).joined(
                        separator: ", ")
        ]
        if let cap = c.attentionSoftCap { parts.append("scores soft-capped at \(cap)") }
        if let cap = c.finalLogitSoftCap { parts.append("logits soft-capped at \(cap)") }
        if c.embeddingScale != 1 { parts.append("embeddings × \(c.embeddingScale)") }
        return parts.joined(separator: "; ")
    }

    /// The arithmetic products run in, for `scidl model` and reports.
    public var computeDescription: String {
        switch (decoder.effectiveCompute, compute) {
        case (.int8, _): "int8 (llama.cpp's integer dot products, \(Int8Kernels.available!.name))"
        case (.exact, .int8):
            Int8Kernels.available == nil
                ? "exact (float32; this CPU has no integer kernels)" : "exact (float32; no quantised weights)"
        case (.exact, .exact): "exact (float32)"
        }
    }

    /// The `count` likeliest next tokens after `text`, with their probabilities; a model whose logits are not
    /// finite (damaged weights) is refused rather than printed as NaN.
    public func nextTokens(after text: String, count: Int) throws -> [(id: Int, probability: Float)] {
        var ids = tokenize(text)
        if ids.isEmpty { ids = [tokenizer.bosID ?? 0] }
        var logits = decoder.lastTokenLogits([ids]).scalars
        guard logits.allSatisfy(\.isFinite) else {
            throw SciDLError(
                """
                \(name): the next-token logits are not finite (NaN or infinity): the model file's weights are \
                damaged, or stored in a type SciDL misreads
                """)
        }
        _ = logits.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, count: $0.count) }
        return logits.indices.sorted { logits[$0] > logits[$1] }.prefix(count).map { ($0, logits[$0]) }
    }

    /// Sites: `hook_embed`, `blocks.{i}.hook_resid_post`, `ln_final.hook_normalized`.
    public func forward(
        _ sequences: [[Int]], sites: Set<ActivationSite>, rows: [Int]?,
        visit: (ActivationSite, Tensor) -> Void
    ) {
        decoder.forward(sequences, sites: sites, rows: rows, sharingPrefixes: sharesPrefixes, visit: visit)
    }
}
