/// Small vector kernels on raw pointers.
///
/// The compiler may not reorder a floating-point sum, so a plain `s += a[i] * b[i]` loop runs one
/// element at a time. Explicit SIMD partial sums, combined in a fixed order, use vector instructions
/// while keeping the result the same on every run.
@inlinable
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
    // Multiply and add separately: `addingProduct` would become a per-lane library call on CPUs built
    // for without FMA.
    var acc0 = SIMD8<Float>()
    var acc1 = SIMD8<Float>()
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    var i = 0
    while i + 16 <= n {
        acc0 +=
            ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        acc1 +=
            ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
        i += 16
    }
    let acc = acc0 + acc1
    var s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
    while i < n {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// y ← y + alpha · x over `n` elements.
@inlinable
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
    for i in 0..<n { y[i] += alpha * x[i] }
}
