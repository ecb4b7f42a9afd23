import ArgumentParser
import SciDLGrokking
import SciDLTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speed benchmarks; each prints one JSON line.",
        subcommands: [BenchGrok.self]
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

    func run() throws {
        let result = try StepBenchmark.run(config: try settings.config(), steps: timedSteps, warmup: warmup)
        print(result.jsonLine)
    }
}
