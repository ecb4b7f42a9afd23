/// A seeded random number generator that gives the same numbers on every platform.
///
/// xoshiro256** seeded through SplitMix64. Normals use Marsaglia's polar method with a logarithm
/// computed here from IEEE basic operations only, because the C library's `log` may differ in the
/// last bit between Linux and macOS, and a seed must mean the same weights everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four words of generator state; saved in checkpoints so a resumed run continues the stream.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator from a 64-bit seed.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from saved state words.
    public init(state: [UInt64]) {
        precondition(state.count == 4)
        self.state = (state[0], state[1], state[2], state[3])
    }

    /// The state as an array, for saving.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool { a.stateWords == b.stateWords }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in `0..<bound`, without modulo bias (rejection sampling).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// A standard normal sample (Marsaglia's polar method).
    public mutating func nextNormal() -> Double {
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * portableLog(s) / s).squareRoot()
            }
        }
    }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }
}

/// Natural logarithm from IEEE basic operations only (exact to ~1 ulp), so results match across platforms.
public func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite)
    // x = m · 2^e with m in [1/√2, √2): log x = e·ln2 + 2·atanh((m−1)/(m+1)).
    var e = Double(x.exponent)
    var m = x.significand  // [1, 2)
    if m > 1.4142135623730951 {
        m /= 2
        e += 1
    }
    let s = (m - 1) / (m + 1)  // |s| < 0.172
    let s2 = s * s
    var term = s
    var sum = 0.0
    var k = 1.0
    while k < 40 {  // s^39 < 1e-30: converged far past double precision
        sum += term / k
        term *= s2
        k += 2
    }
    return e * 0.6931471805599453 + 2 * sum
}

extension Tensor {
    /// A tensor of independent normal samples with the given standard deviation.
    public static func randomNormal(
        _ shape: [Int], standardDeviation: Float = 1,
        using rng: inout SeededGenerator
    ) -> Tensor {
        let n = Tensor.elementCount(shape)
        var s = [Float](repeating: 0, count: n)
        for i in 0..<n { s[i] = Float(rng.nextNormal()) * standardDeviation }
        return Tensor(shape: shape, scalars: s)
    }
}
