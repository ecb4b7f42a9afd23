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
        func bad(_ why: String) -> SciDLError { SciDLError("\(source) is not readable as \(kind): \(why)") }
        let b = [UInt8](data)
        func u16(_ i: Int) throws -> Int {
            guard i >= 0, i <= b.count - 2 else { throw bad("a zip record runs past the end (truncated?)") }
            return Int(b[i]) | Int(b[i + 1]) << 8
        }
        func u32(_ i: Int) throws -> Int { try u16(i) | u16(i + 2) << 16 }
        func u64(_ i: Int) throws -> Int {
            let high = try u32(i + 4)
            guard high < 1 << 31 else { throw bad("a ZIP64 size or offset is impossibly large") }
            return try u32(i) | high << 32
        }
        guard b.count >= 22 else { throw bad("it is too short to be a zip file") }
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        var eocd = b.count - 22
        while eocd >= max(0, b.count - 22 - 65_535),
            !(b[eocd] == 0x50 && b[eocd + 1] == 0x4b && b[eocd + 2] == 5 && b[eocd + 3] == 6)
        { eocd -= 1 }
        guard eocd >= 0, b[eocd] == 0x50 else { throw bad("no zip directory found (truncated?)") }
        let entries = try u16(eocd + 10)
        var offset = try u32(eocd + 16)
        var members: [Member] = []
        for _ in 0..<entries {
            guard offset <= b.count - 46, try u32(offset) == 0x0201_4b50 else {
                throw bad("its zip directory is damaged")
            }
            let method = try u16(offset + 10)
            let crc = try u32(offset + 16)
            var compressedSize = try u32(offset + 20)
            var size = try u32(offset + 24)
            let nameLength = try u16(offset + 28)
            let extraLength = try u16(offset + 30)
            let commentLength = try u16(offset + 32)
            var local = try u32(offset + 42)
            let name = printable(
                String(decoding: b[(offset + 46)..<min(b.count, offset + 46 + nameLength)], as: UTF8.self))
            // ZIP64 (numpy writes it for big arrays): the sizes and offset that overflowed live, in this order,
            // in the extra field.
            if size == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                var e = offset + 46 + nameLength
                let end = e + extraLength
                while e + 4 <= end {
                    let id = try u16(e)
                    let length = try u16(e + 2)
                    if id == 1 {
                        var f = e + 4
                        if size == 0xFFFF_FFFF {
                            size = try u64(f)
                            f += 8
                        }
                        if compressedSize == 0xFFFF_FFFF {
                            compressedSize = try u64(f)
                            f += 8
                        }
                        if local == 0xFFFF_FFFF { local = try u64(f) }
                    }
                    e += 4 + length
                }
            }
            guard local <= b.count - 30, try u32(local) == 0x0403_4b50 else { throw bad("member \(printable(name)) is damaged") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard let stored = FileArithmetic.range(start: start, length: compressedSize, within: b.count) else {
                throw bad("member \(printable(name)) is truncated")
            }
            let contents: Data
            switch method {
            case 0:
                guard size == compressedSize else { throw bad("member \(printable(name)) is stored but its two sizes differ") }
                contents = Data(b[stored])
            case 8:
                contents = try b.withUnsafeBytes { all in
                    try Self.inflate(UnsafeRawBufferPointer(rebasing: all[stored]), size: size) {
                        bad("member \(printable(name)) \($0)")
                    }
                }
            default:
                throw bad("member \(printable(name)) uses compression method \(method); SciDL reads stored and deflated members")
            }
            guard Self.crc32(of: contents) == crc else {
                throw bad("member \(printable(name)) fails its CRC-32 check (a damaged file)")
            }
            members.append(Member(name: name, data: contents))
            offset += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
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
