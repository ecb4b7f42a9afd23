/// XXH64 (Yann Collet's xxHash, 64-bit) of a buffer: fast enough to hash a model's weights on every run
/// (a ~100 MB model in tens of milliseconds) and to checksum every file SciDL writes.
public enum ContentHash {
    static let p1: UInt64 = 11_400_714_785_074_694_791
    static let p2: UInt64 = 14_029_467_366_897_019_727
    static let p3: UInt64 = 1_609_587_929_392_839_161
    static let p4: UInt64 = 9_650_029_242_287_828_579
    static let p5: UInt64 = 2_870_177_450_012_600_261

    @inline(__always) static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { x << r | x >> (64 - r) }
    @inline(__always) static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        rotate(acc &+ lane &* p2, 31) &* p1
    }
    @inline(__always) static func merge(_ h: UInt64, _ v: UInt64) -> UInt64 { (h ^ round(0, v)) &* p1 &+ p4 }

    /// The hash of `bytes` with `seed`.
    public static func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hasher = Hasher(seed: seed)
        hasher.update(bytes)
        return hasher.value
    }

    /// XXH64 of bytes given piece by piece (a file read back in chunks): the same hash as `xxh64` of the pieces
    /// joined, whatever the cut.
    public struct Hasher: Sendable {
        private var lanes: (UInt64, UInt64, UInt64, UInt64)
        private let seed: UInt64
        private var length = 0
        /// Bytes of an unfinished 32-byte stripe, carried to the next `update`.
        private var pending: [UInt8] = []

        public init(seed: UInt64 = 0) {
            self.seed = seed
            lanes = (seed &+ p1 &+ p2, seed &+ p2, seed, seed &- p1)
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            length += bytes.count
            var i = 0
            if !pending.isEmpty {
                let take = min(32 - pending.count, bytes.count)
                pending += bytes[0..<take]
                i = take
                guard pending.count == 32 else { return }
                pending.withUnsafeBytes { stripe($0, at: 0) }
                pending.removeAll(keepingCapacity: true)
            }
            while i + 32 <= bytes.count {
                stripe(bytes, at: i)
                i += 32
            }
            pending += bytes[i...]
        }

        public mutating func update(_ text: String) {
            Array(text.utf8).withUnsafeBytes { update($0) }
        }

        @inline(__always) private mutating func stripe(_ bytes: UnsafeRawBufferPointer, at i: Int) {
            func u64(_ i: Int) -> UInt64 {
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            }
            lanes = (
                round(lanes.0, u64(i)), round(lanes.1, u64(i + 8)), round(lanes.2, u64(i + 16)),
                round(lanes.3, u64(i + 24))
            )
        }

        /// The hash of everything given so far.
        public var value: UInt64 {
            var h: UInt64
            if length >= 32 {
                let (v1, v2, v3, v4) = lanes
                h = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
                h = merge(merge(merge(merge(h, v1), v2), v3), v4)
            } else {
                h = seed &+ p5
            }
            h &+= UInt64(length)
            return pending.withUnsafeBytes { tail in
                let n = tail.count
                func u64(_ i: Int) -> UInt64 {
                    UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                }
                func u32(_ i: Int) -> UInt64 {
                    UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
                }
                var i = 0
                while i + 8 <= n {
                    h = rotate(h ^ round(0, u64(i)), 27) &* p1 &+ p4
                    i += 8
                }
                if i + 4 <= n {
                    h = rotate(h ^ (u32(i) &* p1), 23) &* p2 &+ p3
                    i += 4
                }
                while i < n {
                    h = rotate(h ^ (UInt64(tail[i]) &* p5), 11) &* p1
                    i += 1
                }
                h ^= h >> 33
                h &*= p2
                h ^= h >> 29
                h &*= p3
                h ^= h >> 32
                return h
            }
        }

        /// The hash as 16 hexadecimal digits.
        public var hex: String { ContentHash.hex(value) }
    }

    /// The hash as 16 hexadecimal digits.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String { hex(xxh64(bytes)) }

    static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
