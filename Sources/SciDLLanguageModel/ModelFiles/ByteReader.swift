import SciDLSupport
import SciDLTensor

/// Reads little-endian values one after another out of a byte buffer, with every read bounds-checked: a
/// truncated or corrupt file becomes a `SciDLError` naming the file, never a crash.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let source: String
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, source: String) {
        self.bytes = bytes
        self.source = source
    }

    func truncated(_ what: String) -> SciDLError {
        SciDLError(
            """
                \(source) is truncated or corrupt: it ends inside \(what) at byte \(offset) of \(bytes.count) \
                (re-download the file)
                """
        )
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw truncated(what()) }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    /// A UTF-8 string stored as a 64-bit length and its bytes (invalid UTF-8 is repaired, not refused).
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(bytes.count - offset) else { throw truncated(what()) }
        let s = String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))]), as: UTF8.self)
        offset += Int(length)
        return s
    }
}
