/// Elementwise maps, reductions and the row-wise operations the models are built from.
///
/// Each function returns a new tensor; hot loops run over raw buffers and split across cores when large.
extension Tensor {
    /// Applies `f` to every element.
    @inlinable
    public func map(_ f: (Float) -> Float) -> Tensor {
        let out = [Float](unsafeUninitializedCapacity: count) { o, initialized in
            scalars.withUnsafeBufferPointer { x in
                parallelChunks(x.count) { r in for i in r { o[i] = f(x[i]) } }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Combines two same-shaped tensors element by element.
    @inlinable
    public func zipMap(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        let out = [Float](unsafeUninitializedCapacity: count) { o, initialized in
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    parallelChunks(a.count) { r in for i in r { o[i] = f(a[i], b[i]) } }
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: out)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.zipMap(b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.zipMap(b, -) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.zipMap(b, *) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { $0 * s } }

    /// Adds `other` into `self` in place (gradient accumulation).
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        scalars.withUnsafeMutableBufferPointer { o in
            other.scalars.withUnsafeBufferPointer { b in
                parallelChunks(o.count) { r in for i in r { o[i] += b[i] } }
            }
        }
    }

    /// Sum of all elements, accumulated in Double so long sums stay accurate.
    public func sum() -> Double {
        scalars.withUnsafeBufferPointer { s in
            var total = 0.0
            for x in s { total += Double(x) }
            return total
        }
    }

    /// Sum of squares of all elements (in Double).
    public func sumOfSquares() -> Double {
        scalars.withUnsafeBufferPointer { s in
            var total = 0.0
            for x in s { total += Double(x) * Double(x) }
            return total
        }
    }

    /// The Euclidean (Frobenius) norm.
    public func norm() -> Double { sumOfSquares().squareRoot() }

    /// Whether every element is finite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }

    // MARK: Rows: the last axis is the feature axis, everything before it a batch of rows.

    /// The length of the last axis.
    public var rowLength: Int { shape.last ?? 1 }
    /// The number of rows (product of all axes but the last).
    public var rowCount: Int { rowLength == 0 ? 0 : count / rowLength }

    /// Adds a vector to every row: `self[..., j] + v[j]`.
    public func addingToEachRow(_ v: Tensor) -> Tensor {
        precondition(v.count == rowLength, "row vector of \(v.count) for rows of \(rowLength)")
        let n = rowLength
        let out = [Float](unsafeUninitializedCapacity: count) { o, initialized in
            scalars.withUnsafeBufferPointer { x in
                v.scalars.withUnsafeBufferPointer { b in
                    parallelChunks(rowCount, minimumPerThread: max(1, (1 << 15) / max(n, 1))) { rows in
                        for i in rows { for j in 0..<n { o[i * n + j] = x[i * n + j] + b[j] } }
                    }
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Sums the rows into one vector of shape `[rowLength]` (the gradient of `addingToEachRow`).
    public func sumOfRows() -> Tensor {
        let n = rowLength
        var out = [Float](repeating: 0, count: n)
        scalars.withUnsafeBufferPointer { s in
            for i in 0..<rowCount { for j in 0..<n { out[j] += s[i * n + j] } }
        }
        return Tensor(shape: [n], scalars: out)
    }

    /// Gathers rows of a rank-2 table: `result[i] = self[indices[i]]`, shape `[indices.count, rowLength]`.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        precondition(rank == 2, "gatherRows needs a table of rank 2, got \(shape)")
        let n = shape[1]
        let v = shape[0]
        let out = [Float](unsafeUninitializedCapacity: indices.count * n) { o, initialized in
            scalars.withUnsafeBufferPointer { t in
                indices.withUnsafeBufferPointer { idx in
                    parallelChunks(indices.count, minimumPerThread: max(1, (1 << 15) / max(n, 1))) { rows in
                        for i in rows {
                            let r = idx[i]
                            precondition(r >= 0 && r < v, "row index \(r) out of range 0..<\(v)")
                            for j in 0..<n { o[i * n + j] = t[r * n + j] }
                        }
                    }
                }
            }
            initialized = indices.count * n
        }
        return Tensor(shape: [indices.count, n], scalars: out)
    }

    /// Adds row `i` of `self` into row `indices[i]` of a zero table with `tableRows` rows (gather's adjoint).
    ///
    /// Cores split the columns, and each column is accumulated in index order, so the result is
    /// deterministic.
    public func scatterAddRows(_ indices: [Int], tableRows: Int) -> Tensor {
        let n = rowLength
        precondition(indices.count == rowCount, "\(indices.count) indices for \(rowCount) rows")
        var out = [Float](repeating: 0, count: tableRows * n)
        scalars.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                indices.withUnsafeBufferPointer { idx in
                    parallelChunks(n, minimumPerThread: indices.count * n >= 1 << 16 ? 8 : n + 1, granularity: 8) {
                        cols in
                        for i in 0..<idx.count {
                            let r = idx[i]
                            for j in cols { o[r * n + j] += s[i * n + j] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [tableRows, n], scalars: out)
    }

    /// Swaps the first two axes of a tensor of rank ≥ 2: `[a, b, rest…] → [b, a, rest…]`.
    public func swappingFirstTwoAxes() -> Tensor {
        precondition(rank >= 2)
        let a = shape[0]
        let b = shape[1]
        let inner = count / max(a * b, 1)
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { s in
            for i in 0..<a {
                for j in 0..<b {
                    for k in 0..<inner {
                        out[(j * a + i) * inner + k] = s[(i * b + j) * inner + k]
                    }
                }
            }
        }
        var newShape = shape
        newShape.swapAt(0, 1)
        return Tensor(shape: newShape, scalars: out)
    }

    /// Concatenates same-shaped-but-last-axis tensors along the last axis.
    public static func concatenatingRows(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        let rows = parts[0].rowCount
        precondition(parts.allSatisfy { $0.rowCount == rows }, "row counts differ in concatenation")
        let width = parts.reduce(0) { $0 + $1.rowLength }
        var out = [Float](repeating: 0, count: rows * width)
        var offset = 0
        for p in parts {
            let n = p.rowLength
            p.scalars.withUnsafeBufferPointer { s in
                for i in 0..<rows { for j in 0..<n { out[i * width + offset + j] = s[i * n + j] } }
            }
            offset += n
        }
        var newShape = parts[0].shape
        newShape[newShape.count - 1] = width
        return Tensor(shape: newShape, scalars: out)
    }

    /// Columns `range` of every row.
    public func sliceRows(columns range: Range<Int>) -> Tensor {
        let n = rowLength
        let w = range.count
        var out = [Float](repeating: 0, count: rowCount * w)
        scalars.withUnsafeBufferPointer { s in
            for i in 0..<rowCount { for j in 0..<w { out[i * w + j] = s[i * n + range.lowerBound + j] } }
        }
        var newShape = shape
        newShape[newShape.count - 1] = w
        return Tensor(shape: newShape, scalars: out)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
