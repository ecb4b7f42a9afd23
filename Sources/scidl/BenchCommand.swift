import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLSupport

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speed benchmarks; each prints one JSON line.",
        subcommands: [BenchGrok.self, BenchSweep.self, BenchLM.self, BenchProduct.self, BenchFidelity.self])
}

struct BenchGrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grok",
        abstract: "Milliseconds per full-batch training step at the canonical grokking configuration.")
    @OptionGroup var settings: GrokSettings
    @Option(help: "Timed steps.") var timedSteps = 50
    @Option(help: "Untimed warm-up steps.") var warmup = 5
    @Flag(help: "Skip timing the BLAS on a 2048³ product (the limit the step is compared with).") var noSgemm = false

    func run() throws {
        let config = try settings.config()
        print(try StepBenchmark.run(config: config, steps: timedSteps, warmup: warmup, sgemm: !noSgemm).jsonLine)
    }
}

struct BenchSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Runs per hour of a sweep of small runs, one after another and several at once.")
    @Option(help: "Runs in the sweep.") var runs = 20
    @Option(help: "Training steps per run.") var steps = 1000
    @Option(help: "mlp or transformer.") var model = ModelKind.mlp

    func run() throws { print(try SweepBenchmark.run(runs: runs, steps: steps, model: model).jsonLine) }
}

struct BenchLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Prompts per second for a language model's hidden states of all layers, and peak memory.")
    @Option(help: "smollm2, gemma3, minilm, a .gguf file or a Hugging Face model folder.") var model = ModelCatalog
        .defaultModel
    @Option(help: "A CSV with a statement column or a BoolQ JSONL (default: synthetic sentences).") var data: String?
    @Option(help: "Texts to encode.") var count = 512
    @Flag(help: "Decoders: compute every prompt's tokens, even a prefix it shares with the prompt before it.")
    var noSharedPrefixes = false
    @Option(help: "Real tokens packed into one forward pass.") var tokensPerBatch = 4096
    @Option(help: "Quantised decoders: exact (float32 products) or int8 (llama.cpp's integer arithmetic).")
    var compute = ComputeMode.exact

    func run() throws {
        let result = try ThroughputBenchmark.run(
            model: model, data: data.map { URL(fileURLWithPath: $0) }, count: count,
            sharingPrefixes: !noSharedPrefixes, tokensPerBatch: tokensPerBatch, compute: compute)
        print(result.jsonLine)
    }
}

struct BenchProduct: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "product",
        abstract: "One product by a random quantised matrix, in the exact and the int8 arithmetic.")
    @Option(help: "Weight type: Q4_K, Q5_K, Q6_K, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, …") var type = "Q4_K"
    @Option(help: "Weight rows (outputs).") var rows = 4096
    @Option(help: "Weight columns (inputs).") var columns = 4096
    @Option(help: "Input rows (tokens).") var tokens = 512

    func run() throws {
        print(try ProductBenchmark.run(type: type, rows: rows, columns: columns, tokens: tokens).jsonLine)
    }
}

struct BenchFidelity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "How far --compute int8 moves a quantised decoder's hidden states from --compute exact, per layer.")
    @Option(help: "smollm2, a .gguf file or a Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "A CSV with a statement column or a BoolQ JSONL (default: synthetic sentences).") var data: String?
    @Option(help: "Texts to compare.") var count = 256

    func run() throws {
        print(try ComputeFidelity.run(model: model, data: data.map { URL(fileURLWithPath: $0) }, count: count).jsonLine)
    }
}
