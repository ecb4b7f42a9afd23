import Foundation
import SciDLSupport

/// A safetensors file read a range at a time (`pread`), never whole: what a file larger than memory needs, such
/// as the activations of every layer for many prompts. The bytes read pass through the system's file cache, not
/// the process's memory. F32 tensors only (what SciDL writes); `SafetensorsFile` converts other dtypes.
public final class SafetensorsStreamReader: Sendable {
    public let url: URL
    public let header: SafetensorsHeader
    public let fileSize: Int
    private let descriptor: Int32

    /// Opens `url` and parses its header.
    public init(url: URL) throws {
        self.url = url
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SciDLError("cannot read \(url.path): \(String(cString: strerror(errno)))")
        }
        do {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw SciDLError("cannot read \(url.path): \(String(cString: strerror(errno)))")
            }
            let size = Int(status.st_size)
            guard size >= 8 else {
                throw SafetensorsHeader.invalid(url.path, "it has \(size) bytes, fewer than the 8-byte header length")
            }
            var first8 = [UInt8](repeating: 0, count: 8)
            try first8.withUnsafeMutableBytes {
                try Self.readFully(descriptor, into: $0, at: 0, source: url.path)
            }
            let length = first8.withUnsafeBytes { SafetensorsHeader.byteCount(ofHeaderIn: $0) }
            guard length <= UInt64(size) else {
                throw SafetensorsHeader.invalid(url.path, "header length \(length &- 8) exceeds the file size \(size)")
            }
            var start = [UInt8](repeating: 0, count: Int(length))
            try start.withUnsafeMutableBytes {
                try Self.readFully(descriptor, into: $0, at: 0, source: url.path)
            }
            header = try start.withUnsafeBytes { try SafetensorsHeader(start: $0, fileSize: size, source: url.path) }
            fileSize = size
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Checks the data against the checksum SciDL wrote (read back in chunks); files from elsewhere, without
    /// one, pass.
    public func verifyChecksum() throws {
        let metadata = header.metadata
        var hasher: ContentHash.Hasher
        let expected: String
        if let v2 = metadata[SafetensorsFile.checksumKey] {
            (hasher, expected) = (SafetensorsFile.checksumHasher(metadata: metadata), v2)
        } else if let v1 = metadata[SafetensorsFile.dataChecksumKey] {
            (hasher, expected) = (ContentHash.Hasher(), v1)
        } else {
            return
        }
        let chunk = 1 << 23
        var buffer = [UInt8](repeating: 0, count: chunk)
        var position = header.dataStart
        while position < fileSize {
            let n = min(chunk, fileSize - position)
            try buffer.withUnsafeMutableBytes { b in
                let part = UnsafeMutableRawBufferPointer(rebasing: b[0..<n])
                try Self.readFully(descriptor, into: part, at: position, source: url.path)
                hasher.update(UnsafeRawBufferPointer(part))
            }
            position += n
        }
        guard hasher.hex == expected else {
            throw SciDLError(
                "\(url.path) is damaged: its data do not match the checksum SciDL wrote (re-create the file)")
        }
    }

    /// The shape of tensor `name`, or nil.
    public func shape(of name: String) -> [Int]? { header.entries[name]?.shape }

    /// Elements `range` of the F32 tensor `name` into `buffer` (of `range.count` floats).
    public func read(_ name: String, elements range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws
    {
        guard let entry = header.entries[name], entry.dtype == "F32" else {
            throw SciDLError("\(url.path) has no F32 tensor named '\(name)'")
        }
        precondition(range.lowerBound >= 0 && range.upperBound * 4 <= entry.range.count && buffer.count == range.count)
        try Self.readFully(
            descriptor, into: UnsafeMutableRawBufferPointer(buffer), at: entry.range.lowerBound + range.lowerBound * 4,
            source: url.path)
    }

    /// Elements `range` of the F32 tensor `name`.
    public func read(_ name: String, elements range: Range<Int>) throws -> [Float] {
        var out = [Float](repeating: 0, count: range.count)
        try out.withUnsafeMutableBufferPointer { try read(name, elements: range, into: $0) }
        return out
    }

    /// Reads exactly `buffer.count` bytes at `offset` of an open file.
    static func readFully(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, source: String
    )
        throws
    {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            guard n > 0 else {
                let reason = n == 0 ? "the file is shorter than its header says" : String(cString: strerror(errno))
                throw SciDLError("cannot read \(source) at byte \(offset + done): \(reason)")
            }
            done += n
        }
    }
}
