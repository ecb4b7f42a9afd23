import Foundation
import SciDLLanguageModel
import SciDLSupport
import SciDLTensor

/// Where and how to read contrast-pair activations out of a language model.
public struct ExtractionSettings: Sendable {
    public var layers: [Int]
    public var position: TokenPosition
    /// A folder for cached activations (`nil`: no cache). A run with the same model, prompts, layers
    /// and position reads them back instead of recomputing.
    public var cache: URL?
    /// Descriptions stored in the cache file's metadata.
    public var dataName: String
    public var templateName: String
    /// At most this many tokens per prompt (nil: the model's `maxTokens`); longer prompts lose their start.
    public var maxTokens: Int?

    public init(
        layers: [Int], position: TokenPosition, cache: URL?, dataName: String, templateName: String,
        maxTokens: Int? = nil
    ) {
        self.layers = layers
        self.position = position
        self.cache = cache
        self.dataName = dataName
        self.templateName = templateName
        self.maxTokens = maxTokens
    }
}

/// What one pass of a model over contrast pairs gave: their activations and, for a decoder, its own answer.
public struct ContrastPass: Sendable {
    public var activations: ContrastActivations
    /// Whether the activations were read from the cache rather than computed.
    public var fromCache: Bool
    /// The zero-shot baseline (asked for, and the model a decoder).
    public var zeroShot: ZeroShot?
    /// Prompts (x⁺ and x⁻ counted apart) longer than the token limit, which lost their start.
    public var truncatedPrompts: Int
    /// A cache file that was there but could not be used (damaged), and was recomputed and replaced.
    public var recomputedCacheEntry: URL?
}

extension LanguageModel {
    /// Hidden states of both members of every pair (cached on disk when `settings.cache` is set);
    /// `progress` counts prompts done out of 2 · pairs.count.
    public func contrastActivations(
        of pairs: [ContrastPair], settings: ExtractionSettings, progress: (Int) -> Void = { _ in }
    ) throws -> (activations: ContrastActivations, fromCache: Bool) {
        let pass = try contrastPass(of: pairs, settings: settings, zeroShot: false, progress: progress)
        return (pass.activations, pass.fromCache)
    }

    /// Hidden states of both members of every pair and, with `zeroShot` on a decoder, its own answer
    /// (log p(x⁺) − log p(x⁻)) read from the same pass: the final norm's states where it predicts the answer's
    /// tokens are kept and unembedded, so the baseline costs no second pass over the prompts. Both are cached
    /// when `settings.cache` is set (activations cached by a run without the baseline get it from a pass of
    /// its own). With a cache, each batch's states go straight to the cache file and are read back a layer at a
    /// time, so memory stays that of the model and one batch however many pairs and layers; `note` is told the
    /// disk space the file needs before the pass starts. `progress` counts prompts done out of 2 · pairs.count.
    public func contrastPass(
        of pairs: [ContrastPair], settings: ExtractionSettings, zeroShot wanted: Bool,
        note: (String) -> Void = { _ in }, progress: (Int) -> Void = { _ in }
    ) throws -> ContrastPass {
        guard !pairs.isEmpty else { throw SciDLError("no contrast pairs to encode (the data set is empty)") }
        let key = cacheKey(pairs, settings)
        let url = settings.cache?.appendingPathComponent("\(name)-\(key).safetensors")
        let decoder = wanted ? self as? DecoderModel : nil
        if let url, let cached = ActivationCache.entry(url, key: key, pairs: pairs.count, layers: settings.layers) {
            progress(2 * pairs.count)
            var damaged: URL?
            let zeroShot = try decoder.map { _ in
                try ZeroShot.preferences(of: pairs, model: self, settings: settings, damaged: &damaged)
            }
            return ContrastPass(
                activations: cached.activations, fromCache: true, zeroShot: zeroShot ?? nil,
                truncatedPrompts: cached.metadata["truncated_prompts"].flatMap(Int.init) ?? 0,
                recomputedCacheEntry: damaged)
        }
        // A file under this key that could not be used is damaged (its name is its key): say so, then replace it.
        let damaged = url.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        // x⁺ and x⁻ side by side, so a decoder computes the prompt they share once (see `SharedPrefixes`); the
        // answer positions are read off the same token ids the pass runs on.
        let (ids, truncated) = tokenized(pairs.flatMap { [$0.positive, $0.negative] }, tokenLimit: settings.maxTokens)
        var readout: TokenReadout?
        var targets: [[Int]] = []
        if decoder != nil {
            var positions: [[Int]] = []
            for i in pairs.indices {
                let scored = Decoder.answerPositions(ids[2 * i], ids[2 * i + 1])
                positions += scored.positions
                targets += scored.targets
            }
            readout = TokenReadout(site: .finalNorm, positions: positions)
        }
        let metadata = [
            "key": key, "model": name, "model_identity": identity, "data": settings.dataName,
            "template": settings.templateName, "position": settings.position.rawValue,
            "layers": settings.layers.map(String.init).joined(separator: ","), "pairs": "\(pairs.count)",
            "truncated_prompts": "\(truncated)", "max_tokens": "\(min(settings.maxTokens ?? maxTokens, maxTokens))",
        ]
        let recorder = try ActivationRecorder(
            pairs: pairs.count, labels: pairs.map(\.label), layers: settings.layers, width: width,
            file: url.map { ($0, metadata) }, modelName: name, note: note)
        var logP: [Double] = []
        try forEachBatch(
            of: ids, sites: try settings.layers.map { try site(layer: $0) }, position: settings.position,
            readout: readout
        ) { prompts, batch in
            try recorder.record(prompts: prompts, states: batch.pooled)
            if let decoder, let states = batch.readout {
                logP += decoder.decoder.nextTokenLogProbabilities(states, targets: targets[prompts].flatMap { $0 })
            }
            progress(prompts.upperBound)
        }
        let activations = try recorder.finish()
        var zeroShot: ZeroShot?
        if decoder != nil {
            var preferences: [Float] = []
            var row = 0
            for i in pairs.indices {
                var difference = 0.0
                for (m, sign) in [(2 * i, 1.0), (2 * i + 1, -1.0)] {
                    for _ in targets[m] {
                        difference += sign * logP[row]
                        row += 1
                    }
                }
                preferences.append(Float(difference))
            }
            let z = ZeroShot(preferences: preferences)
            try z.write(for: pairs, model: self, settings: settings)
            zeroShot = z
        }
        return ContrastPass(
            activations: activations, fromCache: false, zeroShot: zeroShot, truncatedPrompts: truncated,
            recomputedCacheEntry: damaged)
    }

    /// FNV-1a over everything that determines the activations: the model file's identity (path, size,
    /// modification time), the prompts, the labels, the layers and the position.
    func cacheKey(_ pairs: [ContrastPair], _ settings: ExtractionSettings) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ s: String) {
            for byte in s.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xFF) &* 0x100_0000_01b3
        }
        mix(identity)
        mix(settings.position.rawValue)
        mix(settings.layers.map(String.init).joined(separator: ","))
        // Only a limit below the model's own changes the prompts (and keys made before the flag stay valid).
        if let limit = settings.maxTokens, limit < maxTokens { mix("max_tokens=\(limit)") }
        for p in pairs {
            mix(p.positive)
            mix(p.negative)
            mix("\(p.label)")
        }
        return String(hash, radix: 16)
    }
}
