import SciDLTensor

/// llama.cpp's block formulas, one function per type: `count` elements (whole blocks) from `blocks` into
/// `out`. Each block stores its own scale (and for `_1` and K types a minimum) as F16; see ggml's
/// `dequantize_row_*`. These are the reference the matrix products run on.
public enum BlockDequantization {
    public static func dequantize(
        _ type: GGMLType, _ blocks: UnsafeRawPointer, count: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let n = count / type.blockLength
        // Block sizes and lengths come from the type (one table, `GGMLType`).
        let (bytes, length) = (type.blockBytes, type.blockLength)
        switch type {
        case .f32: out.update(from: blocks.assumingMemoryBound(to: Float.self), count: count)
        case .f16: for i in 0..<count { out[i] = half(blocks, 2 * i) }
        case .bf16: for i in 0..<count { out[i] = Float(bitPattern: UInt32(u16(blocks, 2 * i)) << 16) }
        case .q4_0: for b in 0..<n { q4_0(blocks + b * bytes, out + b * length) }
        case .q4_1: for b in 0..<n { q4_1(blocks + b * bytes, out + b * length) }
        case .q5_0: for b in 0..<n { q5_0(blocks + b * bytes, out + b * length) }
        case .q5_1: for b in 0..<n { q5_1(blocks + b * bytes, out + b * length) }
        case .q8_0: for b in 0..<n { q8_0(blocks + b * bytes, out + b * length) }
        case .q4_K: for b in 0..<n { kQuant(blocks + b * bytes, out + b * length, fifthBits: false) }
        case .q5_K: for b in 0..<n { kQuant(blocks + b * bytes, out + b * length, fifthBits: true) }
        case .q6_K: for b in 0..<n { q6_K(blocks + b * bytes, out + b * length) }
        }
    }

    @inline(__always) static func u16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float { halfToFloat(u16(p, offset)) }
    @inline(__always) static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> Int {
        Int(p.load(fromByteOffset: offset, as: UInt8.self))
    }

    /// d, 16 bytes: y[j] = d·(low nibble of byte j − 8), y[j+16] = d·(high nibble − 8).
    @inline(__always) static func q4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<16 {
            let q = byte(p, 2 + j)
            y[j] = d * Float((q & 0xF) - 8)
            y[j + 16] = d * Float((q >> 4) - 8)
        }
    }

    /// d, m, 16 bytes: y = d·nibble + m.
    @inline(__always) static func q4_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let m = half(p, 2)
        for j in 0..<16 {
            let q = byte(p, 4 + j)
            y[j] = d * Float(q & 0xF) + m
            y[j + 16] = d * Float(q >> 4) + m
        }
    }

    /// d, 32 fifth bits (a little-endian u32), 16 bytes: y[j] = d·((nibble | fifth bit << 4) − 16).
    @inline(__always) static func q5_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let high = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
        for j in 0..<16 {
            let q = byte(p, 6 + j)
            y[j] = d * Float(((q & 0xF) | ((high >> j) & 1) << 4) - 16)
            y[j + 16] = d * Float(((q >> 4) | ((high >> (j + 16)) & 1) << 4) - 16)
        }
    }

    /// d, m, fifth bits, 16 bytes: y = d·(nibble | fifth bit << 4) + m.
    @inline(__always) static func q5_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let m = half(p, 2)
        let high = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        for j in 0..<16 {
            let q = byte(p, 8 + j)
            y[j] = d * Float((q & 0xF) | ((high >> j) & 1) << 4) + m
            y[j + 16] = d * Float((q >> 4) | ((high >> (j + 16)) & 1) << 4) + m
        }
    }

    /// d, 32 signed bytes: y = d·q.
    @inline(__always) static func q8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<32 { y[j] = d * Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) }
    }

    /// Scale and minimum of sub-block `j` (0..<8) of a K block, packed as 6-bit values in 12 bytes.
    @inline(__always) static func scaleAndMinimum(_ s: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        if j < 4 { return (Float(byte(s, j) & 63), Float(byte(s, j + 4) & 63)) }
        return (
            Float((byte(s, j + 4) & 0xF) | (byte(s, j - 4) >> 6) << 4),
            Float((byte(s, j + 4) >> 4) | (byte(s, j) >> 6) << 4)
        )
    }

    /// Q4_K: d, dmin, 12 bytes of scales, 128 bytes: 8 sub-blocks of 32, y = d·scale·nibble − dmin·minimum;
    /// each 32 bytes hold two sub-blocks (low nibbles, then high nibbles). Q5_K (`fifthBits`) adds a fifth
    /// bit per value from 32 bytes of high bits after the scales (bit 2·pair for the low nibbles, 2·pair + 1
    /// for the high ones), its nibbles following them.
    @inline(__always) static func kQuant(
        _ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, fifthBits: Bool
    ) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = p + 4, high = p + 16, q = p + (fifthBits ? 48 : 16)
        for pair in 0..<4 {
            let (s0, m0) = scaleAndMinimum(scales, 2 * pair)
            let (s1, m1) = scaleAndMinimum(scales, 2 * pair + 1)
            let (d0, d1, n0, n1) = (d * s0, d * s1, dmin * m0, dmin * m1)
            for l in 0..<32 {
                let b = byte(q, 32 * pair + l), h = fifthBits ? byte(high, l) : 0
                y[64 * pair + l] = d0 * Float((b & 0xF) + ((h >> (2 * pair)) & 1) << 4) - n0
                y[64 * pair + 32 + l] = d1 * Float((b >> 4) + ((h >> (2 * pair + 1)) & 1) << 4) - n1
            }
        }
    }

    /// 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed scales, d: 16 sub-blocks of 16,
    /// y = d·scale·(6-bit value − 32), laid out in two halves of 128.
    @inline(__always) static func q6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 208)
        for half in 0..<2 {
            let low = p + 64 * half
            let high = p + 128 + 32 * half
            let scales = p + 192 + 8 * half
            let out = y + 128 * half
            for l in 0..<32 {
                let s = l / 16
                let h = byte(high, l)
                let q1 = ((byte(low, l) & 0xF) | ((h >> 0) & 3) << 4) - 32
                let q2 = ((byte(low, l + 32) & 0xF) | ((h >> 2) & 3) << 4) - 32
                let q3 = ((byte(low, l) >> 4) | ((h >> 4) & 3) << 4) - 32
                let q4 = ((byte(low, l + 32) >> 4) | ((h >> 6) & 3) << 4) - 32
                out[l] = d * Float(scales.load(fromByteOffset: s, as: Int8.self)) * Float(q1)
                out[l + 32] = d * Float(scales.load(fromByteOffset: s + 2, as: Int8.self)) * Float(q2)
                out[l + 64] = d * Float(scales.load(fromByteOffset: s + 4, as: Int8.self)) * Float(q3)
                out[l + 96] = d * Float(scales.load(fromByteOffset: s + 6, as: Int8.self)) * Float(q4)
            }
        }
    }
}
