import Foundation
import SciDLLanguageModel
import SciDLTensor

/// Writes GGUF files for tests: metadata of every value type, tensors of every supported type with
/// random contents (quantisation blocks get small, finite scales).
public struct GGUFWriter {
    public var version: UInt32 = 3
    public var alignment = 32
    public var metadata: [(String, GGUFMetadataValue)] = []
    public var tensors: [(name: String, shape: [Int], type: GGMLType, bytes: [UInt8])] = []

    public init() {}

    public mutating func set(_ key: String, _ value: GGUFMetadataValue) { metadata.append((key, value)) }

    /// A [rows, columns] (or [count]) tensor of `type` with random contents.
    public mutating func addRandom(
        _ name: String, _ shape: [Int], _ type: GGMLType, _ rng: inout SeededGenerator, scale: Float = 0.2
    ) {
        tensors.append((name, shape, type, Self.randomBytes(type, elements: shape.reduce(1, *), &rng, scale: scale)))
    }

    public mutating func add(_ name: String, _ values: [Float]) {
        tensors.append(
            (name, [values.count], .f32, values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        )
    }

    public static func randomBytes(
        _ type: GGMLType, elements: Int, _ rng: inout SeededGenerator, scale: Float
    ) -> [UInt8] {
        func normal() -> Float { Float(rng.nextNormal()) * scale }
        switch type {
        case .f32:
            return (0..<elements).flatMap { _ in withUnsafeBytes(of: normal().bitPattern.littleEndian, Array.init) }
        case .f16: return (0..<elements).flatMap { _ in half(normal()) }
        case .bf16:
            return (0..<elements).flatMap { _ in
                withUnsafeBytes(of: UInt16(normal().bitPattern >> 16).littleEndian, Array.init)
            }
        default: break
        }
        var bytes = (0..<type.byteCount(elements: elements)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let scaleOffsets: [Int] =
            switch type {
            case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
            case .q6_K: [208]
            default: [0]
            }
        // Values span roughly ±(levels · scale): keep them near `scale` whatever the type.
        let levels: Float =
            switch type {
            case .q8_0: 128
            case .q4_K, .q5_K: 63 * 16
            case .q6_K: 128 * 32
            default: 16
            }
        for block in 0..<(elements / type.blockLength) {
            for offset in scaleOffsets {
                let value = Float(rng.nextUniform() * 0.9 + 0.1) * scale / levels * (offset == 2 ? 0.5 : 1)
                let h = half(value)
                bytes[block * type.blockBytes + offset] = h[0]
                bytes[block * type.blockBytes + offset + 1] = h[1]
            }
        }
        return bytes
    }

    /// Float to IEEE half bits (round to nearest; normal range only, as the tests need).
    public static func half(_ x: Float) -> [UInt8] {
        let bits = x.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var value: UInt16
        if x == 0 || exponent <= 0 {
            value = sign
        } else {
            let mantissa = (bits & 0x7F_FFFF) + 0x1000  // round half up at bit 13
            value = sign | UInt16(min(exponent + Int(mantissa >> 23), 30)) << 10 | UInt16((mantissa >> 13) & 0x3FF)
        }
        return [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) {
            u64(UInt64(s.utf8.count))
            out += Array(s.utf8)
        }
        func kind(_ v: GGUFMetadataValue) -> UInt32 {
            switch v {
            case .uint8: 0
            case .int8: 1
            case .uint16: 2
            case .int16: 3
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            case .int64: 11
            case .float64: 12
            }
        }
        func payload(_ v: GGUFMetadataValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .uint32(let x): u32(x)
            case .int32(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .uint64(let x): u64(x)
            case .int64(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .float32(let x): u32(x.bitPattern)
            case .float64(let x): u64(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let s): string(s)
            case .array(let a):
                u32(a.first.map(kind) ?? 8)
                u64(UInt64(a.count))
                a.forEach(payload)
            }
        }
        out += Array("GGUF".utf8)
        u32(version)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            u32(kind(value))
            payload(value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            string(t.name)
            u32(UInt32(t.shape.count))
            for extent in t.shape.reversed() { u64(UInt64(extent)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            offsets.append(offset)
            offset = (offset + t.bytes.count + alignment - 1) / alignment * alignment
        }
        while out.count % alignment != 0 { out.append(0) }
        let start = out.count
        for (t, o) in zip(tensors, offsets) {
            while out.count < start + o { out.append(0) }
            out += t.bytes
        }
        return out
    }

    /// Writes the file into a fresh temporary folder and returns its URL.
    public func write(named name: String = "model.gguf") throws -> URL {
        try Self.writeBytes(bytes(), named: name)
    }

    /// Writes `bytes` as a file in a fresh temporary folder and returns its URL.
    public static func writeBytes(_ bytes: [UInt8], named name: String = "model.gguf") throws -> URL {
        let dir = ScratchFolder.url("scidl-gguf")
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}

extension GGUFMetadataValue {
    public static func strings(_ s: [String]) -> GGUFMetadataValue { .array(s.map { .string($0) }) }
    public static func int32s(_ v: [Int]) -> GGUFMetadataValue { .array(v.map { .int32(Int32($0)) }) }
    public static func float32s(_ v: [Float]) -> GGUFMetadataValue { .array(v.map { .float32($0) }) }
}
