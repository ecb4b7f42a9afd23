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

    public init(_ url: URL) throws {
        self.url = url
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

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Path, size and modification time: what the activation cache keys on, so a replaced model file
    /// never serves another model's activations.
    public var identity: String { ModelCatalog.fileIdentity(url) }
}
