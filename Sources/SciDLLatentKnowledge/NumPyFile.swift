import Foundation
import SciDLSupport
import SciDLTensor

/// NumPy's `.npy` and `.npz` formats, for activations extracted elsewhere.
public enum NumPyFile {
    /// Reads one array (f2/f4/f8, signed/unsigned integers, bool; little-endian, C order) as Float.
    public static func array(from data: Data, source: String) throws -> Tensor {
        func bad(_ why: String) -> SciDLError { SciDLError("\(source) is not a readable .npy array: \(why)") }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw bad("it lacks the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + headerLengthBytes else { throw bad("it is truncated") }
        let headerLength = (0..<headerLengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let start = 8 + headerLengthBytes
        guard data.count >= start + headerLength,
            let header = String(
                data: data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + headerLength)),
                encoding: .utf8)
        else { throw bad("its header is truncated") }
        guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")),
            let shapeText = value(of: "shape", in: header)
        else { throw bad("its header lacks descr or shape") }
        if value(of: "fortran_order", in: header) == "True" {
            throw bad("it is in Fortran order; save it with np.ascontiguousarray")
        }
        guard !descr.hasPrefix(">") else { throw bad("it is big-endian (\(descr)); save it as little-endian ('<f4')") }
        let extents = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = extents.compactMap { Int($0) }
        guard shape.count == extents.count else {
            throw bad("its shape \(printable(shapeText)) is not a tuple of integers")
        }
        let kind = String(descr.drop { $0 == "<" || $0 == "|" || $0 == "=" })
        let names = [
            "f4": "F32", "f8": "F64", "f2": "F16", "i1": "I8", "i2": "I16", "i4": "I32", "i8": "I64",
            "u1": "U8", "u2": "U16", "u4": "U32", "u8": "U64", "b1": "BOOL",
        ]
        guard let dtype = names[kind] else { throw bad("its dtype \(descr) is not a number type SciDL reads") }
        let width = SafetensorsFile.byteWidth[dtype]!
        let body = start + headerLength
        guard let count = FileArithmetic.elementCount(of: shape, elementSize: width, byteLimit: data.count - body)
        else {
            throw bad("shape \(shape) of \(descr) does not fit its \(data.count - body) bytes of data (truncated?)")
        }
        let scalars = data.withUnsafeBytes { raw in
            SafetensorsFile.decode(
                UnsafeRawBufferPointer(rebasing: raw[body..<(body + count * width)]), dtype: dtype, count: count)
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// The value text of `'key': value` in a .npy header dictionary.
    static func value(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// Reads every array of an `.npz` archive (as `np.savez` writes it: a zip of stored `.npy` members).
    public static func arrays(fromArchive data: Data, source: String) throws -> [String: Tensor] {
        func bad(_ why: String) -> SciDLError { SciDLError("\(source) is not a readable .npz archive: \(why)") }
        let b = [UInt8](data)
        // Every read is bounds-checked: offsets and sizes come from the file.
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
        var arrays: [String: Tensor] = [:]
        for _ in 0..<entries {
            guard offset <= b.count - 46, try u32(offset) == 0x0201_4b50 else {
                throw bad("its zip directory is damaged")
            }
            let method = try u16(offset + 10)
            var compressedSize = try u32(offset + 20)
            let nameLength = try u16(offset + 28)
            let extraLength = try u16(offset + 30)
            let commentLength = try u16(offset + 32)
            var local = try u32(offset + 42)
            let name = printable(
                String(decoding: b[(offset + 46)..<min(b.count, offset + 46 + nameLength)], as: UTF8.self))
            // ZIP64 (numpy writes it for big arrays): sizes and offset live in the extra field.
            if compressedSize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                var e = offset + 46 + nameLength
                let end = e + extraLength
                while e + 4 <= end {
                    let id = try u16(e)
                    let size = try u16(e + 2)
                    if id == 1 {
                        var f = e + 4
                        if try u32(offset + 24) == 0xFFFF_FFFF { f += 8 }
                        if compressedSize == 0xFFFF_FFFF {
                            compressedSize = try u64(f)
                            f += 8
                        }
                        if local == 0xFFFF_FFFF { local = try u64(f) }
                    }
                    e += 4 + size
                }
            }
            guard method == 0 else {
                throw bad("member \(name) is compressed (np.savez_compressed); save with np.savez or as .npy files")
            }
            guard local <= b.count - 30, try u32(local) == 0x0403_4b50 else { throw bad("member \(name) is damaged") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard let member = FileArithmetic.range(start: start, length: compressedSize, within: b.count) else {
                throw bad("member \(name) is truncated")
            }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            arrays[key] = try array(
                from: data.subdata(in: (data.startIndex + member.lowerBound)..<(data.startIndex + member.upperBound)),
                source: "\(source):\(name)")
            offset += 46 + nameLength + extraLength + commentLength
        }
        return arrays
    }
}
