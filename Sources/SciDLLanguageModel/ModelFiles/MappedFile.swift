import Foundation
import SciDLSupport
import SciDLTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's bytes mapped read-only into memory: a model's weights are paged in from disk as they are read
/// and never copied, so a model needs about its file size in memory (and the pages can be shared).
public final class MappedFile: @unchecked Sendable {
    public let url: URL
    /// The whole file. Valid as long as this object lives; every view of the weights keeps it alive.
    public let bytes: UnsafeRawBufferPointer
    /// Whether `bytes` were allocated by `init(copying:as:)` rather than mapped.
    private let isCopy: Bool

    public init(_ url: URL) throws {
        self.url = url
        isCopy = false
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw SciDLError("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SciDLError("cannot read \(url.path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SciDLError("\(url.path) is not a regular file") }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw SciDLError("cannot map \(url.path) into memory: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    /// A file's bytes already in memory, copied, as if read from `url`: model readers can then be tried on
    /// bytes that never touch the disk (the fuzzer feeds them hundreds of thousands of files).
    public init(copying data: Data, as url: URL) {
        self.url = url
        isCopy = true
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 64)
        _ = data.copyBytes(to: copy.bindMemory(to: UInt8.self))
        bytes = UnsafeRawBufferPointer(copy)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isCopy {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    /// Path, size and modification time: what the activation cache keys on, so a replaced model file
    /// never serves another model's activations.
    public var identity: String { ModelCatalog.fileIdentity(url) }
}
