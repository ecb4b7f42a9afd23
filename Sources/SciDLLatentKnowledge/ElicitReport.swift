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
    /// Per template, the zero-shot baseline on each seed's test pairs (decoders only).
    public var zeroShot: [String: [(seed: UInt64, score: ProbeScore)]] = [:]

    public init(results: [ProbeResult], description: [(String, String)], features: [PairFeature] = []) {
        self.results = results
        self.description = description
        self.features = features
    }

    var methods: [ProbeMethod] { ProbeMethod.allCases.filter { m in results.contains { $0.method == m } } }
    var layers: [Int] { Array(Set(results.map(\.layer))).sorted() }
    /// Templates in the order they were run.
    var templates: [String] { results.map(\.template).uniqued() }

    /// `value` of every seed's fit of one method at one layer under one template, in seed order.
    func perSeed(_ template: String, _ method: ProbeMethod, _ layer: Int, _ value: (ProbeResult) -> Double) -> [Double]
    {
        results.filter { $0.template == template && $0.method == method && $0.layer == layer }.map(value)
    }

    /// Mean over seeds of `value` for one method at one layer under one template.
    func mean(_ template: String, _ method: ProbeMethod, _ layer: Int, _ value: (ProbeResult) -> Double) -> Double {
        let values = perSeed(template, method, layer, value)
        return values.reduce(0, +) / Double(max(values.count, 1))
    }

    /// The zero-shot baseline under `template`, means over seeds (nil without one).
    func zeroShotMeans(_ template: String) -> (accuracy: Double, calibrated: Double, auroc: Double)? {
        guard let seeds = zeroShot[template], !seeds.isEmpty else { return nil }
        func mean(_ value: (ProbeScore) -> Double) -> Double {
            seeds.map { value($0.score) }.reduce(0, +) / Double(seeds.count)
        }
        return (mean(\.accuracy), mean(\.calibratedAccuracy), mean(\.auroc))
    }

    /// Sample standard deviation over seeds (0 for one seed).
    func standardDeviation(
        _ template: String, _ method: ProbeMethod, _ layer: Int, _ value: (ProbeResult) -> Double
    ) -> Double {
        perSeed(template, method, layer, value).sampleStandardDeviation
    }

    var seedCount: Int { Set(results.map(\.seed)).count }

    static func signFree(_ r: ProbeResult) -> Double { r.scores[.truth]!.disambiguatedAccuracy }

    /// The layer where `method`'s mean sign-free truth accuracy is highest under `template`.
    func bestLayer(_ template: String, _ method: ProbeMethod) -> Int {
        layers.max { mean(template, method, $0, Self.signFree) < mean(template, method, $1, Self.signFree) }!
    }

    public func csv() -> String {
        var header = [
            "template", "layer", "method", "supervised", "seed", "train_pairs", "test_pairs", "accuracy",
            "accuracy_sign_free", "auroc", "auroc_sign_free", "auroc_low", "auroc_high", "calibrated_accuracy",
            "calibrated_accuracy_sign_free", "ece", "ccs_loss", "ccs_pca_cosine", "ccs_pca_agreement",
        ]
        for f in features { header += ["\(f)_accuracy", "\(f)_accuracy_sign_free", "\(f)_auroc"] }
        var lines = [header.joined(separator: ",")]
        for r in results {
            let truth = r.scores[.truth]!
            var row: [String] = [
                csvField(r.template), "\(r.layer)", r.method.rawValue, r.method.isSupervised ? "1" : "0", "\(r.seed)",
                "\(r.trainCount)", "\(r.testCount)",
            ]
            row += [truth.accuracy, truth.disambiguatedAccuracy, truth.auroc, truth.disambiguatedAUROC]
                .map(formatNumber)
            let interval: [Double?] = [truth.aurocInterval?.lowerBound, truth.aurocInterval?.upperBound]
            row += interval.map { $0.map(formatNumber) ?? "" }
            row += [truth.calibratedAccuracy, truth.disambiguatedCalibratedAccuracy].map(formatNumber)
            row += [
                truth.calibrationError, r.probe.loss.map(Double.init), r.comparedWithPCA?.cosine,
                r.comparedWithPCA?.agreement,
            ].map { $0.map(formatNumber) ?? "" }
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
                        "accuracy_sign_free_sd": standardDeviation(t, m, l, Self.signFree),
                        "accuracy_sign_free_per_seed": perSeed(t, m, l, Self.signFree),
                        "calibrated_accuracy_sign_free": mean(t, m, l) {
                            $0.scores[.truth]!.disambiguatedCalibratedAccuracy
                        },
                        "auroc_sign_free": mean(t, m, l) { $0.scores[.truth]!.disambiguatedAUROC },
                    ]
                    if m.givesProbabilities { cell["ece"] = mean(t, m, l) { $0.scores[.truth]!.calibrationError ?? 0 } }
                    if m == .ccs, methods.contains(.pca) {
                        cell["pca_cosine"] = mean(t, m, l) { $0.comparedWithPCA?.cosine ?? 0 }
                        cell["pca_agreement"] = mean(t, m, l) { $0.comparedWithPCA?.agreement ?? 0 }
                    }
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
        var zero: [String: Any] = [:]
        for t in templates {
            guard let z = zeroShotMeans(t), let seeds = zeroShot[t] else { continue }
            zero[t] = [
                "accuracy": z.accuracy, "calibrated_accuracy": z.calibrated, "auroc": z.auroc,
                "accuracy_per_seed": seeds.map(\.score.accuracy),
            ]
        }
        return [
            "experiment": Dictionary(description.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }),
            "templates": perTemplate, "zero_shot": zero,
            "note":
                """
            accuracy_sign_free = max(accuracy, 1 - accuracy): choosing an unsupervised probe's sign uses the \
            labels
            """,
        ]
    }

    /// Per template: rows = layers, columns = methods, cells "raw / sign-free" test accuracy (means over
    /// seeds, and the sign-free accuracy's standard deviation when there are several).
    public func table() -> String {
        let spread = seedCount > 1
        let width = spread ? 24 : 17
        var out =
            """
            test accuracy, raw / sign-free (max(acc, 1-acc) uses labels); means over \
            \(seedCount) seed(s)\(spread ? ", ± sd of sign-free" : "")\n
            """
        for t in templates {
            if !t.isEmpty { out += "template \(t)\n" }
            out += "layer".padding(toLength: 7, withPad: " ", startingAt: 0)
            for m in methods { out += m.displayName.padding(toLength: width, withPad: " ", startingAt: 0) }
            out += "\n"
            for l in layers {
                out += "\(l)".padding(toLength: 7, withPad: " ", startingAt: 0)
                for m in methods {
                    let raw = mean(t, m, l) { $0.scores[.truth]!.accuracy }
                    let free = mean(t, m, l, Self.signFree)
                    var cell = String(format: "%.3f / %.3f", raw, free)
                    if spread { cell += String(format: " ± %.3f", standardDeviation(t, m, l, Self.signFree)) }
                    out += cell.padding(toLength: width, withPad: " ", startingAt: 0)
                }
                out += "\n"
            }
            if let z = zeroShotMeans(t) {
                out += String(
                    format: "zero-shot (the model's own answer): %.3f raw, %.3f calibrated, AUROC %.3f\n", z.accuracy,
                    z.calibrated, z.auroc)
            }
        }
        if methods.contains(.ccs) && methods.contains(.pca) {
            let pairs = results.compactMap(\.comparedWithPCA)
            if !pairs.isEmpty {
                let cosines = pairs.map(\.cosine)
                let agreements = pairs.map(\.agreement)
                out += String(
                    format: "CCS vs PCA (Emmons 2023): |cos| %.3f [%.2f-%.2f], same predictions %.3f [%.2f-%.2f]\n",
                    cosines.reduce(0, +) / Double(cosines.count), cosines.min()!, cosines.max()!,
                    agreements.reduce(0, +) / Double(agreements.count), agreements.min()!, agreements.max()!)
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
            // Every seed as a point, by method: at the only layer, or at the last beside the lines by layer.
            func strip(_ title: String, _ value: @escaping (ProbeResult) -> Double) -> StripPlot {
                let layer = layers.last!
                return StripPlot(
                    title: "\(title), layer \(layer)\(seedCount > 1 ? ", every seed" : "")", yLabel: "test accuracy",
                    groups: methods.map { m in (m.displayName, perSeed(t, m, layer, value)) })
            }
            let oneLayer = layers.count == 1
            var plots: [any SVGFigure] =
                oneLayer
                ? [strip("Sign-free accuracy", Self.signFree), strip("Raw accuracy") { $0.scores[.truth]!.accuracy }]
                : [
                    plot("Sign-free accuracy by layer", Self.signFree),
                    plot("Raw accuracy by layer") { $0.scores[.truth]!.accuracy },
                ]
            if !oneLayer && seedCount > 1 { plots.append(strip("Sign-free accuracy", Self.signFree)) }
            for f in features {
                let title = "Sign-free accuracy on \(f)"
                plots.append(
                    oneLayer
                        ? strip(title) { $0.scores[f]!.disambiguatedAccuracy }
                        : plot(title) { $0.scores[f]!.disambiguatedAccuracy })
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
            if let z = zeroShotMeans(t) {
                report.paragraph(
                    String(
                        format: """
                            Zero-shot baseline (the model's own preference between each pair's two members, log \
                            p(x⁺) − log p(x⁻), on the same test pairs): accuracy %.3f, calibrated %.3f, AUROC %.3f.
                            """, z.accuracy, z.calibrated, z.auroc))
            }
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
