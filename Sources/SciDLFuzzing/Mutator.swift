import Foundation
import SciDLTensor

/// Seeded, structure-aware mutations of valid files: bit flips, interesting bytes and integers written over
/// binary fields, numbers in text swapped for extreme ones, snippets that break formats inserted, ranges
/// deleted, duplicated or cut off, and two inputs spliced. The same seed gives the same inputs, so a
/// finding can be replayed.
public struct Mutator {
    var random: SeededGenerator

    public init(seed: UInt64) { random = SeededGenerator(seed: seed, stream: .fuzzing) }

    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x22, 0x2C, 0x2D, 0x30, 0x39, 0x0A, 0x7B, 0x7D]
    static let interestingIntegers: [Int64] = [
        0, 1, -1, 2, 255, 65_535, Int64(Int32.max), Int64(Int32.min), 0xFFFF_FFFF, 1 << 40, 1 << 62, -(1 << 62),
        Int64.max, Int64.min, Int64.max - 7,
    ]
    static let interestingNumbers = [
        "0", "-1", "1", "-0", "2147483648", "4294967296", "4611686018427387904", "9223372036854775807",
        "-9223372036854775808", "18446744073709551616", "1e309", "-1e309", "nan", "3.4e38", "1e-320", "65536",
    ]
    static let snippets = [
        "\"", "{", "}", "[", "]", ",", ":", "\n", "\r\n", "\u{0}", "\u{1B}[2J", "{statement}", "{answer}", "{", "}}",
        "(40, -1, 8)", "'shape': (", "null", "true", "\"\": 1", "\u{FEFF}", "é", "\u{10FFFF}", "\\u0000",
    ]

    /// A mutant of `input`, with `others` available for splicing.
    public mutating func mutate(_ input: [UInt8], others: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...random.nextInt(below: 3) { mutateOnce(&bytes, others: others) }
        return bytes
    }

    mutating func pick<T>(_ options: [T]) -> T { options[random.nextInt(below: options.count)] }

    mutating func position(in bytes: [UInt8]) -> Int { random.nextInt(below: bytes.count + 1) }

    mutating func mutateOnce(_ bytes: inout [UInt8], others: [[UInt8]]) {
        switch random.nextInt(below: 10) {
        case 0 where !bytes.isEmpty:
            bytes[random.nextInt(below: bytes.count)] ^= 1 << UInt8(random.nextInt(below: 8))
        case 1 where !bytes.isEmpty:
            bytes[random.nextInt(below: bytes.count)] = pick(Self.interestingBytes)
        case 2 where bytes.count >= 8:
            // A little-endian integer over a binary field (a length, an offset, a count, a shape).
            let width = pick([1, 2, 4, 8])
            let at = random.nextInt(below: bytes.count - width + 1)
            let value = UInt64(bitPattern: pick(Self.interestingIntegers))
            for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        case 3:
            replaceNumber(&bytes)
        case 4:
            bytes.insert(contentsOf: Array(pick(Self.snippets).utf8), at: position(in: bytes))
        case 5 where !bytes.isEmpty:
            let start = random.nextInt(below: bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + random.nextInt(below: 16)))
        case 6 where !bytes.isEmpty:
            let start = random.nextInt(below: bytes.count)
            let chunk = Array(bytes[start..<min(bytes.count, start + 1 + random.nextInt(below: 64))])
            bytes.insert(contentsOf: chunk, at: position(in: bytes))
        case 7 where !bytes.isEmpty:
            bytes.removeLast(random.nextInt(below: bytes.count) + 1)
        case 8 where !others.isEmpty:
            let other = pick(others)
            let cut = position(in: bytes)
            bytes = Array(bytes[..<cut]) + Array(other[min(cut, other.count)...])
        default:
            replaceNumber(&bytes)
        }
    }

    /// Swaps one run of digits (a JSON number, a CSV field, an `.npy` shape) for an extreme number.
    mutating func replaceNumber(_ bytes: inout [UInt8]) {
        let digits = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) }
        guard !digits.isEmpty else { return }
        var start = pick(digits)
        while start > 0, (0x30...0x39).contains(bytes[start - 1]) { start -= 1 }
        var end = start
        while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: Array(pick(Self.interestingNumbers).utf8))
    }
}
