import Foundation
import SciDLSupport
import SciDLTensor

/// Hidden states of both members of every contrast pair, at one or more layers: in memory, or in an activation
/// file (`ActivationCache`) read one layer's rows at a time, so that a run over many prompts and layers needs
/// the memory of one layer, not of all of them.
public struct ContrastActivations: Sendable {
    /// A pair's member: x⁺ (the statement answered "yes"/true) or x⁻.
    public enum Member: Int, Sendable, CaseIterable {
        case positive = 0
        case negative = 1
        /// The member's tensor name in an activation file.
        var tensorName: String { self == .positive ? "positive" : "negative" }
    }

    enum Storage: Sendable {
        /// [n, layers, d] each.
        case memory(positive: Tensor, negative: Tensor)
        /// `positive` and `negative` as [layers, n, d]: one layer of one member is one contiguous range.
        case file(SafetensorsStreamReader)
    }

    let storage: Storage
    /// 1 when x⁺ is the true member; empty when unknown (unsupervised use only).
    public var labels: [Int]
    /// The name of each layer slot (0 = embeddings for a built-in model; whatever the file said otherwise).
    public let layers: [Int]
    /// Contrast pairs.
    public let count: Int
    public let width: Int

    /// Checks that the parts agree, naming `source` in the error.
    public init(positive: Tensor, negative: Tensor, labels: [Int], layers: [Int], source: String) throws {
        guard positive.rank == 3, positive.shape == negative.shape else {
            throw SciDLError(
                """
                \(source): x⁺ activations have shape \(positive.shape) and x⁻ \(negative.shape); both must be [n, \
                layers, d] alike
                """
            )
        }
        guard positive.scalars.allSatisfy(\.isFinite), negative.scalars.allSatisfy(\.isFinite) else {
            throw SciDLError("\(source): the activations contain NaN or infinite values")
        }
        try self.init(
            .memory(positive: positive, negative: negative), count: positive.shape[0], layers: layers,
            layerCount: positive.shape[1], width: positive.shape[2], labels: labels, source: source)
    }

    /// Activations in an activation file (`positive` and `negative` as [layers, n, d], e.g. from
    /// `ActivationFileWriter`), read from it as needed; `labels` and `layers` as the file holds them.
    init(file: SafetensorsStreamReader, labels: [Int], layers: [Int]) throws {
        let source = file.url.lastPathComponent
        let entries = file.header.entries
        guard let shape = file.shape(of: "positive"), shape.count == 3, file.shape(of: "negative") == shape,
            entries["positive"]?.dtype == "F32", entries["negative"]?.dtype == "F32"
        else {
            throw SciDLError(
                "\(source): an activation file holds 'positive' and 'negative' as F32 [layers, n, d] alike")
        }
        try self.init(
            .file(file), count: shape[1], layers: layers, layerCount: shape[0], width: shape[2], labels: labels,
            source: source)
    }

    private init(
        _ storage: Storage, count: Int, layers: [Int], layerCount: Int, width: Int, labels: [Int], source: String
    ) throws {
        guard count > 0, width > 0 else {
            throw SciDLError("\(source): there are no activations (\(count) pairs of width \(width))")
        }
        guard layers.count == layerCount else {
            throw SciDLError("\(source): \(layers.count) layer names for \(layerCount) layers")
        }
        guard labels.isEmpty || labels.count == count else {
            throw SciDLError("\(source): \(labels.count) labels for \(count) contrast pairs")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw SciDLError("\(source): labels must be 0 or 1") }
        (self.storage, self.count, self.layers, self.width, self.labels) = (storage, count, layers, width, labels)
    }

    /// The rows of pairs `indices` at layer slot `j`, in that order: [indices.count, d] row-major.
    ///
    /// A file is read in chunks of rows, so a layer is never held twice. Reading a file that was checked when
    /// opened fails only with the disk itself, which stops the program with the reason, as a failing memory map
    /// would.
    public func rows(_ member: Member, slot j: Int, pairs indices: [Int]) -> [Float] {
        let (l, d) = (layers.count, width)
        var out = [Float](repeating: 0, count: indices.count * d)
        switch storage {
        case .memory(let positive, let negative):
            let t = member == .positive ? positive : negative
            t.scalars.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    for (r, i) in indices.enumerated() {
                        let from = (i * l + j) * d
                        for k in 0..<d { o[r * d + k] = s[from + k] }
                    }
                }
            }
        case .file(let file):
            // Where each pair goes in `out` (pairs read in file order, a chunk at a time).
            var destination = [Int](repeating: -1, count: count)
            for (r, i) in indices.enumerated() { destination[i] = r }
            guard let lowest = indices.min(), let highest = indices.max() else { return out }
            let chunkRows = max(1, min((1 << 22) / d, highest + 1 - lowest))
            var chunk = [Float](repeating: 0, count: chunkRows * d)
            var first = lowest
            while first <= highest {
                let rows = min(chunkRows, highest + 1 - first)
                if destination[first..<(first + rows)].contains(where: { $0 >= 0 }) {
                    chunk.withUnsafeMutableBufferPointer { c in
                        let start = (j * count + first) * d
                        do {
                            try file.read(
                                member.tensorName, elements: start..<(start + rows * d),
                                into: UnsafeMutableBufferPointer(rebasing: c[0..<(rows * d)]))
                        } catch { fatalError("\((error as? SciDLError)?.message ?? "\(error)")") }
                    }
                    for i in first..<(first + rows) where destination[i] >= 0 {
                        let r = destination[i]
                        out.replaceSubrange(
                            (r * d)..<((r + 1) * d), with: chunk[((i - first) * d)..<((i - first + 1) * d)])
                    }
                }
                first += rows
            }
        }
        return out
    }

    /// Every pair's rows at layer slot `j`, a block of consecutive pairs at a time (about 4 MB per member), in
    /// pair order: `body` gets the block's first pair and its x⁺ and x⁻ rows ([pairs, d] each). How a whole
    /// layer is scanned with one block of it in memory.
    public func forEachBlock(
        slot j: Int, pairsPerBlock: Int? = nil, _ body: (Int, [Float], [Float]) throws -> Void
    ) rethrows {
        let pairsPerBlock = max(1, pairsPerBlock ?? (1 << 20) / width)
        var first = 0
        while first < count {
            let pairs = Array(first..<min(count, first + pairsPerBlock))
            try body(first, rows(.positive, slot: j, pairs: pairs), rows(.negative, slot: j, pairs: pairs))
            first += pairsPerBlock
        }
    }

    /// x⁺ states: [n, layers.count, d] (all of them in memory: for small sets and tests).
    public var positive: Tensor { whole(.positive) }
    /// x⁻ states: [n, layers.count, d] (all of them in memory: for small sets and tests).
    public var negative: Tensor { whole(.negative) }

    private func whole(_ member: Member) -> Tensor {
        if case .memory(let positive, let negative) = storage { return member == .positive ? positive : negative }
        let (l, d) = (layers.count, width)
        var scalars = [Float](repeating: 0, count: count * l * d)
        let all = Array(0..<count)
        for j in 0..<l {
            let slot = rows(member, slot: j, pairs: all)
            for i in 0..<count {
                scalars.replaceSubrange(((i * l + j) * d)..<((i * l + j + 1) * d), with: slot[(i * d)..<((i + 1) * d)])
            }
        }
        return Tensor(shape: [count, l, d], scalars: scalars)
    }

    /// Every byte of both members in [n, layers, d] order, `chunk` pairs at a time: what a hash of the
    /// activations reads, whatever the storage.
    public func forEachPairMajorChunk(_ body: (UnsafeRawBufferPointer) -> Void) {
        for member in Member.allCases {
            if case .memory(let positive, let negative) = storage {
                (member == .positive ? positive : negative).scalars.withUnsafeBytes(body)
                continue
            }
            let (l, d) = (layers.count, width)
            let chunkPairs = max(1, (1 << 22) / (l * d))
            var first = 0
            while first < count {
                let pairs = Array(first..<min(count, first + chunkPairs))
                let slots = (0..<l).map { rows(member, slot: $0, pairs: pairs) }
                var interleaved = [Float](repeating: 0, count: pairs.count * l * d)
                for r in pairs.indices {
                    for j in 0..<l {
                        interleaved.replaceSubrange(
                            ((r * l + j) * d)..<((r * l + j + 1) * d), with: slots[j][(r * d)..<((r + 1) * d)])
                    }
                }
                interleaved.withUnsafeBytes(body)
                first += chunkPairs
            }
        }
    }

    /// The safetensors form, in the layout `ActivationImport` reads: `positive` and `negative` as
    /// [layers, n, d], `labels`, `layers`, plus `metadata`.
    public func file(metadata: [String: String]) -> SafetensorsFile {
        SafetensorsFile(
            tensors: [
                "positive": positive.swappingFirstTwoAxes(), "negative": negative.swappingFirstTwoAxes(),
                "labels": Tensor(shape: [labels.count], scalars: labels.map(Float.init)),
                "layers": Tensor(shape: [layers.count], scalars: layers.map(Float.init)),
            ], metadata: metadata)
    }
}
