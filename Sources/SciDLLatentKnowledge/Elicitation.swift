import Foundation
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
        guard !methods.isEmpty else { throw SciDLError("no probe methods: give e.g. --methods ccs,pca,kmeans,random,logistic") }
        guard !seeds.isEmpty else { throw SciDLError("no seeds: give e.g. --seeds 0,1,2") }
        guard testFraction > 0, testFraction < 1 else { throw SciDLError("--test-fraction must lie in (0, 1) (got \(testFraction))") }
        guard ccs.epochs > 0, ccs.restarts > 0 else { throw SciDLError("--ccs-epochs and --ccs-restarts must be positive") }
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
    /// Scores against the ground truth ("truth") and any other binary feature of the pairs, by name.
    public var scores: [String: ProbeScore]
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
        _ activations: ContrastActivations, settings: ElicitSettings, features: [String: [Int]] = [:],
        template: String = "", progress: (Int) -> Void = { _ in }
    ) throws -> [ProbeResult] {
        try settings.validate()
        let n = activations.count
        guard activations.labels.count == n else {
            throw SciDLError("the activations have no labels: evaluation needs them (give --labels FILE)")
        }
        for (name, values) in features where values.count != n {
            throw SciDLError("feature '\(name)' has \(values.count) values for \(n) pairs")
        }
        let testCount = Int((Double(n) * settings.testFraction).rounded())
        guard testCount >= 2, n - testCount >= 2 else {
            throw SciDLError("\(n) contrast pairs are too few to split into training and test pairs (need at least 4)")
        }
        var results: [ProbeResult] = []
        var done = 0
        for seed in settings.seeds {
            var random = SeededGenerator(seed: seed ^ 0x5B117)
            let order = random.permutation(n)
            let test = Array(order.prefix(testCount)), train = Array(order.dropFirst(testCount))
            for (j, layer) in activations.layers.enumerated() {
                let rawTrain = ProbeData(activations, layer: j, indices: train)
                let normalisation = SideNormalisation(fitting: rawTrain, scalingVariance: settings.scalingVariance)
                let trainData = normalisation.apply(rawTrain)
                let testData = normalisation.apply(ProbeData(activations, layer: j, indices: test))
                for method in settings.methods {
                    let probe = try method.fit(trainData, seed: seed &+ UInt64(layer) &* 7919, ccs: settings.ccs)
                    var scores = ["truth": ProbeScore(probe, on: testData)]
                    for (name, values) in features { scores[name] = ProbeScore(probe, on: testData, against: test.map { values[$0] }) }
                    results.append(ProbeResult(template: template, layer: layer, method: method, seed: seed, trainCount: train.count,
                                               testCount: test.count, scores: scores, probe: probe,
                                               testScores: probe.scores(testData), testLabels: testData.labels))
                }
                done += 1
                progress(done)
            }
        }
        return results
    }
}
