import Foundation
import SciDLSupport
import SciDLTensor

/// A safetensors file mapped into memory, its F32/F16/BF16 tensors viewed in place as `WeightMatrix`es
/// (the BERT loader's `SafetensorsFile` converts everything to Float32 instead; a decoder's weights stay
/// in their stored precision).
public struct MappedSafetensors: Sendable {
    public let file: MappedFile
    public let entries: [String: SafetensorsHeader.Entry]
    public var source: String { file.url.path }

    public init(contentsOf url: URL) throws {
        file = try MappedFile(url)
        entries = try SafetensorsHeader(file.bytes, source: url.path).entries
    }

    /// The tensor `name` as a matrix view ([rows, columns]; a vector is one row).
    public func matrix(_ name: String) throws -> WeightMatrix {
        guard let e = entries[name] else { throw SciDLError("\(source) has no tensor \(name)") }
        let type: GGMLType
        switch e.dtype {
        case "F32": type = .f32
        case "F16": type = .f16
        case "BF16": type = .bf16
        default: throw SciDLError("\(source): tensor \(name) is \(e.dtype); SciDL reads F32, F16 and BF16 weights")
        }
        let columns = e.shape.last ?? 1
        let rows = e.shape.dropLast().reduce(1, *)
        return WeightMatrix(
            bytes: UnsafeRawBufferPointer(rebasing: file.bytes[e.range]), type: type, rows: rows,
            columns: columns, owner: file)
    }
}
