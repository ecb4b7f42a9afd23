import ArgumentParser
import SciDLLanguageModel

struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Describe a language model, show how it tokenizes a text and (decoders) what it would say next.",
        discussion: """
            Prints the architecture read from the file, the storage of its matrices and its tokenizer. With \
            --text, the token ids and pieces of that text and, for a decoder, its likeliest next tokens: a quick \
            check that a GGUF file or model folder reads as intended before probing it.
            """)
    @Option(help: "smollm2, gemma3, minilm, a .gguf file or a Hugging Face model folder.") var model = ModelCatalog
        .defaultModel
    @Option(help: "A text to tokenize (and, for decoders, continue).") var text: String?
    @Option(help: "How many likeliest next tokens to list.") var next = 5
    @Option(help: "Quantised decoders: exact (float32 products) or int8 (llama.cpp's integer arithmetic).")
    var compute = ComputeMode.exact

    func run() throws { print(try ModelCatalog.load(model, compute: compute).inspection(text: text, next: next)) }
}
