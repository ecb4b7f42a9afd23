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

    /// The cache file of the preferences of `model` for `pairs`: beside the activations, keyed alike (layers
    /// and position aside: the preferences do not depend on them).
    static func cacheURL(for pairs: [ContrastPair], model: any LanguageModel, settings: ExtractionSettings) -> (URL?, String) {
        var keyed = settings
        keyed.layers = []
        keyed.position = .last
        let key = model.cacheKey(pairs, keyed)
        return (settings.cache?.appendingPathComponent("\(model.name)-\(key)-zero-shot.safetensors"), key)
    }

    /// The preferences of `model` (a decoder) for `pairs`, from the cache or from a pass of their own (when the
    /// activations came from a cache made without them).
    /// A cache file that was there but unusable is named in `damaged`.
    public static func preferences(
        of pairs: [ContrastPair], model: any LanguageModel, settings: ExtractionSettings,
        damaged: inout URL?, progress: (Int) -> Void = { _ in }
    ) throws -> ZeroShot? {
        guard let decoder = model as? DecoderModel else { return nil }
        let (url, key) = cacheURL(for: pairs, model: model, settings: settings)
        if let url, let file = try? SafetensorsFile(contentsOf: url), file.metadata["key"] == key,
            let cached = file.tensors["preference"]?.scalars, cached.count == pairs.count
        {
            progress(pairs.count)
            return ZeroShot(preferences: cached)
        }
        if let url, FileManager.default.fileExists(atPath: url.path) { damaged = url }
        let limit = min(settings.maxTokens ?? model.maxTokens, model.maxTokens)
        let preferences = decoder.decoder.logLikelihoodDifferences(
            pairs.map { (model.tokenize($0.positive, limit: limit).ids, model.tokenize($0.negative, limit: limit).ids) },
            progress: progress
        ).map(Float.init)
        let z = ZeroShot(preferences: preferences)
        try z.write(for: pairs, model: model, settings: settings)
        return z
    }

    /// Keeps the preferences in the cache (nothing without one).
    func write(for pairs: [ContrastPair], model: any LanguageModel, settings: ExtractionSettings) throws {
        let (url, key) = Self.cacheURL(for: pairs, model: model, settings: settings)
        guard let url else { return }
        try SafetensorsFile(
            tensors: ["preference": Tensor(shape: [preferences.count], scalars: preferences)],
            metadata: ["key": key, "model": model.name, "what": "log p(x+) - log p(x-) per contrast pair"]
        ).write(to: url)
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
