import Foundation
import SciDLSupport
import SciDLTensor

/// A safetensors file mapped into memory, its F32/F16/BF16 tensors viewed in place as `WeightMatrix`es
/// (the BERT loader's `SafetensorsFile` converts everything to Float32 instead; a decoder's weights stay
/// in their stored precision).
public struct MappedSafetensors: Sendable {
    public struct Entry: Sendable {
        public let dtype: String
        public let shape: [Int]
        let range: Range<Int>
    }

    public let file: MappedFile
    public let entries: [String: Entry]
    public var source: String { file.url.path }

    public init(contentsOf url: URL) throws {
        file = try MappedFile(url)
        let source = url.path
        func bad(_ why: String) -> SciDLError {
            SciDLError("\(source) is not a valid safetensors file: \(why) (re-create or re-download it)")
        }
        var r = ByteReader(file.bytes, source: source)
        let headerLength = try r.read(UInt64.self, "the header length")
        guard headerLength <= UInt64(file.bytes.count - 8) else {
            throw bad("header length \(headerLength) exceeds the file size \(file.bytes.count)")
        }
        let header = Data(file.bytes[8..<(8 + Int(headerLength))])
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        let base = 8 + Int(headerLength)
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String,
                let shape = e["shape"] as? [Int], let offsets = e["data_offsets"] as? [Int], offsets.count == 2,
                shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 })
            else {
                throw bad("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            let width = SafetensorsFile.byteWidth[dtype] ?? 0
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard offsets[0] >= 0, offsets[1] - offsets[0] == count * width, base + offsets[1] <= file.bytes.count
            else {
                throw bad(
                    """
                        tensor '\(name)' of shape \(shape) (\(dtype)) has data_offsets \(offsets) outside the \
                        \(file.bytes.count)-byte file
                        """
                )
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: (base + offsets[0])..<(base + offsets[1]))
        }
        self.entries = entries
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
