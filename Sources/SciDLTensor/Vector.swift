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

/// The dot product of two arrays of equal length (the kernel above).
@inlinable
public func dot(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "dot of \(a.count) and \(b.count) values")
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in dot(pa.baseAddress!, pb.baseAddress!, count: a.count) }
    }
}

/// The largest of `count` (≥ 1) floats, eight lanes at a time. A NaN never wins a comparison, as with `>`, so
/// NaNs are passed over — unless the first element is one, which is then the result.
@inlinable
public func largest(_ x: UnsafePointer<Float>, count n: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: x[0])
    let raw = UnsafeRawPointer(x)
    var j = 0
    while j + 8 <= n {
        let v = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
        lanes.replace(with: v, where: v .> lanes)
        j += 8
    }
    var m = lanes[0]
    for l in 1..<8 where lanes[l] > m { m = lanes[l] }
    while j < n {
        if x[j] > m { m = x[j] }
        j += 1
    }
    return m
}

/// The index of the first largest of `count` (≥ 1) floats — argmax, as a prediction reads it: NaNs are passed
/// over, and a NaN first element gives 0. The maximum is found eight lanes at a time, then its first position:
/// one predictable branch per element instead of a data-dependent one.
@inlinable
public func indexOfFirstLargest(_ x: UnsafePointer<Float>, count n: Int) -> Int {
    guard n > 1, !x[0].isNaN else { return 0 }
    let m = largest(x, count: n)
    for e in 0..<n where x[e] == m { return e }
    return 0
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
