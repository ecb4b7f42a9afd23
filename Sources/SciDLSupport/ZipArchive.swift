import Foundation
import CZlib

/// The members of a zip archive, as NumPy's `.npz` files are: stored (`np.savez`) or deflated
/// (`np.savez_compressed`), ZIP64 included. Every offset and size read from the file is checked before
/// use, every member's CRC-32 is verified, and a deflated member may not claim more bytes than deflate can
/// produce from its compressed size (no zip bombs).
public struct ZipArchive: Sendable {
    public struct Member: Sendable {
        public let name: String
        public let data: Data
    }

    public let members: [Member]

    /// Reads the archive in `data`; `source` and `kind` ("a .npz archive") name it in errors.
    public init(_ data: Data, source: String, kind: String = "a zip archive") throws {
        let b = Bytes([UInt8](data), source: source, kind: kind)
        guard b.count >= 22 else { throw b.bad("it is too short to be a zip file") }
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        var eocd = b.count - 22
        while eocd >= max(0, b.count - 22 - 65_535), try b.u32(eocd) != 0x0605_4b50 { eocd -= 1 }
        guard eocd >= 0, b.bytes[eocd] == 0x50 else { throw b.bad("no zip directory found (truncated?)") }
        var offset = try b.u32(eocd + 16)
        members = try (0..<(try b.u16(eocd + 10))).map { _ in
            let entry = try DirectoryEntry(b, at: offset)
            offset = entry.next
            return Member(name: entry.name, data: try entry.contents(of: b))
        }
    }

    /// Little-endian fields of the archive's bytes, each checked to lie inside them.
    private struct Bytes {
        let bytes: [UInt8]
        let source, kind: String
        init(_ bytes: [UInt8], source: String, kind: String) {
            (self.bytes, self.source, self.kind) = (bytes, source, kind)
        }
        var count: Int { bytes.count }

        func bad(_ why: String) -> SciDLError { SciDLError("\(source) is not readable as \(kind): \(why)") }
        func u16(_ i: Int) throws -> Int {
            guard i >= 0, i <= bytes.count - 2 else { throw bad("a zip record runs past the end (truncated?)") }
            return Int(bytes[i]) | Int(bytes[i + 1]) << 8
        }
        func u32(_ i: Int) throws -> Int { try u16(i) | u16(i + 2) << 16 }
        func u64(_ i: Int) throws -> Int {
            let high = try u32(i + 4)
            guard high < 1 << 31 else { throw bad("a ZIP64 size or offset is impossibly large") }
            return try u32(i) | high << 32
        }
    }

    /// One member's record in the central directory.
    private struct DirectoryEntry {
        var name: String
        var method, crc, compressedSize, size, local: Int
        /// Where the next record starts.
        var next: Int

        init(_ b: Bytes, at offset: Int) throws {
            guard offset <= b.count - 46, try b.u32(offset) == 0x0201_4b50 else {
                throw b.bad("its zip directory is damaged")
            }
            (method, crc) = (try b.u16(offset + 10), try b.u32(offset + 16))
            (compressedSize, size) = (try b.u32(offset + 20), try b.u32(offset + 24))
            let (nameLength, extraLength) = (try b.u16(offset + 28), try b.u16(offset + 30))
            local = try b.u32(offset + 42)
            name = printable(
                String(decoding: b.bytes[(offset + 46)..<min(b.count, offset + 46 + nameLength)], as: UTF8.self))
            next = offset + 46 + nameLength + extraLength + (try b.u16(offset + 32))
            if size == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                try readZIP64(b, extra: (offset + 46 + nameLength)..<(offset + 46 + nameLength + extraLength))
            }
        }

        /// ZIP64 (numpy writes it for big arrays): the sizes and offset that overflowed live, in this order, in
        /// the extra field's record 1.
        private mutating func readZIP64(_ b: Bytes, extra: Range<Int>) throws {
            var e = extra.lowerBound
            while e + 4 <= extra.upperBound {
                let (id, length) = (try b.u16(e), try b.u16(e + 2))
                if id == 1 {
                    var f = e + 4
                    let fields: [WritableKeyPath<DirectoryEntry, Int>] = [\.size, \.compressedSize, \.local]
                    for field in fields where self[keyPath: field] == 0xFFFF_FFFF {
                        self[keyPath: field] = try b.u64(f)
                        f += 8
                    }
                }
                e += 4 + length
            }
        }

        /// The member's bytes, inflated if deflated, checked against its CRC-32.
        func contents(of b: Bytes) throws -> Data {
            guard local <= b.count - 30, try b.u32(local) == 0x0403_4b50 else {
                throw b.bad("member \(printable(name)) is damaged")
            }
            let start = local + 30 + (try b.u16(local + 26)) + (try b.u16(local + 28))
            guard let stored = FileArithmetic.range(start: start, length: compressedSize, within: b.count) else {
                throw b.bad("member \(printable(name)) is truncated")
            }
            let contents: Data
            switch method {
            case 0:
                guard size == compressedSize else {
                    throw b.bad("member \(printable(name)) is stored but its two sizes differ")
                }
                contents = Data(b.bytes[stored])
            case 8:
                contents = try b.bytes.withUnsafeBytes { all in
                    try ZipArchive.inflate(UnsafeRawBufferPointer(rebasing: all[stored]), size: size) {
                        b.bad("member \(printable(name)) \($0)")
                    }
                }
            default:
                throw b.bad(
                    """
                    member \(printable(name)) uses compression method \(method); SciDL reads stored and deflated \
                    members
                    """)
            }
            guard ZipArchive.crc32(of: contents) == crc else {
                throw b.bad("member \(printable(name)) fails its CRC-32 check (a damaged file)")
            }
            return contents
        }
    }

    /// Raw deflate (no zlib header, as zip stores it) into exactly `size` bytes.
    static func inflate(
        _ input: UnsafeRawBufferPointer, size: Int, _ bad: (String) -> SciDLError
    ) throws -> Data {
        // Deflate cannot expand a byte into more than 1,032 (RFC 1951's longest match per 258 bytes, in a
        // code of at least a bit and a quarter): a larger claim is a damaged size or a zip bomb.
        let (bound, overflow) = input.count.multipliedReportingOverflow(by: 1032)
        guard !overflow, size <= bound + 64 else {
            throw bad("claims \(size) bytes from \(input.count) compressed ones (more than deflate can produce)")
        }
        guard UInt64(size) <= ProcessInfo.processInfo.physicalMemory else {
            throw bad("needs \(size) bytes uncompressed, more than this machine's memory")
        }
        // zlib refuses null buffers, which empty ones may be: give it at least a byte of each.
        var output = Data(count: max(size, 1))
        var spare: Bytef = 0
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw bad("cannot be inflated (zlib would not start)")
        }
        defer { inflateEnd(&stream) }
        let complete = withUnsafeMutablePointer(to: &spare) { sparePointer in
            output.withUnsafeMutableBytes { out -> Bool in
                stream.next_in =
                    input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
                    ?? sparePointer
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress!
                // zlib counts in 32-bit units: hand it at most 1 GiB of input and of room at a time.
                var inputLeft = input.count
                var outputLeft = size
                while true {
                    if stream.avail_in == 0, inputLeft > 0 {
                        let n = min(inputLeft, 1 << 30)
                        stream.avail_in = uInt(n)
                        inputLeft -= n
                    }
                    if stream.avail_out == 0, outputLeft > 0 {
                        let n = min(outputLeft, 1 << 30)
                        stream.avail_out = uInt(n)
                        outputLeft -= n
                    }
                    switch CZlib.inflate(&stream, Z_NO_FLUSH) {
                    case Z_STREAM_END: return stream.avail_out == 0 && outputLeft == 0
                    case Z_OK: continue
                    case Z_BUF_ERROR
                    where (stream.avail_in == 0 && inputLeft > 0)
                        || (stream.avail_out == 0 && outputLeft > 0):
                        continue
                    default: return false  // damaged data, or more output than claimed, or input ends early
                    }
                }
            }
        }
        guard complete else {
            throw bad("does not inflate to the \(size) bytes its header claims (a damaged file)")
        }
        output.count = size
        return output
    }

    /// CRC-32 as zip uses it, fed to zlib in chunks its 32-bit length can take.
    static func crc32(of data: Data) -> Int {
        data.withUnsafeBytes { raw in
            var crc: uLong = CZlib.crc32(0, nil, 0)
            var at = 0
            while at < raw.count {
                let n = min(raw.count - at, 1 << 30)
                crc = CZlib.crc32(crc, raw.baseAddress!.advanced(by: at).assumingMemoryBound(to: Bytef.self), uInt(n))
                at += n
            }
            return Int(crc)
        }
    }
}
