import Foundation
import SciDLSupport
import SciDLTensor

/// Hidden states of contrast pairs kept on disk (`$SCIDL_HOME/activations`), one safetensors file per model,
/// prompts, layers and position: the file's name and its `key` metadata are a hash of all of them.
public enum ActivationCache {
    /// The cached activations in `url`, or nil when there are none to trust: no file, an unreadable or
    /// damaged one, or one made for other prompts or layers. The caller recomputes and replaces it.
    public static func read(_ url: URL, key: String, pairs: Int, layers: [Int]) -> ContrastActivations? {
        guard FileManager.default.fileExists(atPath: url.path),
            let file = try? SafetensorsFile(contentsOf: url), file.metadata["key"] == key,
            let cached = try? ActivationImport.activations(from: file.tensors, source: url.path),
            cached.count == pairs, cached.layers == layers
        else { return nil }
        return cached
    }

    /// Writes `activations` to `url` (atomically), creating the cache folder if needed.
    public static func write(_ activations: ContrastActivations, to url: URL, metadata: [String: String]) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try activations.file(metadata: metadata).write(to: url)
    }
}
