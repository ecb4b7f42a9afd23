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

    /// How the probes were fitted, for a report's description: seeds, split, normalisation.
    public var description: [(String, String)] {
        [
            (
                "seeds",
                "\(seeds.map(String.init).joined(separator: ",")) (\(seeds.count): a split and initialisations each)"
            ),
            ("held out", "\(Int((testFraction * 100).rounded())) % of the pairs per seed"),
            ("normalisation", normalisationDescription),
        ]
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
        guard ccs.epochs <= 1_000_000, ccs.restarts <= 1000 else {
            throw SciDLError("--ccs-epochs (at most 1,000,000) or --ccs-restarts (at most 1,000) is out of range")
        }
        guard ccs.learningRate.isFinite, ccs.learningRate > 0, ccs.learningRate <= 10 else {
            throw SciDLError("--ccs-lr must be a number in (0, 10] (got \(ccs.learningRate)); Burns et al. use 1e-3")
        }
        guard ccs.weightDecay.isFinite, ccs.weightDecay >= 0, ccs.learningRate * ccs.weightDecay < 1 else {
            throw SciDLError("the CCS weight decay must be ≥ 0 with lr·wd below 1 (got \(ccs.weightDecay))")
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
    /// The sign decision for the truth, per direction (one; the baseline's many for `random`), made on the
    /// training pairs and saved with the probe so that `scidl eval` orients it the same way on other data.
    public var truthReversals: [Bool] = [false]
    /// Cluster-Norm's clusters at this layer (nil for the other normalisations).
    public var clusters: ClusterSummary?
}

/// What Cluster-Norm's HDBSCAN found at one layer (over all pairs, no labels).
public struct ClusterSummary: Sendable, Equatable {
    public var clusters: Int
    /// Share of pairs left as noise (normalised with the statistics of all training pairs).
    public var noiseShare: Double

    public init(labels: [Int]) {
        clusters = Set(labels.filter { $0 >= 0 }).count
        noiseShare = Double(labels.filter { $0 < 0 }.count) / Double(max(labels.count, 1))
    }
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
            // Every method fitted first, then all of them scored in one pass over the held-out pairs: only the
            // training pairs of a layer are ever in memory whole.
            let probes = try settings.methods.map { method in
                let probe = try method.fit(cell.train, seed: cell.probeSeed, ccs: settings.ccs)
                guard probe.direction.allSatisfy(\.isFinite), probe.bias.isFinite else {
                    throw SciDLError(
                        """
                        the \(method.displayName) fit diverged at layer \(cell.layer), seed \(cell.seed) (its \
                        direction is not finite)\(method == .ccs ? ": lower --ccs-lr (\(settings.ccs.learningRate))" : ""); \
                        nothing was written
                        """)
                }
                return probe
            }
            let testScores = cell.testScores(probes)
            let testLabels = cell.testIndices.map { activations.labels[$0] }
            for (probe, test) in zip(probes, testScores) {
                let cellScores = CellScores(probe, train: cell.train, testScores: test, probeSeed: cell.probeSeed)
                let truthReversals = cellScores.reversals(cell.train.labels)
                var scores: [PairFeature: ProbeScore] = [
                    .truth: cellScores.score(
                        against: testLabels, reversed: truthReversals, intervalSeed: cell.probeSeed)
                ]
                var reversals: [PairFeature: [Bool]] = [:]
                for (name, values) in features {
                    reversals[name] = cellScores.reversals(cell.split.train.map { values[$0] })
                    scores[name] = cellScores.score(
                        against: cell.testIndices.map { values[$0] }, reversed: reversals[name]!,
                        intervalSeed: cell.probeSeed)
                }
                if let inside = features[.truthInCategory], let outside = reversals[.truthElsewhere] {
                    // The sign that is right outside the category (on the training pairs), kept inside it.
                    scores[.truthInCategorySignedElsewhere] = cellScores.score(
                        against: cell.testIndices.map { inside[$0] }, reversed: outside, intervalSeed: cell.probeSeed)
                }
                results.append(
                    ProbeResult(
                        template: template, layer: cell.layer, method: probe.method, seed: cell.seed,
                        trainCount: cell.train.count, testCount: cell.testIndices.count, scores: scores, probe: probe,
                        testScores: cellScores.test[0], testLabels: testLabels, split: cell.split,
                        sides: cell.sides, truthReversals: truthReversals, clusters: cell.clusters))
            }
            // Emmons's question, per fit: is CCS just PCA here?
            let fits = results.indices.suffix(settings.methods.count)
            if let c = fits.first(where: { results[$0].method == .ccs }),
                let p = fits.first(where: { results[$0].method == .pca })
            {
                results[c].comparedWithPCA = CCSAsPCA(
                    ccs: results[c].probe, pca: results[p].probe, ccsTestScores: results[c].testScores,
                    pcaTestScores: results[p].testScores)
            }
            progress(results.count / settings.methods.count)
        }
        return results
    }

    /// Every set (a template or challenge condition: its name, activations and competing features) through
    /// `run`, one after another; `progress` counts (layer, seed) cells done over all of them.
    public static func run(
        sets: [(name: String, activations: ContrastActivations, features: [PairFeature: [Int]])],
        settings: ElicitSettings, groups: [Int]? = nil, progress: (Int) -> Void = { _ in }
    ) throws -> [ProbeResult] {
        var results: [ProbeResult] = []
        var done = 0
        for set in sets {
            let before = done
            results += try run(
                set.activations, settings: settings, features: set.features, groups: groups, template: set.name
            ) {
                done = before + $0
                progress(done)
            }
        }
        return results
    }

    /// How many (layer, seed) cells `run(sets:)` fits for these activations.
    public static func cellCount(_ activations: [ContrastActivations], settings: ElicitSettings) -> Int {
        activations.reduce(0) { $0 + settings.seeds.count * $1.layers.count }
    }

    /// One seed's split at one layer: the normalised training pairs, in memory, and the held-out pairs, read
    /// when asked for (whole, or a block at a time).
    public struct Cell {
        public var seed: UInt64
        public var layer: Int
        /// Seeds the probes' initialisations: differs per seed and layer.
        public var probeSeed: UInt64
        public var train: ProbeData
        /// Which pairs train and which test, in `train`'s and `test`'s order.
        public var split: PairSplit
        /// The statistics every side was centred (and scaled) with: all of them (Burns), or those of the
        /// outliers (Cluster-Norm); nil without normalisation.
        public var sides: SideNormalisation?
        /// Cluster-Norm's clusters at this layer.
        public var clusters: ClusterSummary?
        public var testIndices: [Int] { split.test }
        /// Where the held-out pairs are read from, and how they are normalised.
        let activations: ContrastActivations
        let slot: Int
        let normalisation: PairNormalisation

        /// The held-out pairs, normalised as the training pairs were (read from the activations on each use).
        public var test: ProbeData {
            normalisation.apply(ProbeData(activations, layer: slot, indices: split.test), pairs: split.test)
        }

        /// The held-out pairs, normalised, a block at a time in the order they lie in the activations (one pass
        /// over a layer's file): `body` gets each block's positions in `testIndices` and its pairs.
        public func forEachTestBlock(_ body: (_ positions: [Int], _ block: ProbeData) throws -> Void) rethrows {
            let test = split.test
            let order = test.indices.sorted { test[$0] < test[$1] }
            let perBlock = train.rowsPerBlock
            var start = 0
            while start < order.count {
                let positions = Array(order[start..<min(order.count, start + perBlock)])
                let pairs = positions.map { test[$0] }
                try body(
                    positions,
                    normalisation.apply(ProbeData(activations, layer: slot, indices: pairs), pairs: pairs))
                start += perBlock
            }
        }

        /// Each probe's scores on the held-out pairs, in `testIndices` order, per direction (`CellScores`).
        public func testScores(_ probes: [FittedProbe]) -> [[[Float]]] {
            let directions = probes.map { CellScores.directions(of: $0, probeSeed: probeSeed) }
            var out = directions.map { $0.map { _ in [Float](repeating: 0, count: split.test.count) } }
            forEachTestBlock { positions, block in
                for (p, probes) in directions.enumerated() {
                    for (j, probe) in probes.enumerated() {
                        for (position, score) in zip(positions, probe.scores(block)) { out[p][j][position] = score }
                    }
                }
            }
            return out
        }
    }

    /// How a cell's pairs are normalised: with statistics fitted on its training pairs.
    enum PairNormalisation {
        case none
        case sides(SideNormalisation)
        /// Cluster-Norm, with every pair's cluster.
        case clusters(ClusterNormalisation, labels: [Int])

        /// The side statistics a result reports: all training pairs' (Burns), the outliers' (Cluster-Norm).
        var sides: SideNormalisation? {
            switch self {
            case .none: nil
            case .sides(let sides): sides
            case .clusters(let norm, _): norm.global
            }
        }

        /// `data`, the activations' pairs `pairs`, normalised.
        func apply(_ data: consuming ProbeData, pairs: [Int]) -> ProbeData {
            switch self {
            case .none: data
            case .sides(let sides): sides.apply(data)
            case .clusters(let norm, let labels): norm.apply(data, clusters: pairs.map { labels[$0] })
            }
        }
    }

    /// Splits the pairs once per seed (`settings.testFraction` held out, whole `groups` at a time when given)
    /// and, for every layer, normalises each side as `settings.normalisation` says (statistics from the
    /// training pairs only), then calls `body`. Labels of one class, overall or on either side of any seed's
    /// split, are refused before anything is fitted; layers where x⁺ − x⁻ is constant are skipped
    /// (`LayerDiagnosis`), and a run where every layer is is refused.
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
        let diagnoses = LayerDiagnosis.diagnose(activations)
        let slots = activations.layers.indices.filter { !diagnoses[$0].constantDifferences }
        guard !slots.isEmpty else {
            throw SciDLError(
                """
                nothing to probe at layer(s) \(activations.layers.map(String.init).joined(separator: ",")): \
                \(LayerDiagnosis.constantDifferencesReason); choose other --layers
                """)
        }
        var clusters: [Int: [Int]?] = [:]
        for j in slots { clusters[j] = clusterLabels(activations, slot: j, settings: settings) }
        for (seed, split) in splits {
            for j in slots {
                let layer = activations.layers[j]
                let (train, normalisation) = normalisedTraining(
                    activations, slot: j, split: split, settings: settings, clusters: clusters[j]!)
                try body(
                    Cell(
                        seed: seed, layer: layer, probeSeed: probeSeed(seed, layer: layer), train: train,
                        split: split, sides: normalisation.sides, clusters: clusters[j]!.map(ClusterSummary.init),
                        activations: activations, slot: j, normalisation: normalisation))
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
        let (train, normalisation) = normalisedTraining(
            activations, slot: j, split: split, settings: settings, clusters: clusters)
        let test = normalisation.apply(ProbeData(activations, layer: j, indices: split.test), pairs: split.test)
        return (train, test, normalisation.sides)
    }

    /// One layer's training pairs, normalised as `settings` says, and that normalisation (for the test pairs).
    static func normalisedTraining(
        _ activations: ContrastActivations, slot j: Int, split: PairSplit, settings: ElicitSettings, clusters: [Int]?
    ) -> (train: ProbeData, normalisation: PairNormalisation) {
        let rawTrain = ProbeData(activations, layer: j, indices: split.train)
        switch settings.normalisation {
        case .none:
            return (rawTrain, .none)
        case .burns:
            let sides = SideNormalisation(fitting: rawTrain, scalingVariance: settings.scalingVariance)
            return (sides.apply(consume rawTrain), .sides(sides))
        case .cluster:
            let labels = clusters ?? [Int](repeating: -1, count: activations.count)
            let norm = ClusterNormalisation(
                fitting: rawTrain, clusters: split.train.map { labels[$0] }, scalingVariance: settings.scalingVariance)
            return (
                norm.apply(rawTrain, clusters: split.train.map { labels[$0] }), .clusters(norm, labels: labels)
            )
        }
    }

    /// Seeds a probe's initialisation and its bootstrap: differs per seed and layer.
    static func probeSeed(_ seed: UInt64, layer: Int) -> UInt64 { seed &+ UInt64(layer) &* 7919 }
}
