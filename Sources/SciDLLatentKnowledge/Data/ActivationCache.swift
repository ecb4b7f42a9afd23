import Foundation
import SciDLSupport
import SciDLTensor

/// Hidden states of contrast pairs kept on disk (`$SCIDL_HOME/activations`), one safetensors file per model,
/// prompts, layers and position: the file's name and its `key` metadata are a hash of all of them.
public enum ActivationCache {
    /// The cached activations in `url` with the file's metadata, or nil when there are none to trust: no file,
    /// an unreadable or damaged one, or one made for other prompts or layers. The caller recomputes and
    /// replaces it. The activations stay in the file and are read a layer at a time.
    public static func entry(
        _ url: URL, key: String, pairs: Int, layers: [Int]
    ) -> (activations: ContrastActivations, metadata: [String: String])? {
        guard FileManager.default.fileExists(atPath: url.path),
            let file = try? SafetensorsStreamReader(url: url), file.header.metadata["key"] == key,
            let activations = try? activations(in: file), activations.count == pairs, activations.layers == layers,
            (try? file.verifyChecksum()) != nil
        else { return nil }
        return (activations, file.header.metadata.filter { !$0.key.hasPrefix("scidl_checksum") })
    }

    /// The activations of an activation file, left in it: F32 `positive`/`negative` [layers, n, d], `labels` [n]
    /// (or none; `labels` given here replace them), `layers` [layers].
    static func activations(in file: SafetensorsStreamReader, labels: [Int]? = nil) throws -> ContrastActivations {
        func vector(_ name: String) throws -> [Int]? {
            guard let shape = file.shape(of: name) else { return nil }
            guard shape.count == 1 else { throw SciDLError("\(file.url.path): '\(name)' is not a vector") }
            let values = try file.read(name, elements: 0..<shape[0])
            guard values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else {
                throw SciDLError("\(file.url.path): '\(name)' holds non-integers")
            }
            return values.map { Int($0) }
        }
        let layerCount = file.shape(of: "positive")?.first ?? 0
        return try ContrastActivations(
            file: file, labels: labels ?? vector("labels") ?? [], layers: vector("layers") ?? Array(0..<layerCount))
    }
}
