import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Grokking, ungrokking and semi-grokking in the two-circuit toy model, and the sweep over training-set
/// sizes that locates D_crit — `scidl toy`.
public struct ToyExperiments: Sendable {
    /// One recorded moment of a run.
    public struct Point: Sendable {
        public var step: Int
        public var trainingSize: Int
        public var trainAccuracy: Double
        public var testAccuracy: Double
        public var generalisingLogit: Double
        public var memorisingLogit: Double
    }

    /// A named run: its trajectory and where it ended.
    public struct Run: Sendable {
        public var name: String
        public var points: [Point]
        public var final: Point { points.last! }
    }

    /// Gradient steps per run: enough for the slow generalising circuit to take over at 4·D_crit.
    public static let defaultSteps = 20_000

    public let settings: ToyModel.Settings
    public let steps: Int

    public init(settings: ToyModel.Settings = .init(), steps: Int = defaultSteps) throws {
        try settings.validate()
        guard steps >= 10 else { throw SciDLError("--steps must be at least 10 (got \(steps))") }
        self.settings = settings
        self.steps = steps
    }

    /// Sizes as multiples of the analytic D_crit.
    func size(_ multiple: Double) -> Int { max(1, Int((multiple * settings.criticalSize).rounded())) }

    /// Trains `model` for `steps` steps, recording about 200 points spread evenly in log(step).
    func train(_ model: inout ToyModel, name: String, startStep: Int = 0, into points: [Point] = []) -> Run {
        var points = points
        var next = 1.0
        func record(_ step: Int) {
            let m = model.measure()
            points.append(
                Point(
                    step: step, trainingSize: model.memorising.count, trainAccuracy: m.trainAccuracy,
                    testAccuracy: m.testAccuracy, generalisingLogit: model.generalisingLogit,
                    memorisingLogit: model.memorisingLogit))
        }
        if points.isEmpty { record(startStep) }
        for s in 1...steps {
            model.step()
            if Double(s) >= next || s == steps {
                record(startStep + s)
                next = max(next + 1, next * 1.04)
            }
        }
        return Run(name: name, points: points)
    }

    /// Trained from scratch at 4·D_crit: memorises at once, generalises much later.
    public func grokking() -> Run {
        var model = ToyModel(settings: settings, trainingSize: size(4))
        return train(&model, name: "grokking (D = 4 D_crit)")
    }

    /// Grokked at 4·D_crit, then trained on a quarter of D_crit: back to memorising.
    public func ungrokking() -> Run {
        var model = ToyModel(settings: settings, trainingSize: size(4))
        let first = train(&model, name: "ungrokking")
        model.restrictTraining(to: size(0.25))
        return train(&model, name: "ungrokking (4 D_crit → D_crit / 4)", startStep: steps, into: first.points)
    }

    /// Trained from scratch at 1.5·D_crit: delayed generalisation to partial test accuracy.
    public func semiGrokking() -> Run {
        var model = ToyModel(settings: settings, trainingSize: size(1.5))
        return train(&model, name: "semi-grokking (D = 1.5 D_crit)")
    }

    /// Multiples of D_crit swept by `sweep()`.
    public static let sweepMultiples = [0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2, 3, 4, 8, 16]

    /// Final state from scratch at each size.
    public func sweep() -> [Run] {
        Self.sweepMultiples.map { multiple in
            var model = ToyModel(settings: settings, trainingSize: size(multiple))
            return train(&model, name: "D = \(size(multiple))")
        }
    }

    /// D_crit estimated from a sweep: the equilibrium G = z*(1 − D_crit/D) is linear in 1/D, so a line
    /// fitted through the sizes where the generalising circuit survived crosses zero at D_crit.
    public static func fittedCriticalSize(_ sweep: [Run], equilibriumLogit: Double) -> Double? {
        let alive = sweep.map(\.final).filter { $0.generalisingLogit > 0.05 * equilibriumLogit }
        guard alive.count >= 2 else { return nil }
        let xs = alive.map { 1 / Double($0.trainingSize) }
        let ys = alive.map(\.generalisingLogit)
        let mx = xs.reduce(0, +) / Double(xs.count)
        let my = ys.reduce(0, +) / Double(ys.count)
        let slope =
            zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let intercept = my - slope * mx
        return intercept > 0 && slope < 0 ? -slope / intercept : nil
    }

    /// The smallest swept size whose final test accuracy is at least one half.
    public static func accuracyFlipSize(_ sweep: [Run]) -> Int? {
        sweep.map(\.final).filter { $0.testAccuracy >= 0.5 }.map(\.trainingSize).min()
    }
}

/// Everything `scidl toy` measures, and the files it writes.
public struct ToyReport: Sendable {
    public var experiments: ToyExperiments
    public var grokking: ToyExperiments.Run
    public var ungrokking: ToyExperiments.Run
    public var semiGrokking: ToyExperiments.Run
    public var sweep: [ToyExperiments.Run]

    /// Runs all experiments.
    /// Runs the toy experiments and writes their report into `directory`.
    public static func run(settings: ToyModel.Settings, steps: Int, in directory: URL) throws -> ToyReport {
        let report = ToyReport(try ToyExperiments(settings: settings, steps: steps))
        try report.write(to: directory)
        return report
    }

    public init(_ experiments: ToyExperiments) {
        self.experiments = experiments
        grokking = experiments.grokking()
        ungrokking = experiments.ungrokking()
        semiGrokking = experiments.semiGrokking()
        sweep = experiments.sweep()
    }

    public var analyticCriticalSize: Double { experiments.settings.criticalSize }
    public var fittedCriticalSize: Double? {
        ToyExperiments.fittedCriticalSize(sweep, equilibriumLogit: experiments.settings.equilibriumLogit)
    }
    public var accuracyFlipSize: Int? { ToyExperiments.accuracyFlipSize(sweep) }

    /// Rows of `results.csv`: one per run, final values.
    public func csv() -> String {
        var out = "experiment,training_size,steps,train_accuracy,test_accuracy,generalising_logit,memorising_logit\n"
        for run in [grokking, ungrokking, semiGrokking] + sweep {
            let f = run.final
            out +=
                "\"\(run.name)\",\(f.trainingSize),\(f.step),\(f.trainAccuracy),\(f.testAccuracy),"
                + "\(f.generalisingLogit),\(f.memorisingLogit)\n"
        }
        return out
    }

    /// The terminal table.
    public func table() -> String {
        var lines = ["experiment                              D   train acc  test acc      G      M"]
        for run in [grokking, ungrokking, semiGrokking] + sweep {
            let f = run.final
            lines.append(
                run.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(
                        format: " %5d   %7.3f  %7.3f  %6.2f %6.2f", f.trainingSize,
                        f.trainAccuracy, f.testAccuracy, f.generalisingLogit, f.memorisingLogit))
        }
        lines.append(
            String(
                format: "D_crit: analytic %.1f, fitted from the sweep %@, test accuracy ≥ 50%% from D = %@",
                analyticCriticalSize, fittedCriticalSize.map { String(format: "%.1f", $0) } ?? "n/a",
                accuracyFlipSize.map(String.init) ?? "n/a"))
        return lines.joined(separator: "\n")
    }

    public func write(to directory: URL) throws {
        try AtomicFile.write(csv(), to: directory.appendingPathComponent("results.csv"))
        let summary: [String: Any] = [
            "settings": try JSONSerialization.jsonObject(with: JSONEncoder().encode(experiments.settings)),
            "steps_per_run": experiments.steps,
            "critical_size_analytic": analyticCriticalSize,
            "critical_size_fitted": fittedCriticalSize as Any,
            "critical_size_test_accuracy_flip": accuracyFlipSize as Any,
            "grokking": [
                "final_test_accuracy": grokking.final.testAccuracy,
                "step_train_accuracy_99": grokking.points.first { $0.trainAccuracy >= 0.99 }?.step as Any,
                "step_test_accuracy_90": grokking.points.first { $0.testAccuracy >= 0.9 }?.step as Any,
            ],
            "ungrokking": [
                "test_accuracy_before": ungrokking.points.last { $0.step <= experiments.steps }!.testAccuracy,
                "final_test_accuracy": ungrokking.final.testAccuracy,
            ],
            "semi_grokking": ["final_test_accuracy": semiGrokking.final.testAccuracy],
        ]
        try AtomicFile.write(
            try jsonData(summary),
            to: directory.appendingPathComponent("summary.json"))
        try html().write(to: directory.appendingPathComponent("report.html"))
    }

    func html() -> HTMLReport {
        let s = experiments.settings
        var page = HTMLReport(title: "The two-circuit toy model: grokking, ungrokking, semi-grokking")
        page.paragraph(
            """
            A generalising circuit (logit G = s_g·g₁g₂ on every input; slow, and efficient for large logits) \
            competes with a memorising one (one weight per training example; fast, and its cost grows with the \
            training-set size D) under gradient descent with weight decay on a softmax cross-entropy loss. Below \
            D_crit memorisation is the cheaper way to reach the loss's equilibrium logit, above it generalisation \
            is.
            """
        )
        page.table(
            [
                ("classes K", String(s.classes)), ("weight decay λ", String(s.weightDecay)),
                ("learning rate", String(s.learningRate)),
                ("s_g, s_m", "\(s.generalisingScale), \(s.memorisationScale)"),
                ("interference κ", String(s.interference)), ("steps per run", String(experiments.steps)),
                ("D_crit, analytic", String(format: "%.1f", analyticCriticalSize)),
                ("D_crit, fitted to the sweep", fittedCriticalSize.map { String(format: "%.1f", $0) } ?? "n/a"),
                ("smallest D with test accuracy ≥ 50 %", accuracyFlipSize.map(String.init) ?? "n/a"),
            ], caption: "Settings and critical size")
        func curves(_ run: ToyExperiments.Run, xScale: LinePlot.Scale = .log) -> [LinePlot] {
            let steps = run.points.map { Double(max($0.step, 1)) }
            return [
                LinePlot(
                    title: "\(run.name): accuracy", xLabel: "step", yLabel: "accuracy", xScale: xScale,
                    series: [
                        .init("train", Array(zip(steps, run.points.map(\.trainAccuracy)))),
                        .init("test", Array(zip(steps, run.points.map(\.testAccuracy)))),
                    ]),
                LinePlot(
                    title: "\(run.name): circuit logits", xLabel: "step", yLabel: "logit", xScale: xScale,
                    series: [
                        .init("generalising G", Array(zip(steps, run.points.map(\.generalisingLogit)))),
                        .init("memorising rms M", Array(zip(steps, run.points.map(\.memorisingLogit)))),
                    ]),
            ]
        }
        page.heading("Grokking")
        page.figures(curves(grokking))
        page.heading("Ungrokking")
        page.figures(curves(ungrokking, xScale: .linear))
        page.heading("Semi-grokking")
        page.figures(curves(semiGrokking))
        page.heading("Final state against training-set size")
        let finals = sweep.map(\.final)
        let ds = finals.map { Double($0.trainingSize) }
        page.figures([
            LinePlot(
                title: "Final test accuracy", xLabel: "training-set size D", yLabel: "accuracy", xScale: .log,
                series: [
                    .init("test", Array(zip(ds, finals.map(\.testAccuracy)))),
                    .init("D_crit (analytic)", [(analyticCriticalSize, 0), (analyticCriticalSize, 1)]),
                ]),
            LinePlot(
                title: "Final circuit logits", xLabel: "training-set size D", yLabel: "logit", xScale: .log,
                series: [
                    .init("generalising G", Array(zip(ds, finals.map(\.generalisingLogit)))),
                    .init("memorising rms M", Array(zip(ds, finals.map(\.memorisingLogit)))),
                ]),
        ])
        return page
    }
}
