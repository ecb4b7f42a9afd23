import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// The outcome of a grokking run, as written to `summary.json`.
public struct GrokSummary: Encodable, Sendable {
    public var config: GrokConfig
    /// Steps completed.
    public var steps: Int
    /// Metrics at the last evaluation.
    public var final: MetricsRow
    /// First evaluated step with train accuracy ≥ 99 % (memorisation), if any.
    public var memorisedAtStep: Int?
    /// First evaluated step with test accuracy ≥ 99 % (grokking), if any.
    public var generalisedAtStep: Int?
    /// Wall time of the whole run, including earlier sessions of a resumed run.
    public var wallSeconds: Double
    public var stoppedEarly: Bool
    /// For modular addition: the final model's key frequencies (Nanda et al. 2023), largest first.
    public var keyFrequencies: [Int]?

    public init(
        config: GrokConfig, metrics: MetricsLog, wallSeconds: Double, stoppedEarly: Bool,
        keyFrequencies: [Int]? = nil
    ) {
        self.keyFrequencies = keyFrequencies
        self.config = config
        let last = metrics.rows.last
        self.steps = Int(last?[.step] ?? 0)
        self.final = last ?? MetricsRow([])
        func firstStep(_ column: MetricName) -> Int? {
            metrics.rows.first { ($0[column] ?? 0) >= 0.99 }.flatMap { $0[.step] }.map(Int.init)
        }
        self.memorisedAtStep = firstStep(.trainAccuracy)
        self.generalisedAtStep = firstStep(.testAccuracy)
        self.wallSeconds = wallSeconds
        self.stoppedEarly = stoppedEarly
    }

    enum CodingKeys: String, CodingKey {
        case config, steps, final
        case wallSeconds = "wall_seconds"
        case stoppedEarly = "stopped_early"
        case memorisedAtStep = "train_accuracy_99_step"
        case generalisedAtStep = "test_accuracy_99_step"
        case keyFrequencies = "key_frequencies"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(config, forKey: .config)
        try c.encode(steps, forKey: .steps)
        let finite = final.values.filter(\.value.isFinite).map { ($0.name.rawValue, $0.value) }
        try c.encode(Dictionary(finite, uniquingKeysWith: { a, _ in a }), forKey: .final)
        try c.encode(memorisedAtStep, forKey: .memorisedAtStep)  // null when never reached
        try c.encode(generalisedAtStep, forKey: .generalisedAtStep)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(stoppedEarly, forKey: .stoppedEarly)
        try c.encodeIfPresent(keyFrequencies, forKey: .keyFrequencies)
    }

    public func write(to directory: URL) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try e.encode(self), to: directory.appendingPathComponent("summary.json"))
    }

    /// One human line for the terminal.
    public var headline: String {
        let acc = final[.testAccuracy].map { String(format: "%.2f%%", 100 * $0) } ?? "?"
        let grok =
            generalisedAtStep.map { "test accuracy reached 99% at step \($0)" } ?? "test accuracy never reached 99%"
        return "\(steps) steps in \(formatDuration(wallSeconds)): final test accuracy \(acc); \(grok)"
    }
}

/// The run's `report.html`: settings, outcome, and the loss, accuracy and norm curves.
struct GrokReport {
    let summary: GrokSummary
    let metrics: MetricsLog
    let parameterNames: [String]

    func write(to url: URL) throws {
        let c = summary.config
        var page = HTMLReport(title: "Grokking: \(c.operation.symbol) mod \(c.modulus), \(c.model.kind.rawValue)")
        page.paragraph(summary.headline)
        page.table(
            [
                ("task", "\(c.operation.symbol) mod \(c.modulus)"),
                ("training set", c.trainCount.map { "\($0) pairs" } ?? "\(Int(c.trainFraction * 100)) % of pairs"),
                (
                    "model",
                    """
                    \(c.model.kind.rawValue), d_model \(c.model.modelWidth), heads \(c.model.heads), d_mlp \
                    \(c.model.mlpWidth)
                    """
                ),
                (
                    "optimizer",
                    "AdamW lr \(c.learningRate), betas (\(c.beta1), \(c.beta2)), weight decay \(c.weightDecay)"
                ),
                ("batch", c.batchSize.map(String.init) ?? "full"), ("seed", String(c.seed)),
                ("memorised (train acc ≥ 99 %)", summary.memorisedAtStep.map { "step \($0)" } ?? "never"),
                ("generalised (test acc ≥ 99 %)", summary.generalisedAtStep.map { "step \($0)" } ?? "never"),
                ("wall time", formatDuration(summary.wallSeconds)),
            ], caption: "Run")
        var figures = [
            LinePlot(
                title: "Loss", xLabel: "step", yLabel: "cross-entropy", xScale: .log, yScale: .log,
                series: [.init("train", metrics.series(.trainLoss)), .init("test", metrics.series(.testLoss))]),
            LinePlot(
                title: "Accuracy", xLabel: "step", yLabel: "accuracy", xScale: .log,
                series: [
                    .init("train", metrics.series(.trainAccuracy)), .init("test", metrics.series(.testAccuracy)),
                ]),
            LinePlot(
                title: "Parameter norm", xLabel: "step", yLabel: "L2 norm",
                series: [.init("total", metrics.series(.weightNorm))]),
            LinePlot(
                title: "Per-tensor norm", xLabel: "step", yLabel: "L2 norm",
                series: parameterNames.map { .init($0, metrics.series(.parameterNorm($0))) }),
        ]
        if !metrics.series(.restrictedLoss).isEmpty {
            // Nanda et al. (2023): restricted loss falls before test loss does; excluded loss rises as the
            // Fourier circuit takes over from memorisation.
            figures += [
                LinePlot(
                    title: "Progress measures: losses", xLabel: "step", yLabel: "cross-entropy", yScale: .log,
                    series: [
                        ("train", MetricName.trainLoss), ("test", .testLoss), ("restricted", .restrictedLoss),
                        ("excluded", .excludedLoss),
                    ].map { .init($0.0, metrics.series($0.1)) }),
                LinePlot(
                    title: "Fourier sparsity (Gini)", xLabel: "step", yLabel: "Gini coefficient",
                    series: [
                        .init("embedding", metrics.series(.giniEmbedding)),
                        .init("neuron→logit", metrics.series(.giniNeuronLogit)),
                    ]),
                LinePlot(
                    title: "Total squared weight norm", xLabel: "step", yLabel: "Σ w²",
                    series: [.init("Σ w²", metrics.series(.weightNormSquared))]),
            ]
            if let keys = summary.keyFrequencies {
                page.paragraph(
                    "Key frequencies of the final embedding: \(keys.map(String.init).joined(separator: ", ")).")
            }
        }
        page.figures(figures)
        try page.write(to: url)
    }
}
