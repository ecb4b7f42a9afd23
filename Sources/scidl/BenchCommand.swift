import ArgumentParser
import Foundation
import SciDLGrokking
import SciDLLanguageModel
import SciDLLatentKnowledge
import SciDLSupport
import SciDLTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speed benchmarks; each prints one JSON line.",
        subcommands: [BenchGrok.self, BenchSweep.self, BenchLM.self, BenchMiniLM.self]
    )
}

struct BenchGrok: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grok",
        abstract: "Milliseconds per full-batch training step at the canonical grokking configuration."
    )
    @OptionGroup var settings: GrokSettings
    @Option(help: "Timed steps.") var timedSteps = 50
    @Option(help: "Untimed warm-up steps.") var warmup = 5
    @Flag(help: "Skip timing the BLAS on a 2048³ product (the limit the step is compared with).") var noSgemm = false

    func run() throws {
        let result = try StepBenchmark.run(
            config: try settings.config(), steps: timedSteps, warmup: warmup, sgemm: !noSgemm)
        print(result.jsonLine)
    }
}

struct BenchSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Runs per hour for a sweep of small runs: one after another, and two or more at once as sweeps run them."
    )
    @Option(help: "Runs in the sweep.") var runs = 20
    @Option(help: "Training steps per run.") var steps = 1000
    @Option(help: "mlp or transformer.") var model = "mlp"

    func run() throws {
        guard let kind = ModelKind(rawValue: model) else {
            throw SciDLError("unknown --model '\(printable(model))': use mlp or transformer")
        }
        print(try SweepBenchmark.run(runs: runs, steps: steps, model: kind).jsonLine)
    }
}

struct BenchLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract:
            """
            Prompts per second for a language model's hidden states of all layers, and peak memory (compare \
            ../shared/peers/torch_smollm2_throughput.py).
            """
    )
    @Option(help: "smollm2, minilm, a .gguf file or a Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "A CSV with a statement column or a BoolQ JSONL (default: synthetic ~31-token sentences).") var data:
        String?
    @Option(help: "Texts to encode.") var count = 512
    @Flag(help: "Decoders: compute every prompt's tokens, even a prefix it shares with the prompt before it.")
    var noSharedPrefixes = false
    @Option(help: "Real tokens packed into one forward pass.") var tokensPerBatch = 4096

    func run() throws {
        var loaded = try ModelCatalog.load(model)
        if noSharedPrefixes, var decoder = loaded as? DecoderModel {
            decoder.sharesPrefixes = false
            loaded = decoder
        }
        let texts = try ThroughputBenchmark.texts(data: data.map { URL(fileURLWithPath: $0) }, count: count)
        guard tokensPerBatch > 0 else { throw SciDLError("--tokens-per-batch must be positive") }
        print(
            ThroughputBenchmark.run(
                model: loaded, texts: texts, dataName: data ?? "synthetic",
                tokensPerBatch: tokensPerBatch
            ).jsonLine)
    }
}

struct BenchMiniLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minilm",
        abstract: "bench lm --model minilm (compare ../shared/peers/torch_minilm_throughput.py)."
    )
    @Option(help: "A CSV with a statement column or a BoolQ JSONL (default: synthetic ~31-token sentences).") var data:
        String?
    @Option(help: "Texts to encode.") var count = 512

    func run() throws {
        try BenchLM.parse(["--model", "minilm", "--count", "\(count)"] + (data.map { ["--data", $0] } ?? [])).run()
    }
}
