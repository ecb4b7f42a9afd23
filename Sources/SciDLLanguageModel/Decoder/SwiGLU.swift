import SciDLTensor

/// SwiGLU's gating (Shazeer 2020), in place: gate ← silu(gate) · up, silu(z) = z / (1 + e^(−z)).
func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
    parallelChunks(count, minimumPerThread: 1 << 14, granularity: 8) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let z = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD8<Float>.self)
            let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(gate + i).storeBytes(of: Activation.silu(z) * u, as: SIMD8<Float>.self)
            i += 8
        }
        for j in i..<range.upperBound {
            gate[j] = Activation.silu(SIMD8(repeating: gate[j]))[0] * up[j]
        }
    }
}
