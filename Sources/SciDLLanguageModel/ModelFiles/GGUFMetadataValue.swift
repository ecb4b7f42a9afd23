import SciDLSupport
import SciDLTensor

/// One value of a GGUF file's key–value metadata (the format's thirteen value types).
public enum GGUFMetadataValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFMetadataValue])

    /// Any integer type, if it fits an `Int`.
    public var integer: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// Any number, as a Double.
    public var number: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: integer.map(Double.init)
        }
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [GGUFMetadataValue]? { if case .array(let a) = self { a } else { nil } }

    /// The value-type numbers of the GGUF specification.
    enum Kind: UInt32 {
        case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64
    }
}

extension GGUFMetadataValue {
    /// Reads a value of `kind`; arrays nest. `what` names the key in errors.
    static func read(_ kind: Kind, from r: inout ByteReader, key: String, depth: Int = 0) throws -> GGUFMetadataValue {
        let what = "the value of \(key)"
        switch kind {
        case .uint8: return .uint8(try r.read(UInt8.self, what))
        case .int8: return .int8(try r.read(Int8.self, what))
        case .uint16: return .uint16(try r.read(UInt16.self, what))
        case .int16: return .int16(try r.read(Int16.self, what))
        case .uint32: return .uint32(try r.read(UInt32.self, what))
        case .int32: return .int32(try r.read(Int32.self, what))
        case .uint64: return .uint64(try r.read(UInt64.self, what))
        case .int64: return .int64(try r.read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try r.read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try r.read(UInt64.self, what)))
        case .bool:
            let b = try r.read(UInt8.self, what)
            guard b <= 1 else { throw SciDLError("\(r.source): \(key) is a bool stored as \(b) (corrupt file)") }
            return .bool(b == 1)
        case .string: return .string(try r.string(what))
        case .array:
            guard depth < 4 else {
                throw SciDLError("\(r.source): \(key) nests arrays deeper than 4 levels (corrupt file)")
            }
            let raw = try r.read(UInt32.self, "the element type of \(key)")
            guard let element = Kind(rawValue: raw) else {
                throw SciDLError(
                    "\(r.source): \(key) is an array of unknown value type \(raw) (corrupt file or newer GGUF)")
            }
            let count = try r.read(UInt64.self, "the length of \(key)")
            // Every element takes at least one byte: a count past the file's end is corrupt, not a reason to allocate.
            guard count <= UInt64(r.bytes.count - r.offset) else {
                throw SciDLError(
                    "\(r.source): \(key) claims \(count) elements, more than the file holds (truncated or corrupt)")
            }
            var values: [GGUFMetadataValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { values.append(try read(element, from: &r, key: key, depth: depth + 1)) }
            return .array(values)
        }
    }
}
