import Foundation
import SciDLTensor

/// SwiGLU's gating (Shazeer 2020), in place: gate ← silu(gate) · up, silu(z) = z / (1 + e^(−z)).
func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
    parallelChunks(count, minimumPerThread: 1 << 14) { range in
        for i in range {
            let z = gate[i]
            gate[i] = z / (1 + expf(-z)) * up[i]
        }
    }
}
