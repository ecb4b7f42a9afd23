import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// What an elicitation experiment writes: `results.csv` (one row per template × layer × method × seed, and the
/// zero-shot baseline's rows), `summary.json`, `report.html`, and the table printed on the terminal. Every
/// accuracy is the oriented probe's (`ProbeScore`): its sign decided once, on the training pairs.
public struct ElicitReport: Sendable {
    public var results: [ProbeResult]
    /// What was probed, for the outputs' headers: data, template, model, layers, seeds, sample…
    public var description: [(String, String)]
    /// The competing features scored besides the truth, in column order.
    public var features: [PairFeature]
    /// Per template, the zero-shot baseline on each seed's test pairs (decoders only).
    public var zeroShot: [String: [ZeroShot.SeedScore]] = [:]
    /// One-line remarks on the run (skipped layers, truncated prompts…), shown on the terminal and in the report.
    public var notes: [String] = []
    /// The layer the report's bar charts and pictures show (`--report-layer`); nil: the best supervised layer.
    public var reportLayer: Int?
    /// Per template, the contrast differences' first two principal components at the report layer.
    public var differencePictures: [String: DifferencePicture] = [:]

    public init(results: [ProbeResult], description: [(String, String)], features: [PairFeature] = []) {
        self.results = results
        self.description = description
        self.features = features
    }

    var methods: [ProbeMethod] { ProbeMethod.allCases.filter { m in results.contains { $0.method == m } } }
    var layers: [Int] { Array(Set(results.map(\.layer))).sorted() }
    /// Templates in the order they were run.
    var templates: [String] { results.map(\.template).uniqued() }
    var seedCount: Int { Set(results.map(\.seed)).count }
    /// The competing features scored under `template` (conditions of one challenge may differ).
    func features(_ template: String) -> [PairFeature] {
        features.filter { f in results.contains { $0.template == template && $0.scores[f] != nil } }
    }

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

    /// Sample standard deviation over seeds (0 for one seed).
    func standardDeviation(
        _ template: String, _ method: ProbeMethod, _ layer: Int, _ value: (ProbeResult) -> Double
    ) -> Double {
        perSeed(template, method, layer, value).sampleStandardDeviation
    }

    /// The oriented accuracy on the truth.
    static func accuracy(_ r: ProbeResult) -> Double { r.scores[.truth]!.accuracy }
    static func auroc(_ r: ProbeResult) -> Double { r.scores[.truth]!.auroc }

    /// The layer where `method`'s mean truth accuracy is highest under `template`.
    func bestLayer(_ template: String, _ method: ProbeMethod) -> Int {
        layers.max { mean(template, method, $0, Self.accuracy) < mean(template, method, $1, Self.accuracy) }!
    }

    /// The layer the report's per-layer pictures show: `reportLayer` when the run has it, else the best layer
    /// of the supervised probe (where the truth is most linearly there), else the best mean over the methods.
    public func chosenLayer(_ template: String) -> Int {
        if let reportLayer, layers.contains(reportLayer) { return reportLayer }
        if methods.contains(.logistic) { return bestLayer(template, .logistic) }
        return layers.max { a, b in
            methods.map { mean(template, $0, a, Self.accuracy) }.reduce(0, +)
                < methods.map { mean(template, $0, b, Self.accuracy) }.reduce(0, +)
        }!
    }

    /// The zero-shot baseline under `template`, means over seeds (nil without one).
    func zeroShotMeans(_ template: String) -> (
        accuracy: Double, calibrated: Double, auroc: Double, prefersPositive: Double
    )? {
        guard let seeds = zeroShot[template], !seeds.isEmpty else { return nil }
        func mean(_ value: (ZeroShot.SeedScore) -> Double) -> Double {
            seeds.map(value).reduce(0, +) / Double(seeds.count)
        }
        return (
            mean(\.score.accuracy), mean(\.score.calibratedAccuracy), mean(\.score.auroc), mean(\.prefersPositive)
        )
    }

    /// One line on the zero-shot baseline, and a second when the model almost always gives one answer (its
    /// raw accuracy is then the class balance, and only the calibrated one says what its preferences know).
    func zeroShotLine(_ template: String) -> String? {
        guard let z = zeroShotMeans(template) else { return nil }
        var line = String(
            format: "zero-shot (the model's own answer): acc %.3f raw, %.3f calibrated, AUROC %.3f", z.accuracy,
            z.calibrated, z.auroc)
        if abs(z.accuracy - 0.5) < 0.1, z.calibrated - z.accuracy >= 0.1 || z.prefersPositive >= 0.9
            || z.prefersPositive <= 0.1
        {
            line += String(
                format: """
                    \n  the model almost always picks one answer (x⁺ likelier in %.0f%% of test pairs): its raw \
                    accuracy is the class balance; the calibrated accuracy reads its preferences
                    """, 100 * z.prefersPositive)
        }
        return line
    }

    /// Column order of results.csv.
    var csvHeader: [String] {
        ResultColumn.allCases.map(\.name)
            + features.flatMap { f in ResultColumn.featureColumns.map { "\(f)_\($0)" } }
    }

    public func csv() -> String {
        var rows: [[String: String]] = results.map { r in
            var row = ResultColumn.values(r.scores[.truth]!)
            row["template"] = csvField(r.template)
            row["layer"] = "\(r.layer)"
            row["method"] = r.method.rawValue
            row["supervised"] = r.method.isSupervised ? "1" : "0"
            row["seed"] = "\(r.seed)"
            row["train_pairs"] = "\(r.trainCount)"
            row["test_pairs"] = "\(r.testCount)"
            row["ccs_loss"] = r.probe.loss.map { formatNumber(Double($0)) }
            row["ccs_pca_cosine"] = r.comparedWithPCA.map { formatNumber($0.cosine) }
            row["ccs_pca_agreement"] = r.comparedWithPCA.map { formatNumber($0.agreement) }
            row["clusters"] = r.clusters.map { "\($0.clusters)" }
            row["cluster_noise_share"] = r.clusters.map { formatNumber($0.noiseShare) }
            for f in features {
                if let score = r.scores[f] { row.merge(ResultColumn.values(score, prefix: "\(f)_")) { a, _ in a } }
            }
            return row
        }
        for t in templates {
            for z in zeroShot[t] ?? [] {
                var row = ResultColumn.values(z.score)
                row["template"] = csvField(t)
                row["method"] = "zero_shot"
                row["supervised"] = "0"
                row["seed"] = "\(z.seed)"
                row["test_pairs"] = "\(z.score.count)"
                row["prefers_x_plus"] = formatNumber(z.prefersPositive)
                rows.append(row)
            }
        }
        return ResultColumn.csv(header: csvHeader, rows: rows)
    }

    public func summary() -> [String: Any] {
        var perTemplate: [String: Any] = [:]
        for t in templates {
            var perMethod: [String: Any] = [:]
            for m in methods {
                var byLayer: [String: Any] = [:]
                for l in layers {
                    func truth(_ value: @escaping (ProbeScore) -> Double?) -> (ProbeResult) -> Double {
                        { value($0.scores[.truth]!) ?? .nan }
                    }
                    var cell: [String: Any] = [
                        "acc_estimate": mean(t, m, l, Self.accuracy),
                        "acc_estimate_sd": standardDeviation(t, m, l, Self.accuracy),
                        "acc_estimate_per_seed": perSeed(t, m, l, Self.accuracy),
                        "auroc_estimate": mean(t, m, l, Self.auroc),
                        "cal_acc_estimate": mean(t, m, l, truth { $0.calibratedAccuracy }),
                        "raw_acc": mean(t, m, l, truth { $0.raw.accuracy }),
                        "raw_auroc": mean(t, m, l, truth { $0.raw.auroc }),
                        "reversed_share": mean(t, m, l, truth { $0.reversed ? 1 : 0 }),
                    ]
                    if m == .random {
                        cell["acc_p95"] = mean(t, m, l, truth { $0.chance?.accuracyP95 })
                        cell["auroc_p95"] = mean(t, m, l, truth { $0.chance?.aurocP95 })
                        cell["random_directions"] = RandomBaseline.directions
                    } else {
                        for (key, value) in [
                            ("acc_lower", truth { $0.accuracyInterval?.lowerBound }),
                            ("acc_upper", truth { $0.accuracyInterval?.upperBound }),
                            ("auroc_lower", truth { $0.aurocInterval?.lowerBound }),
                            ("auroc_upper", truth { $0.aurocInterval?.upperBound }),
                        ] {
                            let v = mean(t, m, l, value)
                            if v.isFinite { cell[key] = v }
                        }
                    }
                    if m.givesProbabilities { cell["ece"] = mean(t, m, l, truth { $0.calibrationError }) }
                    if m == .ccs, methods.contains(.pca) {
                        cell["ccs_pca_cosine"] = mean(t, m, l) { $0.comparedWithPCA?.cosine ?? .nan }
                        cell["ccs_pca_agreement"] = mean(t, m, l) { $0.comparedWithPCA?.agreement ?? .nan }
                    }
                    if let c = results.first(where: { $0.template == t && $0.layer == l })?.clusters {
                        cell["clusters"] = c.clusters
                        cell["cluster_noise_share"] = c.noiseShare
                    }
                    for f in features(t) {
                        cell["\(f)_acc_estimate"] = mean(t, m, l) { $0.scores[f]!.accuracy }
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
                "acc_estimate": z.accuracy, "cal_acc_estimate": z.calibrated, "auroc_estimate": z.auroc,
                "prefers_x_plus": z.prefersPositive, "acc_estimate_per_seed": seeds.map(\.score.accuracy),
            ]
        }
        return [
            "experiment": Dictionary(description.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }),
            "templates": perTemplate, "zero_shot": zero, "notes": notes,
            "report_layer": Dictionary(templates.map { ($0, chosenLayer($0)) }, uniquingKeysWith: { a, _ in a }),
            "columns": Dictionary(ResultColumn.allCases.map { ($0.name, $0.meaning) }, uniquingKeysWith: { a, _ in a }),
            "note":
                """
            Means over seeds. Every accuracy is the oriented probe's: its sign decided once per probe, on the \
            training pairs (reversed where its training AUROC is below 0.5, as elk's Platt scaling on the \
            training split does); raw_* are the unoriented numbers. random: means over \
            \(RandomBaseline.directions) random directions, with their 95th percentile.
            """,
        ]
    }

    /// Per template: rows = layers, columns = methods, cells the oriented test accuracy (mean over seeds, ± sd
    /// with several; random: mean / 95th percentile over random directions).
    public func table() -> String {
        let spread = seedCount > 1
        let width = spread ? 17 : 15  // "0.502 / 0.536" (random: mean / 95th percentile) and a gap
        var out =
            """
            test accuracy, sign decided on the training pairs; means over \(seedCount) seed(s)\
            \(spread ? " ± sd" : ""); random: mean / 95th percentile of \(RandomBaseline.directions) directions\n
            """
        for t in templates {
            if !t.isEmpty { out += "template \(t)\n" }
            out += "layer".padding(toLength: 7, withPad: " ", startingAt: 0)
            for m in methods { out += m.displayName.padding(toLength: width, withPad: " ", startingAt: 0) }
            out += "\n"
            for l in layers {
                out += "\(l)".padding(toLength: 7, withPad: " ", startingAt: 0)
                for m in methods {
                    var cell = String(format: "%.3f", mean(t, m, l, Self.accuracy))
                    if m == .random {
                        cell += String(format: " / %.3f", mean(t, m, l) { $0.scores[.truth]!.chance?.accuracyP95 ?? .nan })
                    } else if spread {
                        cell += String(format: " ± %.3f", standardDeviation(t, m, l, Self.accuracy))
                    }
                    out += cell.padding(toLength: width, withPad: " ", startingAt: 0)
                }
                out += "\n"
            }
            if let line = zeroShotLine(t) { out += line + "\n" }
            if results.contains(where: { $0.template == t && $0.clusters != nil }) {
                out += "Cluster-Norm clusters (noise share) by layer: "
                out += layers.compactMap { l in
                    results.first { $0.template == t && $0.layer == l }?.clusters.map {
                        String(format: "%d: %d (%.2f)", l, $0.clusters, $0.noiseShare)
                    }
                }.joined(separator: ", ") + "\n"
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
        for note in notes { out += note + "\n" }
        return out
    }

    /// Writes results.csv, summary.json and report.html into `directory`, atomically.
    public func write(to directory: URL, title: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(csv(), to: directory.appendingPathComponent("results.csv"))
        let json = try jsonData(summary())
        try AtomicFile.write(json, to: directory.appendingPathComponent("summary.json"))
        try html(title: title).write(to: directory.appendingPathComponent("report.html"))
    }
}
