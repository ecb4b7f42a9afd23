import Foundation

/// Rotary position embedding (Su et al. 2021): each pair of a head's first `dimensions` query/key
/// coordinates is rotated by position · θ_i, θ_i = base^(−2i/dimensions) / factor_i.
///
/// Which coordinates pair up depends on where the weights come from. Hugging Face's Llama and every Qwen2
/// pair i with i + dimensions/2 (`halves`, GPT-NeoX's layout). llama.cpp's converter permutes the rows of
/// a Llama's query and key weights so that adjacent coordinates 2i, 2i + 1 pair instead (`adjacentPairs`):
/// the same rotation of the same vectors in another coordinate order, so attention scores are unchanged.
public struct RotaryEmbedding: Sendable, Equatable {
    public enum Pairing: Sendable, Equatable { case halves, adjacentPairs }

    public var base: Float
    public var dimensions: Int
    public var pairing: Pairing
    /// Per-frequency divisors (Llama 3.1's long-context scaling, GGUF `rope_freqs.weight`); nil: all 1.
    public var frequencyFactors: [Float]?

    public init(base: Float, dimensions: Int, pairing: Pairing, frequencyFactors: [Float]? = nil) {
        self.base = base
        self.dimensions = dimensions
        self.pairing = pairing
        self.frequencyFactors = frequencyFactors
    }

    /// cos and sin of position · θ_i for positions 0..<length: [length, dimensions/2] each. Computed as
    /// Hugging Face does (θ in Float, the product in Float) so positions agree to the last bits.
    func table(length: Int) -> (cos: [Float], sin: [Float]) {
        let half = dimensions / 2
        let inverse: [Float] = (0..<half).map { i in
            let theta = 1 / powf(base, Float(2 * i) / Float(dimensions))
            return theta / (frequencyFactors?[i] ?? 1)
        }
        var c = [Float](repeating: 0, count: length * half)
        var s = c
        for p in 0..<length {
            for i in 0..<half {
                let angle = Double(Float(p) * inverse[i])
                c[p * half + i] = Float(Foundation.cos(angle))
                s[p * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (c, s)
    }

    /// Rotates the `heads · headSize` values at the start of every row (rows `rowStride` apart) in place;
    /// row r is at position `positions[r]`.
    func apply(
        _ x: UnsafeMutablePointer<Float>, rowStride: Int, positions: [Int], heads: Int, headSize: Int,
        cos: [Float], sin: [Float]
    ) {
        let half = dimensions / 2
        for (r, p) in positions.enumerated() {
            for h in 0..<heads {
                let v = x + r * rowStride + h * headSize
                for i in 0..<half {
                    let c = cos[p * half + i]
                    let s = sin[p * half + i]
                    let (a, b) = pairing == .halves ? (i, i + half) : (2 * i, 2 * i + 1)
                    let x0 = v[a]
                    let x1 = v[b]
                    v[a] = x0 * c - x1 * s
                    v[b] = x1 * c + x0 * s
                }
            }
        }
    }
}
