/// Small vector kernels on raw pointers.
///
/// The compiler may not reorder a floating-point sum, so a plain `s += a[i] * b[i]` loop runs one
/// element at a time. Eight explicit partial sums, combined in a fixed order, let it use vector
/// instructions while keeping the result the same on every run.
@inlinable
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
    var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
    var i = 0
    while i + 8 <= n {
        s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
        s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7]
        i += 8
    }
    var s = ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y ← y + alpha · x over `n` elements.
@inlinable
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
    for i in 0..<n { y[i] += alpha * x[i] }
}
