import Foundation
import SciDLSupport
import SciDLTensor

/// Hidden states of contrast pairs kept on disk (`$SCIDL_HOME/activations`), one safetensors file per model,
/// prompts, layers and position: the file's name and its `key` metadata are a hash of all of them.
public enum ActivationCache {
    /// The cached activations in `url` with the file's metadata, or nil when there are none to trust: no file,
    /// an unreadable or damaged one, or one made for other prompts or layers. The caller recomputes and
    /// replaces it.
    public static func entry(
        _ url: URL, key: String, pairs: Int, layers: [Int]
    ) -> (activations: ContrastActivations, metadata: [String: String])? {
        guard FileManager.default.fileExists(atPath: url.path),
            let data = try? Data(contentsOf: url, options: .mappedIfSafe)
        else { return nil }
        return entry(data, source: url.path, key: key, pairs: pairs, layers: layers)
    }

    /// The cached activations in a cache file's bytes, or nil.
    public static func read(
        _ data: Data, source: String, key: String, pairs: Int, layers: [Int]
    ) -> ContrastActivations? {
        entry(data, source: source, key: key, pairs: pairs, layers: layers)?.activations
    }

    static func entry(
        _ data: Data, source: String, key: String, pairs: Int, layers: [Int]
    ) -> (activations: ContrastActivations, metadata: [String: String])? {
        guard let file = try? SafetensorsFile(data: data, source: source), file.metadata["key"] == key,
            let cached = try? ActivationImport.activations(from: file.tensors, source: source),
            cached.count == pairs, cached.layers == layers
        else { return nil }
        return (cached, file.metadata)
    }

    /// Writes `activations` to `url` atomically (the write creates the cache folder if needed).
    public static func write(_ activations: ContrastActivations, to url: URL, metadata: [String: String]) throws {
        try activations.file(metadata: metadata).write(to: url)
    }
}
