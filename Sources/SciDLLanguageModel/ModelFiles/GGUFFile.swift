import Foundation
import SciDLSupport
import SciDLTensor

/// A GGUF model file (llama.cpp's format, versions 2 and 3): a header, key–value metadata (architecture,
/// hyper-parameters, tokenizer), tensor descriptions, then the tensors' data at `general.alignment`.
///
/// The file is memory-mapped; tensors are views into it (`WeightMatrix`), so quantised weights stay
/// quantised and a model costs about its file size in memory.
public struct GGUFFile: Sendable {
    /// One tensor's description. `shape` is outermost first ([rows, columns] for a matrix), the reverse of
    /// GGUF's `ne` order.
    public struct TensorInfo: Sendable {
        public let name: String
        public let shape: [Int]
        public let type: GGMLType
        /// Byte offset of the data from the start of the file.
        public let offset: Int
        public var elementCount: Int { shape.reduce(1, *) }
        public var byteCount: Int { type.byteCount(elements: elementCount) }
    }

    public let file: MappedFile
    public let version: Int
    public let metadata: [String: GGUFMetadataValue]
    public let tensors: [String: TensorInfo]

    public var source: String { file.url.path }

    public init(contentsOf url: URL) throws {
        try self.init(file: MappedFile(url))
    }

    public init(file: MappedFile) throws {
        self.file = file
        let source = file.url.path
        var r = ByteReader(file.bytes, source: source)
        version = try Self.readHeader(&r, file: file)
        let tensorCount = try r.read(UInt64.self, "the tensor count")
        let metadataCount = try r.read(UInt64.self, "the metadata count")
        // Each tensor description and each key–value pair takes well over 8 bytes: counts beyond that are corrupt.
        let room = UInt64(file.bytes.count / 8)
        guard tensorCount <= room, metadataCount <= room else {
            throw SciDLError(
                """
                \(source) claims \(tensorCount) tensors and \(metadataCount) metadata entries, more than its \
                \(file.bytes.count) bytes can hold (corrupt file)
                """)
        }
        var metadata: [String: GGUFMetadataValue] = [:]
        for i in 0..<Int(metadataCount) {
            let key = try r.string("metadata key \(i)")
            let raw = try r.read(UInt32.self, "the type of \(key)")
            guard let kind = GGUFMetadataValue.Kind(rawValue: raw) else {
                throw SciDLError(
                    "\(source): metadata \(key) has unknown value type \(raw) (corrupt file or newer GGUF)")
            }
            metadata[key] = try GGUFMetadataValue.read(kind, from: &r, key: key)
        }
        self.metadata = metadata
        let descriptions = try (0..<Int(tensorCount)).map { try Self.readTensorDescription(&r, index: $0) }
        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.integer, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                throw SciDLError("\(source): general.alignment is \(value), not a power of two (corrupt file)")
            }
            alignment = a
        }
        tensors = try Self.place(
            descriptions, dataStart: (r.offset + alignment - 1) / alignment * alignment, alignment: alignment,
            fileSize: file.bytes.count, source: source)
    }

    /// The magic number and the version (2 or 3).
    private static func readHeader(_ r: inout ByteReader, file: MappedFile) throws -> Int {
        let source = file.url.path
        guard file.bytes.count >= 4 else {
            throw SciDLError("\(source) is not a GGUF file: it has only \(file.bytes.count) bytes")
        }
        let magic = try r.read(UInt32.self, "the magic number")
        guard magic == 0x4655_4747 else {  // "GGUF"
            let shown = (0..<4).map { file.bytes[$0] }.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "." }
                .joined()
            throw SciDLError(
                """
                \(source) is not a GGUF file: it starts with '\(shown)', not 'GGUF' (give a .gguf model from \
                llama.cpp, Ollama or LM Studio)
                """)
        }
        let version = Int(try r.read(UInt32.self, "the version"))
        guard version == 2 || version == 3 else {
            throw SciDLError(
                """
                \(source) is GGUF version \(version); SciDL reads versions 2 and 3 (convert it with a current \
                llama.cpp)
                """)
        }
        return version
    }

    /// One tensor's description: its name, shape (outermost first), type and offset in the data section.
    private typealias TensorDescription = (name: String, shape: [Int], type: GGMLType, offset: UInt64)

    private static func readTensorDescription(_ r: inout ByteReader, index i: Int) throws -> TensorDescription {
        let source = r.source
        let name = try r.string("the name of tensor \(i)")
        let rank = try r.read(UInt32.self, "the rank of \(name)")
        guard (1...4).contains(rank) else {
            throw SciDLError("\(source): tensor \(name) has \(rank) dimensions (GGUF allows 1 to 4; corrupt file)")
        }
        var ne: [Int] = []
        var elements = 1
        for _ in 0..<rank {
            let extent = try r.read(UInt64.self, "the shape of \(name)")
            guard extent > 0, extent < 1 << 40,
                elements.multipliedReportingOverflow(by: Int(extent)).overflow == false,
                elements * Int(extent) < 1 << 40
            else {
                throw SciDLError("\(source): tensor \(name) has an impossible extent \(extent) (corrupt file)")
            }
            elements *= Int(extent)
            ne.append(Int(extent))
        }
        let rawType = try r.read(UInt32.self, "the type of \(name)")
        guard let type = GGMLType(rawValue: rawType) else {
            throw SciDLError(
                """
                \(source): tensor \(name) is stored as \(GGMLType.names[rawType] ?? "unknown type \(rawType)"), \
                which SciDL does not read (supported: \(GGMLType.supportedNames); re-quantise with e.g. Q4_K_M or Q8_0)
                """)
        }
        guard ne[0] % type.blockLength == 0 else {
            throw SciDLError(
                """
                \(source): tensor \(name) has rows of \(ne[0]) elements, not a multiple of \(type.name)'s block of \
                \(type.blockLength) (corrupt file)
                """)
        }
        let offset = try r.read(UInt64.self, "the offset of \(name)")
        return (name, Array(ne.reversed()), type, offset)
    }

    /// The tensors at their offsets past `dataStart`, each checked to be aligned, inside the file, named once and
    /// clear of the others.
    private static func place(
        _ descriptions: [TensorDescription], dataStart: Int, alignment: Int, fileSize: Int, source: String
    ) throws -> [String: TensorInfo] {
        var tensors: [String: TensorInfo] = [:]
        for info in descriptions {
            guard info.offset % UInt64(alignment) == 0 else {
                throw SciDLError(
                    """
                    \(source): tensor \(info.name) starts at offset \(info.offset), not a multiple of the alignment \
                    \(alignment) (corrupt file)
                    """)
            }
            let t = TensorInfo(
                name: info.name, shape: info.shape, type: info.type, offset: dataStart + Int(clamping: info.offset))
            guard info.offset < UInt64(fileSize), t.offset + t.byteCount <= fileSize else {
                throw SciDLError(
                    """
                    \(source): tensor \(info.name) (\(t.byteCount) bytes at \(info.offset) past the data start) ends \
                    past the end of the \(fileSize)-byte file (truncated download?)
                    """)
            }
            guard tensors[info.name] == nil else {
                throw SciDLError("\(source): tensor \(info.name) appears twice (corrupt file)")
            }
            tensors[info.name] = t
        }
        // Each tensor's bytes are its own: one that runs into the next (an overlap, or a type whose blocks are
        // larger than the ones written) would read another tensor's data as weights.
        let ordered = tensors.values.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw SciDLError(
                """
                \(source): tensors \(printable(a.name)) (\(a.type.name), \(a.byteCount) bytes) and \
                \(printable(b.name)) overlap (corrupt file, or a changed tensor type)
                """)
        }
        return tensors
    }

    /// The matrix (or vector, as one row) called `name`, as a view into the mapped file.
    public func matrix(_ name: String) throws -> WeightMatrix {
        guard let t = tensors[name] else {
            throw SciDLError(
                "\(source) has no tensor \(name) (is it a complete model file of a supported architecture?)")
        }
        let rows = t.shape.count == 1 ? 1 : t.shape.dropLast().reduce(1, *)
        return WeightMatrix(
            bytes: UnsafeRawBufferPointer(rebasing: file.bytes[t.offset..<(t.offset + t.byteCount)]),
            type: t.type, rows: rows, columns: t.shape.last!, owner: file)
    }

    /// A tensor's values as Float (for small tensors such as norms and biases).
    public func floats(_ name: String) throws -> [Float] {
        try matrix(name).dequantized()
    }

    // MARK: Typed metadata access, each failure one line naming the key.

    public func integer(_ key: String) throws -> Int {
        guard let v = metadata[key]?.integer else { throw missing(key, "an integer") }
        return v
    }

    public func number(_ key: String) throws -> Double {
        guard let v = metadata[key]?.number else { throw missing(key, "a number") }
        return v
    }

    public func string(_ key: String) throws -> String {
        guard let v = metadata[key]?.string else { throw missing(key, "a string") }
        return v
    }

    public func strings(_ key: String) throws -> [String] {
        guard let a = metadata[key]?.array else { throw missing(key, "an array of strings") }
        return try a.map {
            guard let s = $0.string else { throw missing(key, "an array of strings") }
            return s
        }
    }

    func missing(_ key: String, _ kind: String) -> SciDLError {
        metadata[key] == nil
            ? SciDLError("\(source) lacks the metadata \(key) (an incomplete or foreign GGUF file)")
            : SciDLError("\(source): metadata \(key) is not \(kind) (corrupt file)")
    }
}
