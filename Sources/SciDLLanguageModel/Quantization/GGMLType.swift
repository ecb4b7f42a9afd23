/// How a tensor's elements are stored: plain floats, or llama.cpp's quantisation blocks — a fixed number of
/// elements sharing one or more scales (see `BlockDequantization.swift` for each block's formula).
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30

    /// Elements per block (1 for plain floats).
    public var blockLength: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18  // f16 scale, 16 bytes of 4-bit values
        case .q4_1: 20  // f16 scale and minimum, 16 bytes of 4-bit values
        case .q5_0: 22  // f16 scale, 4 bytes of fifth bits, 16 bytes of low nibbles
        case .q5_1: 24  // as q5_0 plus an f16 minimum
        case .q8_0: 34  // f16 scale, 32 signed bytes
        case .q4_K: 144  // f16 scale and minimum, 12 bytes of 6-bit sub-block scales/minimums, 128 bytes of nibbles
        case .q5_K: 176  // as q4_K plus 32 bytes of fifth bits
        case .q6_K: 210  // 128 bytes low nibbles, 64 bytes high 2 bits, 16 signed sub-block scales, f16 scale
        }
    }

    /// The name llama.cpp and the GGUF tools use.
    public var name: String { Self.names[rawValue] ?? "type \(rawValue)" }

    /// Bytes taken by `count` elements (`count` a multiple of `blockLength`).
    public func byteCount(elements count: Int) -> Int { count / blockLength * blockBytes }

    /// Every type number of ggml, so a file with one SciDL does not read is refused by name.
    static let names: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_2", 5: "Q4_3", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
        10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS",
        18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16",
        26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
    ]

    static var supportedNames: String { allCases.map(\.name).joined(separator: ", ") }
}
