import Foundation
import SciDLReports

/// report.html: what was run, then the papers' figures — accuracy and AUROC against layer with intervals and
/// the baselines, what each method tracks at the report layer, the contrast differences' principal
/// components — and the terminal's tables last, collapsed.
extension ElicitReport {
    /// Adds what the report shows of the activations themselves: a note per degenerate layer
    /// (`LayerDiagnosis`) and, per template or condition, the contrast differences' principal components at
    /// its report layer (coloured by the truth and by each competing feature).
    public mutating func describe(
        _ sets: [(name: String, activations: ContrastActivations, features: [PairFeature: [Int]])]
    ) {
        if let reportLayer, !layers.contains(reportLayer) {
            notes.append(
                """
                --report-layer \(reportLayer) is not among the layers probed (\(layers.map(String.init).joined(separator: ","))): \
                the report shows the supervised probe's best layer instead
                """)
        }
        for set in sets {
            for note in LayerDiagnosis.diagnose(set.activations).compactMap(\.note) {
                let line = sets.count > 1 ? "\(set.name): \(note)" : note
                if !notes.contains(line) { notes.append(line) }
            }
            if results.contains(where: { $0.template == set.name }) {
                differencePictures[set.name] = DifferencePicture(
                    set.activations, layer: chosenLayer(set.name), features: set.features)
            }
        }
    }

    public func html(title: String) -> HTMLReport {
        var report = HTMLReport(title: title)
        report.table(description)
        report.paragraph(
            """
            Accuracy on held-out contrast pairs. An unsupervised probe has no sign: each probe's sign is decided \
            once, on its training pairs (reversed where its training AUROC is below 0.5, as elk's Platt scaling \
            does), and accuracy, AUROC, their 95 % bootstrap intervals (bands: the mean over seeds of each seed's \
            interval) and the calibration error are the oriented probe's; results.csv keeps the raw numbers too. \
            Random is the mean over \(RandomBaseline.directions) random directions, its band reaching their 95th \
            percentile. Logistic regression is supervised: the ceiling, not a discovery method.
            """
        )
        for note in notes { report.paragraph(note) }
        if templates.count > 1 && !features.isEmpty {
            report.heading("The critique on one data set")
            report.figures(storyFigures())
        }
        for t in templates {
            if !t.isEmpty { report.heading(templates.count > 1 || !features.isEmpty ? "Condition \(t)" : "Template \(t)") }
            let layer = chosenLayer(t)
            let competing = features(t)
            if !competing.isEmpty { report.figures([targetBars(t, layer: layer)]) }
            if layers.count > 1 {
                var plots = [
                    byLayer(t, "Accuracy by layer", yLabel: "test accuracy", .truth, .accuracy),
                    byLayer(t, "AUROC by layer", yLabel: "test AUROC", .truth, .auroc),
                ]
                for f in competing {
                    plots.append(
                        byLayer(t, "Accuracy on \(f) by layer", yLabel: "accuracy on \(f)", f, .accuracy))
                }
                report.figures(plots)
            }
            var atLayer: [any SVGFigure] = competing.isEmpty ? [targetBars(t, layer: layer)] : []
            atLayer += differencePictures[t]?.plots(template: t) ?? []
            report.figures(atLayer)
            report.figures(histograms(t, layer: layer))
            let clusters = layers.compactMap { l in
                results.first { $0.template == t && $0.layer == l }?.clusters.map { (l, $0) }
            }
            if !clusters.isEmpty {
                report.table(
                    header: ["layer", "clusters", "noise share"],
                    rows: clusters.map { ["\($0.0)", "\($0.1.clusters)", String(format: "%.2f", $0.1.noiseShare)] },
                    caption: "Cluster-Norm: HDBSCAN's clusters of the pair means (noise: normalised with all pairs)")
            }
        }
        if templates.count > 1 && features.isEmpty {
            report.heading("Templates compared")
            report.figures([templateBars()])
        }
        report.collapsed("Tables (as printed on the terminal)", preformatted: table())
        if !features.isEmpty { report.collapsed("Truth against \(features.map(\.name).joined(separator: ", "))", preformatted: comparisonTable()) }
        if templates.count > 1 && features.isEmpty {
            report.collapsed("Accuracy under each template", preformatted: templateTable())
        }
        return report
    }

    /// What a per-layer plot shows: a statistic, its interval, its 95th percentile over random directions and
    /// the zero-shot baseline's lines.
    enum PlottedStatistic {
        case accuracy, auroc

        func value(_ s: ProbeScore) -> Double { self == .accuracy ? s.accuracy : s.auroc }
        func interval(_ s: ProbeScore) -> ClosedRange<Double>? {
            self == .accuracy ? s.accuracyInterval : s.aurocInterval
        }
        func p95(_ c: ProbeScore.Chance) -> Double { self == .accuracy ? c.accuracyP95 : c.aurocP95 }
        func zeroShotLines(
            _ z: (accuracy: Double, calibrated: Double, auroc: Double, prefersPositive: Double)
        ) -> [LinePlot.Reference] {
            self == .accuracy
                ? [.init("zero-shot (raw)", y: z.accuracy), .init("zero-shot (calibrated)", y: z.calibrated)]
                : [.init("zero-shot", y: z.auroc)]
        }
    }

    /// One line per method of `statistic` against `target` by layer (means over seeds) with the mean interval as
    /// a band; random's band reaches its 95th percentile; logistic regression dashed, as the ceiling; the
    /// zero-shot baseline (truth only) and chance as reference lines.
    func byLayer(
        _ t: String, _ title: String, yLabel: String, _ target: PairFeature, _ statistic: PlottedStatistic
    ) -> LinePlot {
        let series = methods.map { m -> LinePlot.Series in
            func meanOver(_ l: Int, _ value: @escaping (ProbeScore) -> Double?) -> Double {
                mean(t, m, l) { value($0.scores[target]!) ?? .nan }
            }
            let points = layers.map { l in (Double(l), meanOver(l, statistic.value)) }
            let band = layers.map { l -> (x: Double, low: Double, high: Double) in
                m == .random
                    ? (Double(l), meanOver(l, statistic.value), meanOver(l) { $0.chance.map(statistic.p95) })
                    : (Double(l), meanOver(l) { statistic.interval($0)?.lowerBound },
                        meanOver(l) { statistic.interval($0)?.upperBound })
            }
            return LinePlot.Series(
                m == .random ? "random (band: to 95th pct.)" : m.displayName, points,
                style: m.isSupervised ? .dashed : .line, band: band,
                colour: m.isSupervised ? "#000000" : m == .random ? "#8E6BBF" : nil)
        }
        var plot = LinePlot(title: title, xLabel: "layer", yLabel: yLabel, series: series)
        plot.integerXTicks = true
        plot.width = 420  // two side by side, legends included, on a 1400-pixel screen
        if target == .truth, let z = zeroShotMeans(t) { plot.references += statistic.zeroShotLines(z) }
        plot.references.append(.init("chance", y: 0.5))
        return plot
    }

    /// Per method at `layer`: accuracy on the truth and on each competing feature, one bar each, every seed a
    /// point; the zero-shot baseline and chance as lines.
    func targetBars(_ t: String, layer: Int) -> GroupedBarChart {
        let targets = [PairFeature.truth] + features(t)
        var chart = GroupedBarChart(
            title: "What each method tracks, layer \(layer)\(t.isEmpty ? "" : " (\(t))")",
            yLabel: "test accuracy", bars: targets.map(\.name),
            groups: methods.map { m in
                .init(m.displayName, values: targets.map { f in perSeed(t, m, layer) { $0.scores[f]!.accuracy } })
            })
        if let z = zeroShotMeans(t) { chart.references.append(.init("zero-shot truth (cal.)", y: z.calibrated)) }
        chart.references.append(.init("chance", y: 0.5))
        return chart
    }

    /// Per method at each template's report layer: truth accuracy under every template, every seed a point.
    func templateBars() -> GroupedBarChart {
        GroupedBarChart(
            title: "Truth accuracy under each template (report layers \(templates.map { "\(chosenLayer($0))" }.uniqued().joined(separator: ", ")))",
            yLabel: "test accuracy", bars: templates,
            groups: methods.map { m in
                .init(m.displayName, values: templates.map { t in perSeed(t, m, chosenLayer(t), Self.accuracy) })
            })
    }

    /// Each method's held-out scores at `layer` (the first seed), true and false pairs apart, oriented.
    func histograms(_ t: String, layer: Int) -> [Histogram] {
        methods.compactMap { m in
            guard let cell = results.first(where: { $0.template == t && $0.method == m && $0.layer == layer }) else {
                return nil
            }
            let flip = cell.scores[.truth]!.reversed
            let threshold = Double(cell.probe.threshold)
            let scores = zip(cell.testScores, cell.testLabels).map { (flip ? 2 * threshold - Double($0.0) : Double($0.0), $0.1) }
            return Histogram(
                title: "\(m.displayName), layer \(layer), seed \(cell.seed)\(m == .random ? " (one direction)" : "")",
                xLabel: m == .pca || m == .kmeans ? "projection of x⁺ − x⁻ (oriented)" : "credence that x⁺ is true (oriented)",
                groups: [
                    ("x⁺ true", scores.filter { $0.1 == 1 }.map(\.0)),
                    ("x⁺ false", scores.filter { $0.1 == 0 }.map(\.0)),
                ])
        }
    }
}
