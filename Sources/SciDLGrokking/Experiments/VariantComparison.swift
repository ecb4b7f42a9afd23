import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Training variants side by side on one task (`scidl compare --preset …`): each variant with each seed, and a
/// report that puts the circuit-efficiency measures of every variant on the same axes — accuracy and loss,
/// the parameter norm, Nanda et al.'s restricted and excluded losses, softmax collapse and the weight–descent
/// cosine — so that a reader sees whether a method moves *when* the generalising circuit forms (the restricted
/// loss falls earlier) or only *how fast* the memorising one is cleaned up (the excluded loss rises sooner).
public struct VariantComparison: SweepExperiment {
    public static let command = "compare"

    public var title: String
    public var citation: String
    public var variants: [LiteraturePreset.Variant]
    public var seeds: [UInt64]

    public init(title: String, citation: String, variants: [LiteraturePreset.Variant], seeds: [UInt64]) throws {
        guard !variants.isEmpty, !seeds.isEmpty else { throw SciDLError("give at least one variant and one seed") }
        guard Set(variants.map(\.name)).count == variants.count else {
            throw SciDLError("two variants share a name")
        }
        (self.title, self.citation, self.variants, self.seeds) = (title, citation, variants, seeds)
    }

    /// A preset's comparison.
    public init(preset: LiteraturePreset, steps: Int? = nil, seeds: [UInt64] = [0]) throws {
        try self.init(
            title: preset.rawValue, citation: preset.citation, variants: preset.variants(steps: steps), seeds: seeds)
    }

    static func name(_ variant: String, seed: UInt64) -> String { "\(variant)-s\(seed)" }

    public func plans() -> [Sweep.Plan] {
        variants.flatMap { v in
            seeds.map { seed in
                var c = v.config
                c.seed = seed
                return Sweep.Plan(name: Self.name(v.name, seed: seed), config: c)
            }
        }
    }

    /// The first logged step at which `metric` reaches `level` in a run's log.
    static func firstStep(_ log: MetricsLog, _ metric: MetricName, reaching level: Double) -> Int? {
        log.rows.first { ($0[metric] ?? -.infinity) >= level }?[.step].map { Int($0) }
    }

    /// Per variant and seed: steps to 95 % and 99 % test accuracy, the final accuracies and the wall time.
    public struct Outcome: Encodable, Sendable {
        public var variant: String
        public var label: String
        public var seed: UInt64
        public var finalTrainAccuracy: Double?
        public var finalTestAccuracy: Double?
        public var testAccuracy95Step: Int?
        public var testAccuracy99Step: Int?
        public var steps: Int?
        public var wallSeconds: Double?
        /// The key Fourier frequencies of the final embedding (modular addition), from the run's summary.
        public var keyFrequencies: [Int]?
    }

    /// The final key frequencies a run's `summary.json` names, sorted; nil when it names none.
    static func keyFrequencies(inRun directory: URL) -> [Int]? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("summary.json")),
            let summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let keys = summary["key_frequencies"] as? [Int]
        else { return nil }
        return keys.sorted()
    }

    public func outcomes(_ results: [Sweep.Result], sweep: Sweep) -> [Outcome] {
        let byName = Dictionary(results.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return variants.flatMap { v in
            seeds.compactMap { seed -> Outcome? in
                let name = Self.name(v.name, seed: seed)
                guard let r = byName[name] else { return nil }
                let log = try? MetricsLog(readingFrom: sweep.runDirectory(name))
                return Outcome(
                    variant: v.name, label: v.label, seed: seed, finalTrainAccuracy: r[.trainAccuracy],
                    finalTestAccuracy: r[.testAccuracy],
                    testAccuracy95Step: log.flatMap { Self.firstStep($0, .testAccuracy, reaching: 0.95) },
                    testAccuracy99Step: log.flatMap { Self.firstStep($0, .testAccuracy, reaching: 0.99) },
                    steps: r[.steps].map { Int($0) }, wallSeconds: r[.wallSeconds],
                    keyFrequencies: Self.keyFrequencies(inRun: sweep.runDirectory(name)))
            }
        }
    }

    public func writeSummaryAndReport(_ results: [Sweep.Result], sweep: Sweep) throws {
        struct Summary: Encodable {
            var preset: String
            var citation: String
            var outcomes: [Outcome]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(
            try encoder.encode(Summary(preset: title, citation: citation, outcomes: outcomes(results, sweep: sweep))),
            to: sweep.directory.appendingPathComponent("summary.json"))
        try report(results, sweep: sweep).write(to: sweep.directory.appendingPathComponent("report.html"))
    }

    /// The measures drawn for every variant, each on its own axes.
    static let panels: [(title: String, metric: MetricName, yLabel: String, yScale: LinePlot.Scale)] = [
        ("Test accuracy", .testAccuracy, "test accuracy", .linear),
        ("Train accuracy", .trainAccuracy, "train accuracy", .linear),
        ("Test loss", .testLoss, "cross-entropy", .log),
        ("Train loss", .trainLoss, "cross-entropy", .log),
        ("Parameter norm", .weightNorm, "L2 norm", .linear),
        ("Restricted loss (key frequencies only)", .restrictedLoss, "cross-entropy", .log),
        ("Excluded loss (key frequencies removed)", .excludedLoss, "cross-entropy", .log),
        ("Softmax collapse", .softmaxCollapse, "share of training pairs", .linear),
        ("Weight–descent cosine", .weightDescentCosine, "cos(w, −∇L)", .linear),
    ]

    public func report(_ results: [Sweep.Result], sweep: Sweep) -> HTMLReport {
        var page = HTMLReport(title: "Grokking variants: \(title)")
        page.paragraph(citation)
        let outcomes = outcomes(results, sweep: sweep)
        page.table(
            header: [
                "variant", "seed", "95 % test at step", "99 % test at step", "final train", "final test", "wall",
                "key frequencies",
            ],
            rows: outcomes.map { o in
                [
                    o.label, String(o.seed), o.testAccuracy95Step.map { $0.grouped } ?? "never",
                    o.testAccuracy99Step.map { $0.grouped } ?? "never",
                    o.finalTrainAccuracy.map { String(format: "%.3f", $0) } ?? "–",
                    o.finalTestAccuracy.map { String(format: "%.3f", $0) } ?? "–",
                    o.wallSeconds.map(formatDuration) ?? "–",
                    o.keyFrequencies.map { $0.map(String.init).joined(separator: ", ") } ?? "–",
                ]
            }, caption: "Runs")
        page.paragraph(
            """
            Read the restricted loss (Nanda et al. 2023: the loss with only the key Fourier frequencies kept) for \
            when the generalising circuit forms, and the excluded loss (those frequencies removed) for when \
            memorisation stops carrying the training set. Steps are evaluations every \
            \(variants.first?.config.evalEvery ?? 0) steps; x axes are logarithmic.
            """)
        let logs = sweep.logs(grouped: variants.map { v in (v.label, seeds.map { Self.name(v.name, seed: $0) }) })
        let figures: [any SVGFigure] = Self.panels.compactMap { panel in
            let series = logs.compactMap { entry -> LinePlot.Series? in
                let points = entry.log.series(panel.metric).filter { $0.0 > 0 && (panel.yScale == .linear || $0.1 > 0) }
                guard !points.isEmpty else { return nil }
                return .init(entry.name, points, colour: entry.colour)
            }
            guard !series.isEmpty else { return nil }
            return LinePlot(
                title: panel.title, xLabel: "step", yLabel: panel.yLabel, xScale: .log, yScale: panel.yScale,
                series: series)
        }
        page.figures(figures)
        return page
    }

    public func table(_ results: [Sweep.Result]) -> String {
        let byName = Dictionary(results.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var lines = ["variant                                  seed  99 % test at step  final test  wall"]
        for v in variants {
            for seed in seeds {
                guard let r = byName[Self.name(v.name, seed: seed)] else { continue }
                let step = r[.testAccuracy99Step].flatMap { $0.isFinite ? Int($0).grouped : nil } ?? "never"
                lines.append(
                    v.label.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: " %5d  ", Int(seed))
                        + String(repeating: " ", count: max(0, 17 - step.count)) + step
                        + String(format: "  %10.3f  ", r[.testAccuracy] ?? .nan)
                        + formatDuration(r[.wallSeconds] ?? .nan))
            }
        }
        return lines.joined(separator: "\n")
    }
}
