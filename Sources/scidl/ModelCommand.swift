import ArgumentParser
import Foundation
import SciDLLanguageModel
import SciDLSupport

struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Describe a language model, show how it tokenizes a text and (decoders) what it would say next.",
        discussion: """
            Prints the architecture read from the file, the storage of its matrices and its tokenizer. With \
            --text, the token ids and pieces of that text and, for a decoder, its likeliest next tokens: a quick \
            check that a GGUF file or model folder reads as intended before probing it.
            """
    )
    @Option(help: "smollm2, minilm, a .gguf file or a Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "A text to tokenize (and, for decoders, continue).") var text: String?
    @Option(help: "How many likeliest next tokens to list.") var next = 5

    func run() throws {
        let loaded = try ModelCatalog.load(model)
        let width = loaded.summary.map(\.0.count).max() ?? 0
        for (name, value) in loaded.summary {
            print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
        if let decoder = loaded as? DecoderModel, !decoder.unusedTensors.isEmpty {
            let shown = decoder.unusedTensors.prefix(5).map { printable($0) }.joined(separator: ", ")
            print(
                "note: \(decoder.unusedTensors.count) tensors of the file are not used: \(shown)"
                    + (decoder.unusedTensors.count > 5 ? ", …" : ""))
        }
        guard let text else { return }
        let ids = loaded.tokenize(text)
        print(
            "\ntokens (\(ids.count)): "
                + ids.map { "\($0) \(loaded.piece($0).debugDescription)" }.joined(separator: ", "))
        if let decoder = loaded as? DecoderModel {
            print(
                "next: "
                    + (try decoder.nextTokens(after: text, count: next))
                    .map { "\(decoder.piece($0.id).debugDescription) \(String(format: "%.3f", $0.probability))" }
                    .joined(separator: ", "))
        }
    }
}
