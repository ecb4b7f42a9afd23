import Foundation
import SciDLSupport

/// The header of a safetensors file: an 8-byte little-endian length, then a JSON object mapping each tensor's
/// name to `{dtype, shape, data_offsets}` (plus optional `__metadata__` strings); the data follows it.
/// One parser for both readers: `SafetensorsFile` converts tensors to Float32, `MappedSafetensors` views a
/// decoder's weights in place.
public struct SafetensorsHeader: Sendable {
    /// One tensor: its dtype (a `SafetensorsFile.byteWidth` key), shape, and bytes within the file.
    public struct Entry: Sendable {
        public let dtype: String
        public let shape: [Int]
        public let range: Range<Int>
    }

    public let entries: [String: Entry]
    /// Where the data section starts (after the header).
    public let dataStart: Int
    /// Free-form string metadata (`__metadata__`).
    public let metadata: [String: String]

    /// Parses and checks the header of the file `bytes`: every dtype known, every tensor's byte count
    /// matching its shape, and every tensor inside the file. `source` names the file in error messages.
    public init(_ bytes: UnsafeRawBufferPointer, source: String) throws {
        try self.init(start: bytes, fileSize: bytes.count, source: source)
    }

    /// Parses the header from `start`, the file's first bytes (at least the header's; `byteCount(ofHeaderIn:)`
    /// says how many), for a file of `fileSize` bytes read piece by piece.
    public init(start bytes: UnsafeRawBufferPointer, fileSize size: Int, source: String) throws {
        func bad(_ why: String) -> SciDLError { Self.invalid(source, why) }
        guard size >= 8, bytes.count >= 8 else {
            throw bad("it has \(size) bytes, fewer than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(size - 8), Int(headerLength) + 8 <= bytes.count else {
            throw bad("header length \(headerLength) exceeds the file size \(size)")
        }
        let header = Data(UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(headerLength))]))
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        let base = 8 + Int(headerLength)
        dataStart = base
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ is not a string map") }
                metadata = m
                continue
            }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String,
                let shape = e["shape"] as? [Int], let offsets = e["data_offsets"] as? [Int], offsets.count == 2
            else { throw bad("entry '\(name)' lacks dtype, shape or data_offsets") }
            guard let width = SafetensorsFile.byteWidth[dtype] else {
                throw bad("tensor '\(printable(name))' has unsupported dtype \(printable(dtype))")
            }
            guard let count = FileArithmetic.elementCount(of: shape, elementSize: width) else {
                throw bad("tensor '\(name)' has an impossible shape \(shape)")
            }
            guard let range = FileArithmetic.range(start: offsets[0], end: offsets[1], within: size - base) else {
                throw bad(
                    """
                        tensor '\(name)' has data_offsets \(offsets) outside the \(size - base) bytes of data \
                        (truncated?)
                        """)
            }
            guard range.count == count * width else {
                throw bad(
                    "tensor '\(printable(name))' of shape \(printable("\(shape)")) and dtype \(printable(dtype)) has data_offsets \(printable("\(offsets)"))")
            }
            entries[name] = Entry(
                dtype: dtype, shape: shape, range: (base + range.lowerBound)..<(base + range.upperBound))
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// How many bytes from the start of a file hold its header (the 8-byte length and the JSON), read from
    /// those first 8 bytes.
    public static func byteCount(ofHeaderIn first8: UnsafeRawBufferPointer) -> UInt64 {
        8 &+ UInt64(littleEndian: first8.loadUnaligned(as: UInt64.self))
    }

    static func invalid(_ source: String, _ why: String) -> SciDLError {
        SciDLError("\(source) is not a valid safetensors file: \(why) (re-create or re-download it)")
    }
}
