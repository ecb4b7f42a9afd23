import Foundation
import SciDLSupport
import SciDLTensor

/// Stores a pass's states batch by batch as `ContrastActivations`: straight into an activation cache file
/// (nothing of earlier batches stays in memory); without a cache, into memory, or — past `memoryLimit` bytes —
/// into a temporary file that is gone when the activations are.
///
/// Prompts come as the pass runs them, x⁺ and x⁻ of pair i as prompts 2i and 2i + 1; the file holds each member
/// as [layers, n, d], so one batch is, per member and layer, one contiguous run of rows.
final class ActivationRecorder {
    private let pairs: Int, layers: [Int], width: Int, labels: [Int], modelName: String
    private let writer: SafetensorsStreamWriter?
    /// Whether the file is a temporary one, removed once it is open for reading.
    private let temporary: Bool
    /// Without a file: [n, layers, d] per member.
    private var memory: [[Float]]

    /// `file`: the cache file and its metadata; without one, activations over `memoryLimit` bytes go to a
    /// temporary file. `note` is told the disk a file needs (when that is over 100 MB); a disk without room for
    /// it is refused before any work.
    init(
        pairs: Int, labels: [Int], layers: [Int], width: Int, file: (url: URL, metadata: [String: String])?,
        modelName: String, memoryLimit: Int = 256_000_000, note: (String) -> Void
    ) throws {
        (self.pairs, self.labels, self.layers, self.width, self.modelName) = (pairs, labels, layers, width, modelName)
        let tensors = Self.tensors(pairs: pairs, layers: layers.count, width: width)
        temporary = file == nil
        guard let file = file ?? Self.temporaryFile(tensors, over: memoryLimit) else {
            writer = nil
            memory = [[Float]](repeating: [Float](repeating: 0, count: pairs * layers.count * width), count: 2)
            return
        }
        memory = []
        let bytes = SafetensorsStreamWriter.byteCount(tensors: tensors, metadata: file.metadata)
        let folder = file.url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: folder.path))?[.systemFreeSize]
            .flatMap { ($0 as? NSNumber)?.int64Value }
        if let free, Int64(bytes) > free {
            throw SciDLError(
                """
                the activations of \(pairs) pairs at \(layers.count) layers need \(Self.size(Int64(bytes))) in \
                \(folder.path), which has \(Self.size(free)) free: free space, point --cache-dir elsewhere, or ask \
                for fewer --layers
                """)
        }
        if bytes > 100_000_000 {
            let room = free.map { " (\(Self.size($0)) free)" } ?? ""
            note(
                """
                activations: \(Self.size(Int64(bytes))) to \(folder.path)\(room), written as the prompts run\
                \(temporary ? " (a temporary file: no --cache)" : "")
                """)
        }
        writer = try SafetensorsStreamWriter(url: file.url, tensors: tensors, metadata: file.metadata)
        try labels.map(Float.init).withUnsafeBufferPointer { try writer?.write("labels", at: 0, $0) }
        try layers.map(Float.init).withUnsafeBufferPointer { try writer?.write("layers", at: 0, $0) }
    }

    /// A temporary file for activations too large to keep in memory, or nil.
    static func temporaryFile(
        _ tensors: [(name: String, shape: [Int])], over memoryLimit: Int
    ) -> (url: URL, metadata: [String: String])? {
        guard SafetensorsStreamWriter.byteCount(tensors: tensors, metadata: [:]) > memoryLimit else { return nil }
        let name = "scidl-activations-\(getpid())-\(UUID().uuidString).safetensors"
        return (FileManager.default.temporaryDirectory.appendingPathComponent(name), [:])
    }

    /// The tensors of an activation file (the layout `ContrastActivations.file(metadata:)` writes).
    static func tensors(pairs n: Int, layers l: Int, width d: Int) -> [(name: String, shape: [Int])] {
        [("labels", [n]), ("layers", [l]), ("negative", [l, n, d]), ("positive", [l, n, d])]
    }

    /// Stores prompts `prompts`' states [prompts.count, layers, d].
    func record(prompts: Range<Int>, states: Tensor) throws {
        let (l, d) = (layers.count, width)
        guard states.scalars.allSatisfy(\.isFinite) else {
            throw SciDLError(
                """
                \(modelName): hidden states are not finite (NaN or infinity) for some prompts: the model file's \
                weights are damaged, or stored in a type SciDL misreads
                """)
        }
        for member in ContrastActivations.Member.allCases {
            let m = member.rawValue
            // Pairs whose member `m` (prompt 2i + m) is in this batch.
            let first = (prompts.lowerBound - m + 1) / 2
            let end = (prompts.upperBound - m + 1) / 2
            guard first < end else { continue }
            func row(_ i: Int, _ j: Int) -> ArraySlice<Float> {
                let b = 2 * i + m - prompts.lowerBound
                return states.scalars[((b * l + j) * d)..<((b * l + j + 1) * d)]
            }
            if let writer {
                for j in 0..<l {
                    let run = (first..<end).flatMap { row($0, j) }
                    try run.withUnsafeBufferPointer {
                        try writer.write(member.tensorName, at: (j * pairs + first) * d, $0)
                    }
                }
            } else {
                for i in first..<end {
                    for j in 0..<l {
                        memory[m].replaceSubrange(((i * l + j) * d)..<((i * l + j + 1) * d), with: row(i, j))
                    }
                }
            }
        }
    }

    /// The activations recorded: the finished file, read back as needed, or the ones in memory.
    func finish() throws -> ContrastActivations {
        guard let writer else {
            let shape = [pairs, layers.count, width]
            return try ContrastActivations(
                positive: Tensor(shape: shape, scalars: memory[0]), negative: Tensor(shape: shape, scalars: memory[1]),
                labels: labels, layers: layers, source: modelName)
        }
        try writer.finish()
        let reader = try SafetensorsStreamReader(url: writer.url)
        // The open file stays readable after its name is gone, and disappears with the reader.
        if temporary { try? FileManager.default.removeItem(at: writer.url) }
        return try ContrastActivations(file: reader, labels: labels, layers: layers)
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1_000_000_000
            ? String(format: "%.1f GB", Double(bytes) / 1e9) : String(format: "%.0f MB", Double(bytes) / 1e6)
    }
}
