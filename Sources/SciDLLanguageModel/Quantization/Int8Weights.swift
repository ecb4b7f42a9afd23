#if arch(x86_64)
import SciDLInt8Kernels
#endif

/// Rows of a quantised weight matrix unpacked into the form the tile kernel reads (`RowOctet`): one byte per
/// value, eight rows interleaved four values at a time, and per group of 32 values (16 for Q6_K) each row's
/// scale and minimum as floats, w = scale·value − minimum. Each type's formula is `BlockDequantization`'s,
/// split into its integer and float parts. A panel of rows at a time, into buffers owned by one thread.
final class Int8Weights {
    /// How a type is multiplied: the activations' block length (llama.cpp rounds them per 256 for K-quants, per
    /// 32 otherwise) and the weights' group length (values sharing a scale).
    struct Layout: Hashable {
        let blockLength: Int, groupLength: Int

        /// Nil for float types, which are multiplied exactly.
        init?(_ type: GGMLType) {
            switch type {
            case .q4_K, .q5_K: (blockLength, groupLength) = (256, 32)
            case .q6_K: (blockLength, groupLength) = (256, 16)
            case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: (blockLength, groupLength) = (32, 32)
            case .f32, .f16, .bf16: return nil
            }
        }
    }

    let octets: Int, columns: Int
    /// [octets, columns / 4, 8 rows, 4 values].
    let values: UnsafeMutablePointer<UInt8>
    /// [octets, groups, 8 rows] each (groups of the smallest length, 16: enough for any type).
    let scales: UnsafeMutablePointer<Float>, minimums: UnsafeMutablePointer<Float>
    /// One row's values in column order, before interleaving.
    private let row: UnsafeMutablePointer<UInt8>
    private(set) var groupLength = 32
    /// Q8_0's values are signed bytes.
    private(set) var signedValues = false
    /// The value that stands for 0 (Q4_0 8, Q5_0 16, Q6_K 32), subtracted in the kernel's integer sums.
    private(set) var offset: Int32 = 0
    /// Whether the type has minimums (Q4_1, Q5_1, Q4_K, Q5_K) the kernel applies in float.
    private(set) var hasMinimums = false

    init(capacity rows: Int, columns: Int) {
        octets = (rows + 7) / 8
        self.columns = columns
        values = .allocate(capacity: octets * 8 * columns)
        scales = .allocate(capacity: octets * 8 * columns / 16)
        minimums = .allocate(capacity: octets * 8 * columns / 16)
        row = .allocate(capacity: columns)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        minimums.deallocate()
        row.deallocate()
    }

    #if arch(x86_64)
    /// The kernel's view of octet `o`.
    func octet(_ o: Int) -> RowOctet {
        let groups = columns / groupLength
        return RowOctet(
            values: values + o * 8 * columns, scales: scales + o * 8 * groups,
            minimums: hasMinimums ? minimums + o * 8 * groups : nil, offset: offset, groupLength: groupLength,
            signedValues: signedValues)
    }
    #endif

    /// Unpacks rows `range` of `matrix` into rows 0..<range.count; rows past them up to the octet's end get zero
    /// scales and minimums (their products are 0 and never stored).
    func unpack(_ matrix: WeightMatrix, rows range: Range<Int>) {
        let type = matrix.type
        precondition(range.count <= 8 * octets && matrix.columns == columns)
        groupLength = Layout(type)!.groupLength
        signedValues = type == .q8_0
        offset = Self.offset(type)
        hasMinimums = [.q4_1, .q5_1, .q4_K, .q5_K].contains(type)
        let groups = columns / groupLength
        let perRow = columns / type.blockLength
        for r in 0..<((range.count + 7) / 8 * 8) {
            let (o, lane) = (r / 8, r % 8)
            let groupScales = scales + o * 8 * groups, groupMinimums = minimums + o * 8 * groups
            if r < range.count {
                let blocks = matrix.bytes.baseAddress! + (range.lowerBound + r) * matrix.rowBytes
                for b in 0..<perRow {
                    let p = blocks + b * type.blockBytes
                    let firstGroup = b * type.blockLength / groupLength
                    let out = row + b * type.blockLength
                    let set = { (g: Int, scale: Float, minimum: Float) in
                        groupScales[8 * (firstGroup + g) + lane] = scale
                        groupMinimums[8 * (firstGroup + g) + lane] = minimum
                    }
                    switch type {
                    case .q4_K, .q5_K: Self.kQuant(p, out, fifthBits: type == .q5_K, set)
                    case .q6_K: Self.q6_K(p, out, set)
                    default: Self.smallBlock(type, p, out, set)
                    }
                }
            } else {
                row.update(repeating: 0, count: columns)
                for g in 0..<groups {
                    groupScales[8 * g + lane] = 0
                    groupMinimums[8 * g + lane] = 0
                }
            }
            // Interleave: step s of octet o holds its eight rows' values 4s..<4s+4.
            let interleaved = values + o * 8 * columns
            for s in 0..<(columns / 4) {
                (interleaved + 32 * s + 4 * lane).withMemoryRebound(to: UInt32.self, capacity: 1) {
                    $0.pointee = UnsafeRawPointer(row + 4 * s).loadUnaligned(as: UInt32.self)
                }
            }
        }
    }

    typealias GroupSetter = (_ group: Int, _ scale: Float, _ minimum: Float) -> Void

    /// The stored value that stands for 0.
    static func offset(_ type: GGMLType) -> Int32 {
        switch type {
        case .q4_0: 8
        case .q5_0: 16
        case .q6_K: 32
        default: 0
        }
    }

    /// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0: one group per block; Q4_0's 8 and Q5_0's 16 are offsets (`offset(_:)`),
    /// the _1 types' m a negative minimum; Q8_0's values are signed.
    private static func smallBlock(
        _ type: GGMLType, _ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<UInt8>, _ set: GroupSetter
    ) {
        typealias B = BlockDequantization
        let d = B.half(p, 0)
        if type == .q8_0 {
            for j in 0..<32 { out[j] = p.load(fromByteOffset: 2 + j, as: UInt8.self) }
            set(0, d, 0)
            return
        }
        let hasMinimum = type == .q4_1 || type == .q5_1
        let fifthBits = type == .q5_0 || type == .q5_1
        let high =
            fifthBits ? Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: hasMinimum ? 4 : 2, as: UInt32.self))) : 0
        let nibbles = (hasMinimum ? 4 : 2) + (fifthBits ? 4 : 0)
        for j in 0..<16 {
            let q = B.byte(p, nibbles + j)
            out[j] = UInt8((q & 0xF) | ((high >> j) & 1) << 4)
            out[j + 16] = UInt8((q >> 4) | ((high >> (j + 16)) & 1) << 4)
        }
        set(0, d, hasMinimum ? -B.half(p, 2) : 0)
    }

    /// Q4_K / Q5_K: values as `BlockDequantization.kQuant` reads them; sub-block j (a group of 32) has scale
    /// d·scale_j and minimum dmin·minimum_j.
    private static func kQuant(
        _ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<UInt8>, fifthBits: Bool, _ set: GroupSetter
    ) {
        typealias B = BlockDequantization
        let d = B.half(p, 0), dmin = B.half(p, 2)
        let scalesAt = p + 4, high = p + 16, q = p + (fifthBits ? 48 : 16)
        for pair in 0..<4 {
            for l in 0..<32 {
                let b = B.byte(q, 32 * pair + l), h = fifthBits ? B.byte(high, l) : 0
                out[64 * pair + l] = UInt8((b & 0xF) + ((h >> (2 * pair)) & 1) << 4)
                out[64 * pair + 32 + l] = UInt8((b >> 4) + ((h >> (2 * pair + 1)) & 1) << 4)
            }
        }
        for j in 0..<8 {
            let (scale, minimum) = B.scaleAndMinimum(scalesAt, j)
            set(j, d * scale, dmin * minimum)
        }
    }

    /// Q6_K: 6-bit values before the −32 (the offset); group g (16 values) has scale d·scale_g.
    private static func q6_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<UInt8>, _ set: GroupSetter) {
        typealias B = BlockDequantization
        for half in 0..<2 {
            let low = p + 64 * half, high = p + 128 + 32 * half
            let y = out + 128 * half
            for l in 0..<32 {
                let h = B.byte(high, l)
                y[l] = UInt8((B.byte(low, l) & 0xF) | (h & 3) << 4)
                y[l + 32] = UInt8((B.byte(low, l + 32) & 0xF) | ((h >> 2) & 3) << 4)
                y[l + 64] = UInt8((B.byte(low, l) >> 4) | ((h >> 4) & 3) << 4)
                y[l + 96] = UInt8((B.byte(low, l + 32) >> 4) | ((h >> 6) & 3) << 4)
            }
        }
        let d = B.half(p, 208)
        for g in 0..<16 {
            let scale = d * Float(p.load(fromByteOffset: 192 + g, as: Int8.self))
            set(g, scale, 0)
        }
    }
}
