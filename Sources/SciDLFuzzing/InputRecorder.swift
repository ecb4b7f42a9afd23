import Foundation
import SciDLSupport

/// The input being executed, kept in a memory-mapped file: if a reader traps, the kernel still writes the
/// page back, so the input that killed the process can be read after it died (`scripts/fuzz.sh` does).
/// Layout: an 8-byte little-endian length, then the bytes (cut at `capacity`).
public final class InputRecorder {
    let base: UnsafeMutableRawPointer
    let capacity: Int

    public init(file: URL, capacity: Int = 16 << 20) throws {
        let fd = open(file.path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SciDLError("cannot create \(file.path) to record fuzz inputs") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(8 + capacity)) == 0,
            let map = mmap(nil, 8 + capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), map != MAP_FAILED
        else { throw SciDLError("cannot map \(file.path) to record fuzz inputs") }
        base = map
        self.capacity = capacity
    }

    deinit { munmap(base, 8 + capacity) }

    public func record(_ bytes: [UInt8]) {
        let n = min(bytes.count, capacity)
        bytes.withUnsafeBytes { (base + 8).copyMemory(from: $0.baseAddress!, byteCount: n) }
        base.storeBytes(of: UInt64(n).littleEndian, as: UInt64.self)
    }
}
