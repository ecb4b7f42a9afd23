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

/// `dot(g, t)` and `dt ← dt + alpha · g` in one pass over the three vectors: a row-mixing gradient's two
/// uses of each gathered row. The same arithmetic, in the same order, as `dot` and `axpy` called one
/// after the other, so results do not change; the pass reads `g` once and keeps the loop in registers.
@inlinable
public func dotThenAxpy(
    _ g: UnsafePointer<Float>, _ t: UnsafePointer<Float>, alpha: Float, _ dt: UnsafeMutablePointer<Float>,
    count n: Int
) -> Float {
    var acc0 = SIMD8<Float>()
    var acc1 = SIMD8<Float>()
    let a = SIMD8<Float>(repeating: alpha)
    let rg = UnsafeRawPointer(g)
    let rt = UnsafeRawPointer(t)
    let rd = UnsafeMutableRawPointer(dt)
    var i = 0
    while i + 16 <= n {
        let g0 = rg.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let g1 = rg.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
        acc0 += g0 * rt.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        acc1 += g1 * rt.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
        if alpha != 0 {
            rd.storeBytes(
                of: rd.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + a * g0,
                toByteOffset: 4 * i, as: SIMD8<Float>.self)
            rd.storeBytes(
                of: rd.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self) + a * g1,
                toByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
        }
        i += 16
    }
    let acc = acc0 + acc1
    var s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
    while i < n {
        s += g[i] * t[i]
        if alpha != 0 { dt[i] += alpha * g[i] }
        i += 1
    }
    return s
}
