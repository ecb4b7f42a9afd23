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

    public init(layers: [Int], position: TokenPosition, cache: URL?, dataName: String, templateName: String) {
        self.layers = layers
        self.position = position
        self.cache = cache
        self.dataName = dataName
        self.templateName = templateName
    }
}

extension LanguageModel {
    /// Hidden states of both members of every pair (cached on disk when `settings.cache` is set);
    /// `progress` counts prompts done out of 2 · pairs.count.
    public func contrastActivations(
        of pairs: [ContrastPair], settings: ExtractionSettings, progress: (Int) -> Void = { _ in }
    ) throws -> (activations: ContrastActivations, fromCache: Bool) {
        guard !pairs.isEmpty else { throw SciDLError("no contrast pairs to encode (the data set is empty)") }
        let key = cacheKey(pairs, settings)
        let url = settings.cache?.appendingPathComponent("\(name)-\(key).safetensors")
        if let url, let cached = ActivationCache.read(url, key: key, pairs: pairs.count, layers: settings.layers) {
            progress(2 * pairs.count)
            return (cached, true)
        }
        // x⁺ and x⁻ side by side, so a decoder computes the prompt they share once (see `SharedPrefixes`).
        let both = try hiddenStates(
            of: pairs.flatMap { [$0.positive, $0.negative] }, layers: settings.layers,
            position: settings.position, progress: progress)
        let rowLength = settings.layers.count * width
        func member(_ m: Int) -> Tensor {
            var scalars: [Float] = []
            scalars.reserveCapacity(pairs.count * rowLength)
            for i in 0..<pairs.count {
                let start = (2 * i + m) * rowLength
                scalars += both.scalars[start..<(start + rowLength)]
            }
            return Tensor(shape: [pairs.count, settings.layers.count, width], scalars: scalars)
        }
        let positive = member(0)
        let negative = member(1)
        let activations = try ContrastActivations(
            positive: positive, negative: negative, labels: pairs.map(\.label),
            layers: settings.layers, source: name)
        if let url {
            try ActivationCache.write(
                activations, to: url,
                metadata: [
                    "key": key, "model": name, "model_identity": identity, "data": settings.dataName,
                    "template": settings.templateName, "position": settings.position.rawValue,
                    "layers": settings.layers.map(String.init).joined(separator: ","), "pairs": "\(pairs.count)",
                ])
        }
        return (activations, false)
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
        for p in pairs {
            mix(p.positive)
            mix(p.negative)
            mix("\(p.label)")
        }
        return String(hash, radix: 16)
    }
}
