import Foundation
import SciDLSupport
import SciDLTensor

/// Settings of an elicitation experiment: which probes, which seeds, how the pairs are split.
public struct ElicitSettings: Codable, Sendable {
    public var methods: [ProbeMethod] = ProbeMethod.allCases
    /// Each seed gives its own train/test split and probe initialisations.
    public var seeds: [UInt64] = [0]
    /// Share of pairs held out for testing.
    public var testFraction = 0.4
    /// How each side is normalised before probing.
    public var normalisation = Normalisation.burns
    /// Also divide each side by its per-dimension standard deviation (CCS's optional variance scaling).
    public var scalingVariance = false
    /// Cluster-Norm's smallest cluster (HDBSCAN's min_cluster_size).
    public var minClusterSize = 5
    public var ccs = CCSSettings()

    public init() {}

    /// How the pairs were normalised, for a report's description.
    public var normalisationDescription: String {
        switch normalisation {
        case .none: "none"
        case .burns: "each side centred on the training pairs" + (scalingVariance ? " and scaled" : "")
        case .cluster:
            "Cluster-Norm: each side centred" + (scalingVariance ? " and scaled" : "")
                + " within HDBSCAN clusters (min size \(minClusterSize)) of the pair means"
        }
    }

    public func validate() throws {
        guard !methods.isEmpty else {
            throw SciDLError("no probe methods: give e.g. --methods ccs,pca,kmeans,random,logistic")
        }
        guard !seeds.isEmpty else { throw SciDLError("no seeds: give e.g. --seeds 0,1,2") }
        guard testFraction > 0, testFraction < 1 else {
            throw SciDLError("--test-fraction must lie in (0, 1) (got \(testFraction))")
        }
        guard minClusterSize >= 2 else {
            throw SciDLError("--min-cluster-size must be at least 2 (got \(minClusterSize))")
        }
        if normalisation == .none, scalingVariance {
            throw SciDLError("--variance-scaling scales after centring: it needs --normalize burns or cluster")
        }
        guard ccs.epochs > 0, ccs.restarts > 0 else {
            throw SciDLError("--ccs-epochs and --ccs-restarts must be positive")
        }
    }
}

/// One probe fitted on one layer with one seed, scored on the held-out pairs.
public struct ProbeResult: Sendable {
    /// The prompt template the activations came from (empty for imported activations).
    public var template: String
    public var layer: Int
    public var method: ProbeMethod
    public var seed: UInt64
    public var trainCount: Int
    public var testCount: Int
    /// Scores against the truth and any other binary feature of the pairs.
    public var scores: [PairFeature: ProbeScore]
    public var probe: FittedProbe
    /// The probe's scores on the test pairs, and their truth labels (for histograms).
    public var testScores: [Float]
    public var testLabels: [Int]
    /// Which pairs trained the probe and which tested it.
    public var split: PairSplit
    /// The side statistics of its normalisation (see `Elicitation.Cell.sides`).
    public var sides: SideNormalisation?
    /// For a CCS probe fitted beside PCA: how close the two are.
    public var comparedWithPCA: CCSAsPCA?
}

public enum Elicitation {
    /// Fits every method on every layer for every seed and scores each on held-out pairs against the
    /// truth labels and each of `features` (other binary properties of the pairs, one value per pair).
    /// Results are stamped with `template`; `progress` is told how many (layer, seed) cells are done.
    /// `groups` (one number per pair), when given, keeps every group on one side of each split.
    public static func run(
        _ activations: ContrastActivations, settings: ElicitSettings, features: [PairFeature: [Int]] = [:],
        groups: [Int]? = nil, template: String = "", progress: (Int) -> Void = { _ in }
    ) throws -> [ProbeResult] {
        for (name, values) in features {
            guard values.count == activations.count else {
                throw SciDLError("feature '\(name)' has \(values.count) values for \(activations.count) pairs")
            }
            let present = Set(values.filter { $0 >= 0 })
            guard present.count == 2 else {
                let value = present.first.map { "always \($0)" } ?? "never defined"
                throw SciDLError(
                    """
                    the feature '\(name)' is constant (\(value) over \(values.count) pairs): nothing can be \
                    scored against it; check the data or the experiment's settings
                    """
                )
            }
        }
        var results: [ProbeResult] = []
        try forEachCell(activations, settings: settings, groups: groups) { cell in
            for method in settings.methods {
                let probe = try method.fit(cell.train, seed: cell.probeSeed, ccs: settings.ccs)
                let testScores = probe.scores(cell.test)
                var scores: [PairFeature: ProbeScore] = [
                    .truth: truthScore(
                        testScores, labels: cell.test.labels, probe: probe, seed: cell.seed, layer: cell.layer)
                ]
                for (name, values) in features {
                    scores[name] = ProbeScore(
                        scores: testScores, threshold: probe.threshold,
                        against: cell.testIndices.map { values[$0] })
                }
                if let inside = features[.truthInCategory], let outside = scores[.truthElsewhere] {
                    // The sign that is right outside the category, kept inside it.
                    let flip: Float = outside.accuracy < 0.5 ? -1 : 1
                    scores[.truthInCategorySignedElsewhere] = ProbeScore(
                        scores: testScores.map { flip * $0 }, threshold: flip * probe.threshold,
                        against: cell.testIndices.map { inside[$0] })
                }
                results.append(
                    ProbeResult(
                        template: template, layer: cell.layer, method: method, seed: cell.seed,
                        trainCount: cell.train.count, testCount: cell.test.count, scores: scores, probe: probe,
                        testScores: testScores, testLabels: cell.test.labels, split: cell.split, sides: cell.sides))
            }
            // Emmons's question, per fit: is CCS just PCA here?
            let fits = results.indices.suffix(settings.methods.count)
            if let c = fits.first(where: { results[$0].method == .ccs }),
                let p = fits.first(where: { results[$0].method == .pca })
            {
                results[c].comparedWithPCA = CCSAsPCA(ccs: results[c].probe, pca: results[p].probe, test: cell.test)
            }
            progress(results.count / settings.methods.count)
        }
        return results
    }

    /// One seed's split at one layer: normalised training and held-out pairs.
    public struct Cell {
        public var seed: UInt64
        public var layer: Int
        /// Seeds the probes' initialisations: differs per seed and layer.
        public var probeSeed: UInt64
        public var train: ProbeData
        public var test: ProbeData
        /// Which pairs train and which test, in `train`'s and `test`'s order.
        public var split: PairSplit
        /// The statistics every side was centred (and scaled) with: all of them (Burns), or those of the
        /// outliers (Cluster-Norm); nil without normalisation.
        public var sides: SideNormalisation?
        public var testIndices: [Int] { split.test }
    }

    /// Splits the pairs once per seed (`settings.testFraction` held out, whole `groups` at a time when given)
    /// and, for every layer, normalises each side as `settings.normalisation` says (statistics from the
    /// training pairs only), then calls `body`. Labels of one class, overall or on either side of any seed's
    /// split, are refused before anything is fitted.
    public static func forEachCell(
        _ activations: ContrastActivations, settings: ElicitSettings, groups: [Int]? = nil,
        _ body: (Cell) throws -> Void
    ) throws {
        try settings.validate()
        let n = activations.count
        guard activations.labels.count == n else {
            throw SciDLError("the activations have no labels: evaluation needs them (give --labels FILE)")
        }
        if let groups, groups.count != n {
            throw SciDLError("\(groups.count) group numbers for \(n) contrast pairs")
        }
        try ClassBalance(activations.labels).requireBothClasses(
            "the \(n) contrast pairs' labels",
            hint: "check --label-column, or draw a class-balanced --sample N instead of the first --limit N rows")
        let splits = try settings.seeds.map { seed in
            let split = try PairSplit(count: n, testFraction: settings.testFraction, seed: seed, groups: groups)
            for (side, indices) in [("test", split.test), ("training", split.train)] {
                try ClassBalance(indices.map { activations.labels[$0] }).requireBothClasses(
                    "seed \(seed)'s \(side) pairs",
                    hint: "use more or class-balanced data (--sample N), or another --test-fraction")
            }
            return (seed, split)
        }
        let clusters = activations.layers.indices.map { clusterLabels(activations, slot: $0, settings: settings) }
        for (seed, split) in splits {
            for (j, layer) in activations.layers.enumerated() {
                let (train, test, sides) = normalised(
                    activations, slot: j, split: split, settings: settings, clusters: clusters[j])
                try body(
                    Cell(
                        seed: seed, layer: layer, probeSeed: probeSeed(seed, layer: layer), train: train,
                        test: test, split: split, sides: sides))
            }
        }
    }

    /// Cluster-Norm's clusters of one layer's pairs (nil for the other normalisations): found over all pairs,
    /// which uses no labels.
    public static func clusterLabels(
        _ activations: ContrastActivations, slot j: Int, settings: ElicitSettings
    ) -> [Int]? {
        guard settings.normalisation == .cluster else { return nil }
        let all = ProbeData(activations, layer: j, indices: Array(0..<activations.count))
        return HDBSCAN(minClusterSize: settings.minClusterSize).labels(
            all.pairMeans, count: all.count, width: all.width)
    }

    /// One layer's training and test pairs, normalised as `settings` says with statistics of the training
    /// pairs; `clusters` (Cluster-Norm's labels of all pairs) from `clusterLabels`.
    public static func normalised(
        _ activations: ContrastActivations, slot j: Int, split: PairSplit, settings: ElicitSettings, clusters: [Int]?
    ) -> (train: ProbeData, test: ProbeData, sides: SideNormalisation?) {
        let rawTrain = ProbeData(activations, layer: j, indices: split.train)
        let rawTest = ProbeData(activations, layer: j, indices: split.test)
        switch settings.normalisation {
        case .none:
            return (rawTrain, rawTest, nil)
        case .burns:
            let sides = SideNormalisation(fitting: rawTrain, scalingVariance: settings.scalingVariance)
            return (sides.apply(rawTrain), sides.apply(rawTest), sides)
        case .cluster:
            let labels = clusters ?? [Int](repeating: -1, count: activations.count)
            let trainClusters = split.train.map { labels[$0] }
            let norm = ClusterNormalisation(
                fitting: rawTrain, clusters: trainClusters, scalingVariance: settings.scalingVariance)
            return (
                norm.apply(rawTrain, clusters: trainClusters),
                norm.apply(rawTest, clusters: split.test.map { labels[$0] }), norm.global
            )
        }
    }

    /// Seeds a probe's initialisation and its bootstrap: differs per seed and layer.
    static func probeSeed(_ seed: UInt64, layer: Int) -> UInt64 { seed &+ UInt64(layer) &* 7919 }

    /// A probe's scores against the truth with every statistic: accuracy, calibrated accuracy, AUROC and its
    /// bootstrap interval, and the calibration error of probabilities.
    static func truthScore(_ scores: [Float], labels: [Int], probe: FittedProbe, seed: UInt64, layer: Int) -> ProbeScore
    {
        var truth = ProbeScore(scores: scores, threshold: probe.threshold, against: labels)
        truth.aurocInterval = ProbeStatistics.bootstrapAUROC(scores, labels, seed: probeSeed(seed, layer: layer))
        if probe.method.givesProbabilities {
            truth.calibrationError = ProbeStatistics.expectedCalibrationError(scores, labels)
        }
        return truth
    }
}
