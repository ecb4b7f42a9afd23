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

    public init(tokenizer: BPETokenizer, decoder: Decoder, name: String, identity: String, location: URL) {
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
        guard tokenizer.tokens.count <= decoder.configuration.vocabularySize else {
            throw SciDLError("\(url.path): the tokenizer has \(tokenizer.tokens.count) tokens but the embedding only \(decoder.configuration.vocabularySize) rows")
        }
        // The file's name, which says the model and its quantisation (general.name often says neither).
        self.init(tokenizer: tokenizer, decoder: decoder, name: url.deletingPathExtension().lastPathComponent,
                  identity: file.file.identity, location: url)
    }

    public var blockCount: Int { decoder.configuration.blockCount }
    public var width: Int { decoder.configuration.width }
    /// The trained context, at most 8192 tokens (attention's buffers grow with the square of the length).
    public var maxTokens: Int { min(decoder.configuration.contextLength, 8192) }
    /// The last token: the only one that has attended to the whole prompt.
    public var defaultPosition: TokenPosition { .last }

    public func tokenize(_ text: String) -> [Int] {
        let ids = tokenizer.encode(text)
        return ids.count <= maxTokens ? ids : Array(ids.suffix(maxTokens))
    }

    /// Sites: `hook_embed`, `blocks.{i}.hook_resid_post`, `ln_final.hook_normalized`.
    public func forward(_ sequences: [[Int]], sites: Set<ActivationSite>, visit: (ActivationSite, Tensor) -> Void) {
        decoder.forward(sequences, sites: sites, visit: visit)
    }
}
