import Foundation
import SciDLSupport
import SciDLTensor

/// Mutations that know a format's fields, for what byte-level mutation rarely reaches: a GGUF file's string
/// lengths, tensor types and tensor offsets changed one at a time (everything else intact), and a checkpoint's
/// metadata values changed with its checksum written anew — a consistent forgery, which only the reader's own
/// checks can refuse.
struct StructuredMutation {
    /// A field of a binary file: where it is, how wide, and what it holds.
    struct Field {
        enum Kind { case length, type, offset, count }
        var position: Int
        var width: Int
        var kind: Kind
    }

    /// A structured mutant of `input` for `target`, or nil where the target has none (or the input does not
    /// parse, as a mutant of a mutant may not).
    static func mutant(of input: [UInt8], target: FuzzTarget, random: inout SeededGenerator) -> [UInt8]? {
        switch target {
        case .gguf: return ggufMutant(input, random: &random)
        case .checkpoint: return checkpointMutant(input, random: &random)
        default: return nil
        }
    }

    // MARK: GGUF

    static func ggufMutant(_ input: [UInt8], random: inout SeededGenerator) -> [UInt8]? {
        guard let fields = ggufFields(input), !fields.isEmpty else { return nil }
        var bytes = input
        let field = fields[random.nextInt(below: fields.count)]
        let old = read(bytes, field)
        let offsets = fields.filter { $0.kind == .offset }.map { read(input, $0) }
        let new: UInt64
        switch field.kind {
        case .length, .count:
            // Off by one either way, zero, or far too long.
            new = [old &+ 1, old &- 1, 0, old &* 2, UInt64(Int64.max)][random.nextInt(below: 5)]
        case .type:
            // Another ggml type (0…30 holds every defined one and some holes).
            new = UInt64(random.nextInt(below: 31))
        case .offset:
            // Another tensor's start (an overlap), a step of the alignment either way, or past the end.
            let others = offsets.filter { $0 != old }
            let choices = (others.isEmpty ? [] : [others[random.nextInt(below: others.count)]])
                + [old &+ 32, old &- 32, UInt64(input.count)]
            new = choices[random.nextInt(below: choices.count)]
        }
        for k in 0..<field.width { bytes[field.position + k] = UInt8(truncatingIfNeeded: new >> (8 * UInt64(k))) }
        return bytes
    }

    static func read(_ bytes: [UInt8], _ field: Field) -> UInt64 {
        (0..<field.width).reduce(UInt64(0)) { $0 | UInt64(bytes[field.position + $1]) << (8 * UInt64($1)) }
    }

    /// The length, type, count and offset fields of a GGUF file's header, metadata and tensor infos (nil when
    /// the header does not parse).
    static func ggufFields(_ b: [UInt8]) -> [Field]? {
        var at = 0
        var fields: [Field] = []
        func u(_ width: Int) -> UInt64? {
            guard at + width <= b.count else { return nil }
            defer { at += width }
            return (0..<width).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
        }
        func string() -> Bool {
            fields.append(Field(position: at, width: 8, kind: .length))
            guard let n = u(8), n <= UInt64(b.count - at) else { return false }
            at += Int(n)
            return true
        }
        let scalarWidth: [UInt64: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
        func value(_ type: UInt64) -> Bool {
            if let w = scalarWidth[type] { return u(w) != nil }
            if type == 8 { return string() }
            guard type == 9, let elementType = u(4) else { return false }
            fields.append(Field(position: at, width: 8, kind: .count))
            guard let n = u(8), n < 1 << 24 else { return false }
            for _ in 0..<n where !value(elementType) { return false }
            return true
        }
        guard u(4) == 0x4655_4747, u(4) != nil, let tensorCount = u(8), let kvCount = u(8),
            tensorCount < 1 << 20, kvCount < 1 << 20
        else { return nil }
        for _ in 0..<kvCount {
            guard string() else { return nil }
            fields.append(Field(position: at, width: 4, kind: .type))
            guard let type = u(4), value(type) else { return nil }
        }
        for _ in 0..<tensorCount {
            guard string(), let dims = u(4), dims <= 8 else { return nil }
            for _ in 0..<dims { guard u(8) != nil else { return nil } }
            fields.append(Field(position: at, width: 4, kind: .type))
            guard u(4) != nil else { return nil }
            fields.append(Field(position: at, width: 8, kind: .offset))
            guard u(8) != nil else { return nil }
        }
        return fields
    }

    // MARK: Checkpoints

    static let forgedValues = [
        "-1", "0", "1", "2147483648", "9223372036854775807", "-9223372036854775808", "nan", "inf", "-inf", "1e308",
        "", "x", "{}", "0,0,0", "0,0,0,0,0",
    ]

    /// The checkpoint with one metadata value replaced, written anew (a valid checksum).
    static func checkpointMutant(_ input: [UInt8], random: inout SeededGenerator) -> [UInt8]? {
        guard var file = try? SafetensorsFile(data: Data(input)), !file.metadata.isEmpty else { return nil }
        let keys = file.metadata.keys.sorted()
        let key = keys[random.nextInt(below: keys.count)]
        var value = forgedValues[random.nextInt(below: forgedValues.count)]
        if key == "config", random.nextInt(below: 2) == 0, let config = file.metadata[key] {
            // A number inside the config JSON instead of the whole value.
            let digits = config.indices.filter { config[$0].isNumber }
            if !digits.isEmpty {
                let start = digits[random.nextInt(below: digits.count)]
                value = config.replacingCharacters(in: start...start, with: forgedValues[random.nextInt(below: 6)])
            }
        }
        file.metadata[key] = value
        return [UInt8](file.serialized())
    }
}

/// The structured mutations, for tests.
public enum StructuredMutationProbe {
    public static func mutant(_ input: [UInt8], target: FuzzTarget, random: inout SeededGenerator) -> [UInt8]? {
        StructuredMutation.mutant(of: input, target: target, random: &random)
    }
}
