import SciDLTensor

// The gated MLPs' nonlinearities: SwiGLU (Llama, Qwen) and GeGLU (Gemma).

/// SwiGLU's gating (Shazeer 2020), in place: gate ← silu(gate) ⊙ up, silu(z) = z / (1 + e^(−z)), for
/// `rows` rows of `width` values, gate and up rows `rowStride` apart (the two halves of one product).
func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, rowStride: Int, rows: Int, width: Int) {
    parallelChunks(rows, minimumPerThread: max(1, (1 << 14) / width)) { range in
        for r in range {
            let g = gate + r * rowStride
            let u = up + r * rowStride
            var i = 0
            while i + 8 <= width {
                let z = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                let y = Activation.silu(z) * UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(g + i).storeBytes(of: y, as: SIMD8<Float>.self)
                i += 8
            }
            for j in i..<width { g[j] = Activation.silu(SIMD8(repeating: g[j]))[0] * u[j] }
        }
    }
}

/// GeGLU's gating (Shazeer 2020) with GELU's tanh approximation, as Gemma's MLP computes it, in place:
/// gate ← gelu_tanh(gate) ⊙ up (shapes as `swiGLU`).
func geGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, rowStride: Int, rows: Int, width: Int) {
    parallelChunks(rows, minimumPerThread: max(1, (1 << 14) / width)) { range in
        for r in range {
            let g = gate + r * rowStride
            let u = up + r * rowStride
            for j in 0..<width { g[j] = Activation.tanhGELU(g[j]) * u[j] }
        }
    }
}
