import Foundation
import SciDLSupport

/// Reading and writing the safetensors format (`SafetensorsHeader` describes it), every tensor in memory.
///
/// F32 is read as is; F64, F16, BF16 and integer tensors are converted to Float on reading.
public struct SafetensorsFile: Sendable {
    /// The tensors by name.
    public var tensors: [String: Tensor]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a file, converting every tensor to Float32.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SciDLError("cannot read \(url.path): \((error as NSError).localizedDescription)")
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses safetensors bytes; `source` names the file in error messages.
    public init(data: Data, source: String = "safetensors data") throws {
        let (tensors, metadata) = try data.withUnsafeBytes { raw in
            let header = try SafetensorsHeader(raw, source: source)
            // Files SciDL wrote carry a checksum of their metadata and data (earlier ones: of their data only);
            // others (from elsewhere) are taken as they are.
            let data = UnsafeRawBufferPointer(rebasing: raw[header.dataStart...])
            if let expected = header.metadata[Self.checksumKey] {
                guard Self.checksum(metadata: header.metadata, data: data) == expected else {
                    throw SciDLError(
                        "\(source) is damaged: its data do not match the checksum SciDL wrote (re-create the file)")
                }
            } else if let expected = header.metadata[Self.dataChecksumKey] {
                guard ContentHash.hex(data) == expected else {
                    throw SciDLError(
                        "\(source) is damaged: its data do not match the checksum SciDL wrote (re-create the file)")
                }
            }
            let tensors = header.entries.mapValues { e in
                Tensor(
                    shape: e.shape,
                    scalars: Self.decode(
                        UnsafeRawBufferPointer(rebasing: raw[e.range]), dtype: e.dtype,
                        count: Tensor.elementCount(e.shape)))
            }
            return (tensors, header.metadata.filter { $0.key != Self.checksumKey && $0.key != Self.dataChecksumKey })
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, or an error naming the file and the missing tensor.
    public func tensor(_ name: String, in source: String = "the safetensors file") throws -> Tensor {
        guard let t = tensors[name] else {
            throw SciDLError(
                """
                    \(source) has no tensor named '\(name)' (it has: \
                    \(tensors.keys.sorted().prefix(12).joined(separator: ", ")))
                    """
            )
        }
        return t
    }

    /// The metadata key of the checksum of the file's metadata and data (XXH64, hexadecimal), written with
    /// every file and checked on reading, so a flipped bit in a checkpoint's step or a cached activation is
    /// noticed, not used.
    public static let checksumKey = "scidl_checksum_v2"
    /// Files written before 2026-12-04 carry a checksum of their data alone, under this key.
    static let dataChecksumKey = "scidl_checksum"

    /// XXH64 of the metadata (sorted, checksums left out) followed by the data.
    static func checksum(metadata: [String: String], data: UnsafeRawBufferPointer) -> String {
        var hasher = checksumHasher(metadata: metadata)
        hasher.update(data)
        return hasher.hex
    }

    /// A hasher that has been given the metadata part of the checksum; the data follow.
    static func checksumHasher(metadata: [String: String]) -> ContentHash.Hasher {
        var hasher = ContentHash.Hasher()
        hasher.update(
            metadata.filter { $0.key != checksumKey && $0.key != dataChecksumKey }.sorted { $0.key < $1.key }
                .map { "\($0.key)\u{0}\($0.value)\u{0}" }.joined())
        return hasher
    }

    /// The file's bytes, tensors in sorted name order, all as F32, with the data's checksum in the metadata.
    public func serialized() -> Data {
        let names = tensors.keys.sorted()
        var body = Data()
        for name in names {
            tensors[name]!.scalars.withUnsafeBytes { body.append(contentsOf: $0) }  // little-endian hosts
        }
        var metadata = self.metadata.filter { $0.key != Self.dataChecksumKey }
        metadata[Self.checksumKey] = body.withUnsafeBytes { Self.checksum(metadata: metadata, data: $0) }
        let header = Self.header(tensors: names.map { ($0, tensors[$0]!.shape) }, metadata: metadata)
        var out = Data(capacity: header.count + body.count)
        out.append(contentsOf: header)
        out.append(body)
        return out
    }

    /// The 8-byte length and the JSON header of a file of F32 `tensors` stored in this order, padded so that
    /// the data start 8-byte aligned.
    static func header(tensors: [(name: String, shape: [Int])], metadata: [String: String]) -> [UInt8] {
        let m = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
        var entries = ["\"__metadata__\":{\(m.joined(separator: ","))}"]
        var offset = 0
        for (name, shape) in tensors {
            let bytes = Tensor.elementCount(shape) * 4
            entries.append(
                "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],"
                    + "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            )
            offset += bytes
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while (header.count + 8) % 8 != 0 { header.append(0x20) }
        return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }

    /// Bytes per element of each dtype SciDL reads (safetensors names; the `.npy` reader maps to them).
    public static let byteWidth: [String: Int] = [
        "F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
    ]

    /// `n` little-endian elements of `dtype` (a `byteWidth` key) as Float.
    public static func decode(_ raw: UnsafeRawBufferPointer, dtype: String, count n: Int) -> [Float] {
        do {
            func load<T>(_: T.Type) -> [T] {
                (0..<n).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
            }
            switch dtype {
            case "F32": return load(Float.self)
            case "F64": return load(Double.self).map { Float($0) }
            case "F16": return load(UInt16.self).map(halfToFloat)
            case "BF16": return load(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
            case "I64": return load(Int64.self).map { Float($0) }
            case "I32": return load(Int32.self).map { Float($0) }
            case "I16": return load(Int16.self).map { Float($0) }
            case "I8": return load(Int8.self).map { Float($0) }
            case "U64": return load(UInt64.self).map { Float($0) }
            case "U32": return load(UInt32.self).map { Float($0) }
            case "U16": return load(UInt16.self).map { Float($0) }
            default: return load(UInt8.self).map { Float($0) }
            }
        }
    }
}

/// IEEE half (binary16) bits to Float, exactly (every half is a float), by moving the bit fields.
@inlinable
public func halfToFloat(_ h: UInt16) -> Float {
    let bits = UInt32(h)
    let sign = (bits & 0x8000) << 16
    let exponent = (bits >> 10) & 0x1F
    let mantissa = bits & 0x3FF
    switch exponent {
    case 0:  // zero or subnormal: mantissa · 2⁻²⁴
        let magnitude = Float(mantissa) * 0x1p-24
        return Float(bitPattern: magnitude.bitPattern | sign)
    case 31: return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default: return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
