import Foundation
import SciDLReports
import SciDLTensor

/// The critique experiments' view of elicitation results: for every method, how well it tracks the truth
/// and how well it tracks each competing feature, as distributions over seeds.
extension ElicitReport {
    /// Mean, standard deviation, minimum and maximum over seeds of the oriented accuracy on `target`.
    func spread(
        _ template: String, _ method: ProbeMethod, _ layer: Int, _ target: PairFeature
    ) -> (mean: Double, sd: Double, min: Double, max: Double) {
        let values = results.filter { $0.template == template && $0.method == method && $0.layer == layer }
            .map { $0.scores[target]!.accuracy }
        let mean = values.reduce(0, +) / Double(max(values.count, 1))
        return (mean, values.sampleStandardDeviation, values.min() ?? 0, values.max() ?? 0)
    }

    /// Per condition and layer: each method's accuracy on the truth and on every competing feature (each
    /// oriented on the training pairs against that target), "mean ± sd [min–max]" over seeds.
    public func comparisonTable() -> String {
        var out = """
            test accuracy (sign decided on the training pairs, per target), mean ± sd [min-max] over \
            \(seedCount) seed(s)\n
            """
        for t in templates {
            let targets = [PairFeature.truth] + features(t)
            for l in layers {
                out += "\(t.isEmpty ? "" : t + ", ")layer \(l)\n"
                out += "method".padding(toLength: 17, withPad: " ", startingAt: 0)
                for target in targets { out += target.name.padding(toLength: 30, withPad: " ", startingAt: 0) }
                out += "\n"
                for m in methods {
                    out += m.displayName.padding(toLength: 17, withPad: " ", startingAt: 0)
                    for target in targets {
                        let s = spread(t, m, l, target)
                        out += String(format: "%.3f ± %.3f [%.2f-%.2f]", s.mean, s.sd, s.min, s.max).padding(
                            toLength: 30, withPad: " ", startingAt: 0)
                    }
                    out += "\n"
                }
            }
            if let line = zeroShotLine(t) { out += line + "\n" }
        }
        return out
    }

    /// Per layer: each method's mean accuracy under every template and the spread (max − min).
    public func templateTable() -> String {
        var out = "test accuracy per template (mean over seeds) and spread = max - min\n"
        // Wide enough for the longest template name (truthfulqa-professor) and a space.
        let column = max(12, (templates.map(\.count).max() ?? 0) + 2)
        for l in layers {
            out += "layer \(l)\n" + "method".padding(toLength: 17, withPad: " ", startingAt: 0)
            for t in templates { out += t.padding(toLength: column, withPad: " ", startingAt: 0) }
            out += "spread\n"
            for m in methods {
                let values = templates.map { mean($0, m, l, Self.accuracy) }
                out += m.displayName.padding(toLength: 17, withPad: " ", startingAt: 0)
                out += values.map { String(format: "%.3f", $0).padding(toLength: column, withPad: " ", startingAt: 0) }
                    .joined()
                out += String(format: "%.3f\n", (values.max() ?? 0) - (values.min() ?? 0))
            }
            let zero = templates.compactMap { zeroShotMeans($0)?.calibrated }
            if zero.count == templates.count {
                out += "zero-shot (cal.)".padding(toLength: 17, withPad: " ", startingAt: 0)
                out += zero.map { String(format: "%.3f", $0).padding(toLength: column, withPad: " ", startingAt: 0) }
                    .joined()
                out += String(format: "%.3f\n", zero.max()! - zero.min()!)
            }
        }
        return out
    }
}

/// The whole critique on one data set (`challenge story`): per condition, what each method finds.
extension ElicitReport {
    /// The feature a condition's unsupervised probes may find instead of the truth: the word, Alice's view,
    /// or the first competing feature scored.
    func competingFeature(_ template: String) -> PairFeature? {
        let scored = features(template)
        return [PairFeature.word, .alice].first { scored.contains($0) } ?? scored.first
    }

    /// Two charts over the conditions, each at its report layer, every seed a point: truth accuracy per method
    /// (the supervised probe its ceiling), and the unsupervised methods' accuracy on the competing feature.
    public func storyFigures() -> [any SVGFigure] {
        let conditions = templates
        let layerNote = conditions.map { "\(chosenLayer($0))" }.uniqued().joined(separator: ", ")
        let truth = GroupedBarChart(
            title: "Truth, per condition (layer \(layerNote))", yLabel: "test accuracy on the truth",
            bars: methods.map(\.displayName),
            groups: conditions.map { t in
                .init(t, values: methods.map { perSeed(t, $0, chosenLayer(t), Self.accuracy) })
            })
        let unsupervised = methods.filter { !$0.isSupervised }
        let found = conditions.compactMap { t in competingFeature(t).map { (t, $0) } }
        var out: [any SVGFigure] = [truth]
        if !found.isEmpty {
            out.append(
                GroupedBarChart(
                    title: "What the unsupervised methods found instead", yLabel: "test accuracy on the feature",
                    bars: unsupervised.map(\.displayName),
                    groups: found.map { t, f in
                        .init(
                            "\(t): \(f)",
                            values: unsupervised.map { m in
                                perSeed(t, m, chosenLayer(t)) { $0.scores[f]?.accuracy ?? .nan }
                            })
                    }))
        }
        return out
    }
}
