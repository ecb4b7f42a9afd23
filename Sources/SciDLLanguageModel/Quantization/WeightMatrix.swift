import SciDLTensor

/// A [rows, columns] weight matrix in its stored form — F32, F16, BF16 or quantisation blocks along each
/// row — viewed in place in a mapped model file. Products dequantise a panel of rows at a time into a
/// small buffer and hand it to the BLAS, so no full-precision copy of the model is ever made.
public struct WeightMatrix: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    public let type: GGMLType
    public let rows: Int, columns: Int
    /// Keeps the bytes alive (the mapped file, or an array owned by a test).
    let owner: AnyObject

    public init(bytes: UnsafeRawBufferPointer, type: GGMLType, rows: Int, columns: Int, owner: AnyObject) {
        precondition(columns % type.blockLength == 0 && bytes.count == rows * type.byteCount(elements: columns))
        self.bytes = bytes
        self.type = type
        self.rows = rows
        self.columns = columns
        self.owner = owner
    }

    var rowBytes: Int { type.byteCount(elements: columns) }

    /// Rows `range` of this matrix, in place: how a fused matrix (Phi-3's q‖k‖v and gate‖up) is taken apart
    /// without a copy.
    public func rows(_ range: Range<Int>) -> WeightMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows)
        return WeightMatrix(
            bytes: UnsafeRawBufferPointer(
                rebasing: bytes[(range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)]),
            type: type, rows: range.count, columns: columns, owner: owner)
    }

    /// Rows `range` as floats into `out` ([range.count, columns]).
    public func dequantizeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        BlockDequantization.dequantize(
            type, bytes.baseAddress! + range.lowerBound * rowBytes,
            count: range.count * columns, into: out)
    }

    /// The whole matrix as floats (row-major).
    public func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { out, initialized in
            dequantizeRows(0..<rows, into: out.baseAddress!)
            initialized = rows * columns
        }
    }

    /// y ← x · Wᵀ + beta · y for x [tokens, columns] (rows `inputStride` apart) and y [tokens, rows] — a
    /// linear layer with PyTorch's [out, in] weight layout (see `WeightStack.multiply`).
    public func multiply(
        _ x: UnsafePointer<Float>, inputStride: Int? = nil, tokens: Int,
        into y: UnsafeMutablePointer<Float>, beta: Float = 0, compute: ComputeMode = .exact
    ) {
        WeightStack([self]).multiply(
            x, inputStride: inputStride, tokens: tokens, into: y, beta: beta, compute: compute)
    }

    /// x · Wᵀ as a new [tokens, rows] tensor.
    public func product(_ x: Tensor, compute: ComputeMode = .exact) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == columns, "input \(x.shape) for a [\(rows), \(columns)] weight")
        let tokens = x.shape[0]
        let out = [Float](unsafeUninitializedCapacity: tokens * rows) { y, initialized in
            x.scalars.withUnsafeBufferPointer {
                multiply($0.baseAddress!, tokens: tokens, into: y.baseAddress!, compute: compute)
            }
            initialized = tokens * rows
        }
        return Tensor(shape: [tokens, rows], scalars: out)
    }
}

/// Bytes owned by a Swift array, for weight matrices made in memory (tests, converted files).
public final class OwnedBytes: @unchecked Sendable {
    let pointer: UnsafeMutableRawBufferPointer
    let count: Int
    public init(_ data: [UInt8]) {
        count = data.count
        pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        pointer.copyBytes(from: data)
    }
    deinit { pointer.deallocate() }
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pointer)[0..<count])
    }
}
