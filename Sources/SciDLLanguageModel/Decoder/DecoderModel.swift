import Foundation
import SciDLTensor

/// A Llama-family decoder with its tokenizer, read from a GGUF file or a Hugging Face folder.
public struct DecoderModel: LanguageModel {
    public let tokenizer: BPETokenizer
    public let decoder: Decoder
    public let name: String
    public let identity: String
    /// Where the weights came from (the .gguf file, or the folder).
    public let location: URL
    /// Whether consecutive prompts that start alike compute their common prefix once (the states are the
    /// same either way; off only to measure what sharing saves).
    public var sharesPrefixes = true

    /// Pairs a tokenizer with a decoder, refusing a tokenizer with ids the embedding lacks.
    public init(tokenizer: BPETokenizer, decoder: Decoder, name: String, identity: String, location: URL) throws {
        guard tokenizer.tokens.count <= decoder.configuration.vocabularySize else {
            throw SciDLError("\(location.path): the tokenizer has \(tokenizer.tokens.count) tokens but the embedding only \(decoder.configuration.vocabularySize) rows")
        }
        self.tokenizer = tokenizer
        self.decoder = decoder
        self.name = name
        self.identity = identity
        self.location = location
    }

    /// Reads a `.gguf` file.
    public init(gguf url: URL) throws {
        let file = try GGUFFile(contentsOf: url)
        let decoder = try Decoder(gguf: file)
        let tokenizer = try BPETokenizer(gguf: file)
        // The file's name, which says the model and its quantisation (general.name often says neither).
        try self.init(tokenizer: tokenizer, decoder: decoder, name: url.deletingPathExtension().lastPathComponent,
                  identity: file.file.identity, location: url)
    }

    /// Reads a Hugging Face decoder folder (config.json, safetensors weights, tokenizer.json).
    public init(folder: URL) throws {
        let weights = try SafetensorsShards(folder: folder)
        let decoder = try Decoder(huggingFaceFolder: folder, weights: weights)
        let tokenizer = try BPETokenizer(huggingFaceFolder: folder)
        try self.init(tokenizer: tokenizer, decoder: decoder, name: folder.standardizedFileURL.lastPathComponent,
                  identity: weights.identity, location: folder)
    }

    public var blockCount: Int { decoder.configuration.blockCount }
    public var width: Int { decoder.configuration.width }
    /// The trained context, at most 8192 tokens (a bound on what one prompt may cost).
    public var maxTokens: Int { min(decoder.configuration.contextLength, 8192) }
    /// The last token: the only one that has attended to the whole prompt.
    public var defaultPosition: TokenPosition { .last }

    public func tokenize(_ text: String) -> [Int] {
        let ids = tokenizer.encode(text)
        return ids.count <= maxTokens ? ids : Array(ids.suffix(maxTokens))
    }

    /// Sites: `hook_embed`, `blocks.{i}.hook_resid_post`, `ln_final.hook_normalized`.
    public func forward(_ sequences: [[Int]], sites: Set<ActivationSite>, visit: (ActivationSite, Tensor) -> Void) {
        decoder.forward(sequences, sites: sites, sharingPrefixes: sharesPrefixes, visit: visit)
    }
}
