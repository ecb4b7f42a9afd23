import ArgumentParser
import SciDLGrokking
import SciDLTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speed benchmarks; each prints one JSON line.",
        subcommands: [BenchGrok.self, BenchSweep.self]
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

struct BenchSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Runs per hour for a sweep of small MLP runs: sequential, on all cores, and stacked into one batched model."
    )
    @Option(help: "Runs in the sweep.") var runs = 20
    @Option(help: "Training steps per run.") var steps = 1000

    func run() throws {
        print(try SweepBenchmark.run(runs: runs, steps: steps).jsonLine)
    }
}
