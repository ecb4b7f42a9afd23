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
        guard let dtype = names[kind] else { throw bad("its dtype \(printable(descr)) is not a number type SciDL reads") }
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

    /// Reads every array of an `.npz` archive (a zip of `.npy` members, stored by `np.savez` or deflated
    /// by `np.savez_compressed`).
    public static func arrays(fromArchive data: Data, source: String) throws -> [String: Tensor] {
        var arrays: [String: Tensor] = [:]
        for member in try ZipArchive(data, source: source, kind: "a .npz archive").members {
            let key = member.name.hasSuffix(".npy") ? String(member.name.dropLast(4)) : member.name
            arrays[key] = try array(from: member.data, source: "\(source):\(printable(member.name))")
        }
        return arrays
    }
}
