import Foundation
import SciDLSupport

/// A safetensors file of F32 tensors written a range at a time, in any order (rows as a long pass produces
/// them), so that nothing holds the file in memory. It grows in a temporary file beside `url` (`.NAME.tmp-PID`,
/// as `AtomicFile`) and appears under `url` only when `finish()` has checksummed and flushed it; a writer
/// dropped unfinished removes its temporary file. The bytes equal `SafetensorsFile.serialized()` of the same
/// tensors and metadata, so both readers take it.
public final class SafetensorsStreamWriter {
    public let url: URL
    private let temporary: URL
    private let descriptor: Int32
    /// Where each tensor's first element lies in the file, and how many elements it has.
    private let placement: [String: (offset: Int, count: Int)]
    private let shapes: [(name: String, shape: [Int])]
    private let metadata: [String: String]
    private let dataStart: Int
    public let byteCount: Int
    private var finished = false

    /// Bytes a file of these tensors and metadata takes: what a caller checks against the free disk space.
    public static func byteCount(tensors: [(name: String, shape: [Int])], metadata: [String: String]) -> Int {
        header(tensors, metadata).count + tensors.reduce(0) { $0 + Tensor.elementCount($1.shape) * 4 }
    }

    /// Creates the temporary file at its full size (the data region unwritten and reading as zeros).
    public init(url: URL, tensors: [(name: String, shape: [Int])], metadata: [String: String]) throws {
        self.url = url
        self.metadata = metadata
        shapes = Self.ordered(tensors)
        let directory = url.deletingLastPathComponent()
        temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let header = Self.header(tensors, metadata)
        dataStart = header.count
        var placement: [String: (Int, Int)] = [:]
        var offset = dataStart
        for (name, shape) in shapes {
            placement[name] = (offset, Tensor.elementCount(shape))
            offset += Tensor.elementCount(shape) * 4
        }
        self.placement = placement
        byteCount = offset
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw SciDLError("cannot create the folder \(directory.path): \(RunFolder.describe(error))")
        }
        descriptor = open(temporary.path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw SciDLError(
                "cannot create \(temporary.path): \(String(cString: strerror(errno))) (is the folder writable?)")
        }
        do {
            guard ftruncate(descriptor, off_t(byteCount)) == 0 else { throw failure("reserve \(byteCount) bytes") }
            try header.withUnsafeBytes { try put($0, at: 0) }
        } catch {
            discard()
            throw error
        }
    }

    deinit { if !finished { discard() } }

    /// Writes `values` into tensor `name` from its element `start` on.
    public func write(_ name: String, at start: Int, _ values: UnsafeBufferPointer<Float>) throws {
        guard let (offset, count) = placement[name], start >= 0, start + values.count <= count else {
            preconditionFailure("\(name)[\(start)..<\(start + values.count)] lies outside the file's tensors")
        }
        try put(UnsafeRawBufferPointer(values), at: offset + start * 4)
    }

    /// Checksums the data as written (read back in chunks), completes the header, flushes the file and renames
    /// it to `url`.
    public func finish() throws {
        precondition(!finished, "finish() called twice")
        var hasher = SafetensorsFile.checksumHasher(metadata: metadata)
        let chunk = 1 << 23
        var buffer = [UInt8](repeating: 0, count: chunk)
        var position = dataStart
        while position < byteCount {
            let n = min(chunk, byteCount - position)
            try buffer.withUnsafeMutableBytes { b in
                try SafetensorsStreamReader.readFully(
                    descriptor, into: UnsafeMutableRawBufferPointer(rebasing: b[0..<n]), at: position,
                    source: temporary.path)
                hasher.update(UnsafeRawBufferPointer(rebasing: b[0..<n]))
            }
            position += n
        }
        var complete = metadata
        complete[SafetensorsFile.checksumKey] = hasher.hex
        let header = SafetensorsFile.header(tensors: shapes, metadata: complete)
        precondition(header.count == dataStart, "the checksum changed the header's length")
        try header.withUnsafeBytes { try put($0, at: 0) }
        guard fsync(descriptor) == 0 else { throw failure("flush") }
        close(descriptor)
        finished = true
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw SciDLError("could not replace \(url.path): \(reason)")
        }
    }

    private func put(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            guard n > 0 else { throw failure("write") }
            done += n
        }
    }

    private func failure(_ what: String) -> SciDLError {
        SciDLError(
            """
            could not \(what) \(temporary.path): \(String(cString: strerror(errno))) (is the disk full? free space \
            or choose another folder; nothing was overwritten)
            """)
    }

    private func discard() {
        close(descriptor)
        try? FileManager.default.removeItem(at: temporary)
        finished = true
    }

    /// Tensors in the order `SafetensorsFile` stores them (sorted by name).
    static func ordered(_ tensors: [(name: String, shape: [Int])]) -> [(name: String, shape: [Int])] {
        tensors.sorted { $0.name < $1.name }
    }

    /// The header with a checksum placeholder of the final one's length.
    static func header(_ tensors: [(name: String, shape: [Int])], _ metadata: [String: String]) -> [UInt8] {
        var placeholder = metadata
        placeholder[SafetensorsFile.checksumKey] = String(repeating: "0", count: 16)
        return SafetensorsFile.header(tensors: ordered(tensors), metadata: placeholder)
    }
}
