import Foundation
import SciDLSupport
import SciDLTensor

/// The safetensors files of a folder: one `model.safetensors`, or the shards a
/// `model.safetensors.index.json` maps tensor names to.
public struct SafetensorsShards: Sendable {
    let files: [String: MappedSafetensors]
    let location: [String: String]

    public init(folder: URL) throws {
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        if let data = try? Data(contentsOf: index) {
            struct Index: Decodable {
                var weightMap: [String: String]
                enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
            }
            guard let map = try? JSONDecoder().decode(Index.self, from: data).weightMap else {
                throw SciDLError("\(index.path) has no weight_map (corrupt index)")
            }
            var files: [String: MappedSafetensors] = [:]
            for name in Set(map.values) {
                guard !name.contains("/"), !name.hasPrefix(".") else {
                    throw SciDLError("\(index.path) names a shard outside the folder: \(name)")
                }
                let url = folder.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw SciDLError(
                        """
                        \(folder.path) lacks the shard \(name) that model.safetensors.index.json lists \
                        (incomplete download)
                        """
                    )
                }
                files[name] = try MappedSafetensors(contentsOf: url)
            }
            self.files = files
            location = map
            return
        }
        let single = folder.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: single.path) else {
            throw SciDLError("\(folder.path) has neither model.safetensors nor model.safetensors.index.json")
        }
        let file = try MappedSafetensors(contentsOf: single)
        files = ["model.safetensors": file]
        location = Dictionary(uniqueKeysWithValues: file.entries.keys.map { ($0, "model.safetensors") })
    }

    func has(_ name: String) -> Bool { location[name].map { files[$0]?.entries[name] != nil } ?? false }

    func matrix(_ name: String) throws -> WeightMatrix {
        guard let file = location[name].flatMap({ files[$0] }) else {
            throw SciDLError("the model's safetensors have no tensor \(name) (an incomplete or unsupported model)")
        }
        return try file.matrix(name)
    }

    /// Identity of every weight file, for the activation cache.
    var identity: String { files.values.map(\.file.identity).sorted().joined(separator: ";") }
}
