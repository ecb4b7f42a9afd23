import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// What an elicitation experiment writes: `results.csv` (one row per template × layer × method × seed),
/// `summary.json`, `report.html`, and the table printed on the terminal.
public struct ElicitReport: Sendable {
    public var results: [ProbeResult]
    /// What was probed, for the outputs' headers: data, template, model, position…
    public var description: [(String, String)]
    /// The competing features scored besides the truth, in column order.
    public var features: [PairFeature]

    public init(results: [ProbeResult], description: [(String, String)], features: [PairFeature] = []) {
        self.results = results
        self.description = description
        self.features = features
    }

    var methods: [ProbeMethod] { ProbeMethod.allCases.filter { m in results.contains { $0.method == m } } }
    var layers: [Int] { Array(Set(results.map(\.layer))).sorted() }
    /// Templates in the order they were run.
    var templates: [String] { results.map(\.template).reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }

    /// Mean over seeds of `value` for one method at one layer under one template.
    func mean(_ template: String, _ method: ProbeMethod, _ layer: Int, _ value: (ProbeResult) -> Double) -> Double {
        let cells = results.filter { $0.template == template && $0.method == method && $0.layer == layer }
        return cells.map(value).reduce(0, +) / Double(max(cells.count, 1))
    }

    static func signFree(_ r: ProbeResult) -> Double { r.scores[.truth]!.disambiguatedAccuracy }

    /// The layer where `method`'s mean sign-free truth accuracy is highest under `template`.
    func bestLayer(_ template: String, _ method: ProbeMethod) -> Int {
        layers.max { mean(template, method, $0, Self.signFree) < mean(template, method, $1, Self.signFree) }!
    }

    public func csv() -> String {
        var header = [
            "template", "layer", "method", "supervised", "seed", "train_pairs", "test_pairs", "accuracy",
            "accuracy_sign_free", "auroc", "auroc_sign_free", "ccs_loss",
        ]
        for f in features { header += ["\(f)_accuracy", "\(f)_accuracy_sign_free", "\(f)_auroc"] }
        var lines = [header.joined(separator: ",")]
        for r in results {
            let truth = r.scores[.truth]!
            var row = [
                csvField(r.template), "\(r.layer)", r.method.rawValue, r.method.isSupervised ? "1" : "0", "\(r.seed)",
                "\(r.trainCount)",
                "\(r.testCount)", formatNumber(truth.accuracy), formatNumber(truth.disambiguatedAccuracy),
                formatNumber(truth.auroc), formatNumber(truth.disambiguatedAUROC),
                r.probe.loss.map { formatNumber(Double($0)) } ?? "",
            ]
            for f in features {
                let s = r.scores[f]!
                row += [formatNumber(s.accuracy), formatNumber(s.disambiguatedAccuracy), formatNumber(s.auroc)]
            }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func summary() -> [String: Any] {
        var perTemplate: [String: Any] = [:]
        for t in templates {
            var perMethod: [String: Any] = [:]
            for m in methods {
                var byLayer: [String: Any] = [:]
                for l in layers {
                    var cell: [String: Any] = [
                        "accuracy": mean(t, m, l) { $0.scores[.truth]!.accuracy },
                        "accuracy_sign_free": mean(t, m, l, Self.signFree),
                        "auroc_sign_free": mean(t, m, l) { $0.scores[.truth]!.disambiguatedAUROC },
                    ]
                    for f in features {
                        cell["\(f)_accuracy_sign_free"] = mean(t, m, l) { $0.scores[f]!.disambiguatedAccuracy }
                    }
                    byLayer["\(l)"] = cell
                }
                perMethod[m.rawValue] = [
                    "supervised": m.isSupervised, "best_layer": bestLayer(t, m), "layers": byLayer,
                ]
            }
            perTemplate[t] = perMethod
        }
        return [
            "experiment": Dictionary(description.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }),
            "templates": perTemplate,
            "note":
                """
                    accuracy_sign_free = max(accuracy, 1 - accuracy): choosing an unsupervised probe's sign uses the \
                    labels
                    """,
        ]
    }

    /// Per template: rows = layers, columns = methods, cells "raw / sign-free" test accuracy (means over
    /// seeds).
    public func table() -> String {
        var out =
            """
                test accuracy, raw / sign-free (max(acc, 1-acc) uses labels); means over \
                \(Set(results.map(\.seed)).count) seed(s)\n
                """
        for t in templates {
            if !t.isEmpty { out += "template \(t)\n" }
            out += "layer".padding(toLength: 7, withPad: " ", startingAt: 0)
            for m in methods { out += m.displayName.padding(toLength: 17, withPad: " ", startingAt: 0) }
            out += "\n"
            for l in layers {
                out += "\(l)".padding(toLength: 7, withPad: " ", startingAt: 0)
                for m in methods {
                    let raw = mean(t, m, l) { $0.scores[.truth]!.accuracy }
                    let free = mean(t, m, l, Self.signFree)
                    out += String(format: "%.3f / %.3f", raw, free).padding(toLength: 17, withPad: " ", startingAt: 0)
                }
                out += "\n"
            }
        }
        return out
    }

    public func html(title: String) -> HTMLReport {
        var report = HTMLReport(title: title)
        report.table(description)
        report.paragraph(
            """
                Accuracy on held-out contrast pairs. \"Sign-free\" is max(accuracy, 1 − accuracy): an unsupervised \
                probe's direction has no preferred sign, and choosing it uses the labels. Logistic regression is \
                supervised: it is the ceiling, not a discovery method.
                """
        )
        if !features.isEmpty || templates.count > 1 {
            report.heading(
                features.isEmpty
                    ? "Accuracy under each template, over seeds"
                    : "Truth against \(features.map(\.name).joined(separator: ", ")), over seeds")
            report.preformatted(features.isEmpty ? templateTable() : comparisonTable())
            report.figures(seedDistributions())
        }
        for t in templates {
            if !t.isEmpty { report.heading("Template \(t)") }
            func plot(_ title: String, _ value: @escaping (ProbeResult) -> Double) -> LinePlot {
                LinePlot(
                    title: title, xLabel: "layer", yLabel: "test accuracy",
                    series: methods.map { m in
                        LinePlot.Series(m.displayName, layers.map { l in (Double(l), mean(t, m, l, value)) })
                    })
            }
            var plots: [any SVGFigure] = [
                plot("Sign-free accuracy by layer", Self.signFree),
                plot("Raw accuracy by layer") { $0.scores[.truth]!.accuracy },
            ]
            for f in features {
                plots.append(plot("Sign-free accuracy on \(f)") { $0.scores[f]!.disambiguatedAccuracy })
            }
            report.figures(plots)
            report.figures(
                methods.map { m in
                    let layer = bestLayer(t, m)
                    let cell = results.first { $0.template == t && $0.method == m && $0.layer == layer }!
                    let scores = zip(cell.testScores, cell.testLabels)
                    return Histogram(
                        title: "\(m.displayName), layer \(layer), seed \(cell.seed)",
                        xLabel: m == .pca || m == .kmeans ? "projection of x⁺ − x⁻" : "credence that x⁺ is true",
                        groups: [
                            ("x⁺ true", scores.filter { $0.1 == 1 }.map { Double($0.0) }),
                            ("x⁺ false", scores.filter { $0.1 == 0 }.map { Double($0.0) }),
                        ])
                })
            report.table(
                header: ["layer"] + methods.map(\.displayName),
                rows: layers.map { l in
                    ["\(l)"] + methods.map { m in String(format: "%.3f", mean(t, m, l, Self.signFree)) }
                }, caption: "Sign-free test accuracy (mean over seeds)")
        }
        return report
    }

    /// Writes results.csv, summary.json and report.html into `directory`, atomically.
    public func write(to directory: URL, title: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(csv(), to: directory.appendingPathComponent("results.csv"))
        let json = try JSONSerialization.data(withJSONObject: summary(), options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(json, to: directory.appendingPathComponent("summary.json"))
        try html(title: title).write(to: directory.appendingPathComponent("report.html"))
    }
}

/// A CSV field, quoted when it holds a comma, quote or newline.
func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
