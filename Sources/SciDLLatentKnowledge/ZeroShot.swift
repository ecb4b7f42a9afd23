import Foundation
import SciDLLanguageModel
import SciDLSupport
import SciDLTensor

/// What CCS adds over the model's own answer (Burns et al.'s zero-shot baselines; Roger 2023): a decoder's
/// preference between the two members of each pair, log p(x⁺) − log p(x⁻) from its next-token
/// log-probabilities, scored on each seed's held-out pairs like a probe — raw (x⁺ true when it is the
/// likelier) and calibrated (threshold at the median preference).
public struct ZeroShot: Sendable {
    /// log p(x⁺) − log p(x⁻) per pair, in nats.
    public var preferences: [Float]

    public init(preferences: [Float]) { self.preferences = preferences }

    /// The preferences of `model` for `pairs`, or nil when it is not a decoder (an encoder has no next-token
    /// probabilities). Kept in `cache` beside the activations, keyed alike.
    public static func preferences(
        of pairs: [ContrastPair], model: any LanguageModel, cache: URL?, progress: (Int) -> Void = { _ in }
    ) throws -> ZeroShot? {
        guard let decoder = model as? DecoderModel else { return nil }
        let key = model.cacheKey(
            pairs, ExtractionSettings(layers: [], position: .last, cache: nil, dataName: "", templateName: ""))
        let url = cache?.appendingPathComponent("\(model.name)-\(key)-zero-shot.safetensors")
        if let url, let file = try? SafetensorsFile(contentsOf: url), file.metadata["key"] == key,
            let cached = file.tensors["preference"]?.scalars, cached.count == pairs.count
        {
            progress(pairs.count)
            return ZeroShot(preferences: cached)
        }
        let preferences = decoder.logLikelihoodDifferences(pairs.map { ($0.positive, $0.negative) }, progress: progress)
            .map(Float.init)
        if let url {
            try SafetensorsFile(
                tensors: ["preference": Tensor(shape: [preferences.count], scalars: preferences)],
                metadata: ["key": key, "model": model.name, "what": "log p(x+) - log p(x-) per contrast pair"]
            ).write(to: url)
        }
        return ZeroShot(preferences: preferences)
    }

    /// The baseline on one seed's held-out pairs.
    public struct SeedScore: Sendable {
        public var seed: UInt64
        /// Raw: x⁺ predicted true when the model finds it likelier (no sign to decide: the model's answer has
        /// one). Calibrated: threshold at the median preference.
        public var score: ProbeScore
        /// Share of the pairs where the model prefers x⁺: near 0 or 1, the model almost always gives one answer,
        /// and its raw accuracy is the class balance while the calibrated one can be far above it.
        public var prefersPositive: Double
    }

    /// Scores on each seed's held-out pairs (the splits `Elicitation` uses), with bootstrap intervals.
    public func scores(labels: [Int], settings: ElicitSettings, groups: [Int]? = nil) throws -> [SeedScore] {
        try settings.seeds.map { seed in
            let split = try PairSplit(
                count: preferences.count, testFraction: settings.testFraction, seed: seed, groups: groups)
            let test = split.test.map { preferences[$0] }
            return SeedScore(
                seed: seed,
                score: ProbeScore(
                    scores: test, threshold: 0, against: split.test.map { labels[$0] }, intervalSeed: seed),
                prefersPositive: Double(test.filter { $0 > 0 }.count) / Double(max(test.count, 1)))
        }
    }
}
