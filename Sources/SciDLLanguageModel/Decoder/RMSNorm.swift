import SciDLTensor

/// RMSNorm (Zhang & Sennrich 2019), as Llama computes it in float32: y = x / √(mean(x²) + ε) · weight.
/// Rows of `width` from `x` into `y` (which may be `x`).
func rmsNormalise(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, width d: Int,
    weight: [Float], epsilon: Float
) {
    weight.withUnsafeBufferPointer { w in
        parallelChunks(rows, minimumPerThread: 64) { range in
            for r in range {
                let row = x + r * d
                let out = y + r * d
                var acc = SIMD8<Float>()
                var tail: Float = 0
                let lanes = d / 8 * 8
                for j in stride(from: 0, to: lanes, by: 8) {
                    let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                    acc += v * v
                }
                for j in lanes..<d { tail += row[j] * row[j] }
                let scale = 1 / ((acc.sum() + tail) / Float(d) + epsilon).squareRoot()
                for j in 0..<d { out[j] = w[j] * (row[j] * scale) }
            }
        }
    }
}
