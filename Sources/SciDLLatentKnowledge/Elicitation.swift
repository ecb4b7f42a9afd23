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
    /// Also divide each side by its per-dimension standard deviation (CCS's optional variance scaling).
    public var scalingVariance = false
    public var ccs = CCSSettings()

    public init() {}

    public func validate() throws {
        guard !methods.isEmpty else {
            throw SciDLError("no probe methods: give e.g. --methods ccs,pca,kmeans,random,logistic")
        }
        guard !seeds.isEmpty else { throw SciDLError("no seeds: give e.g. --seeds 0,1,2") }
        guard testFraction > 0, testFraction < 1 else {
            throw SciDLError("--test-fraction must lie in (0, 1) (got \(testFraction))")
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
}

public enum Elicitation {
    /// Fits every method on every layer for every seed and scores each on held-out pairs against the
    /// truth labels and each of `features` (other binary properties of the pairs, one value per pair).
    /// Results are stamped with `template`; `progress` is told how many (layer, seed) cells are done.
    public static func run(
        _ activations: ContrastActivations, settings: ElicitSettings, features: [PairFeature: [Int]] = [:],
        template: String = "", progress: (Int) -> Void = { _ in }
    ) throws -> [ProbeResult] {
        for (name, values) in features where values.count != activations.count {
            throw SciDLError("feature '\(name)' has \(values.count) values for \(activations.count) pairs")
        }
        var results: [ProbeResult] = []
        try forEachCell(activations, settings: settings) { cell in
            for method in settings.methods {
                let probe = try method.fit(cell.train, seed: cell.probeSeed, ccs: settings.ccs)
                let testScores = probe.scores(cell.test)
                var scores: [PairFeature: ProbeScore] = [
                    .truth: ProbeScore(scores: testScores, threshold: probe.threshold, against: cell.test.labels)
                ]
                for (name, values) in features {
                    scores[name] = ProbeScore(
                        scores: testScores, threshold: probe.threshold,
                        against: cell.testIndices.map { values[$0] })
                }
                results.append(
                    ProbeResult(
                        template: template, layer: cell.layer, method: method, seed: cell.seed,
                        trainCount: cell.train.count, testCount: cell.test.count, scores: scores, probe: probe,
                        testScores: testScores, testLabels: cell.test.labels))
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
        /// Which pairs of the activations are held out, in `test`'s order.
        public var testIndices: [Int]
    }

    /// Splits the pairs once per seed (`settings.testFraction` held out) and, for every layer, centres
    /// (and optionally scales) each side on the training pairs' statistics, then calls `body`.
    public static func forEachCell(
        _ activations: ContrastActivations, settings: ElicitSettings, _ body: (Cell) throws -> Void
    ) throws {
        try settings.validate()
        let n = activations.count
        guard activations.labels.count == n else {
            throw SciDLError("the activations have no labels: evaluation needs them (give --labels FILE)")
        }
        let testCount = Int((Double(n) * settings.testFraction).rounded())
        guard testCount >= 2, n - testCount >= 2 else {
            throw SciDLError("\(n) contrast pairs are too few to split into training and test pairs (need at least 4)")
        }
        for seed in settings.seeds {
            var random = SeededGenerator(seed: seed, stream: .probeSplit)
            let order = random.permutation(n)
            let test = Array(order.prefix(testCount))
            let train = Array(order.dropFirst(testCount))
            for (j, layer) in activations.layers.enumerated() {
                let rawTrain = ProbeData(activations, layer: j, indices: train)
                let normalisation = SideNormalisation(fitting: rawTrain, scalingVariance: settings.scalingVariance)
                try body(
                    Cell(
                        seed: seed, layer: layer, probeSeed: seed &+ UInt64(layer) &* 7919,
                        train: normalisation.apply(rawTrain),
                        test: normalisation.apply(ProbeData(activations, layer: j, indices: test)), testIndices: test))
            }
        }
    }
}
