import SciDLTensor

// Differentiable operations. Each one computes its value and, beside it, its pullback: the map from the
// output's gradient to the inputs' gradients. Shapes are in the comments.

extension Variable {
    /// op(a) · op(b). a: [..., k] (or [k, m] transposed), b: [k, n] (or [n, k]) → [..., n].
    public static func matmul(
        _ a: Variable, _ b: Variable,
        transposingA: Bool = false, transposingB: Bool = false
    ) -> Variable {
        let out = Tensor.matmul(a.value, b.value, transposingA: transposingA, transposingB: transposingB)
        let av = a.value
        let bv = b.value
        return Variable(out, parents: [a, b]) { g in
            // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC (and the transposed variants).
            let g2 = g.reshaped([g.count / g.rowLength, g.rowLength])
            let a2 = av.rank > 2 ? av.reshaped([av.rowCount, av.rowLength]) : av
            var ga: Tensor? = nil
            var gb: Tensor? = nil
            if a.requiresGrad {
                ga =
                    transposingA
                    ? Tensor.matmul(bv, g2, transposingA: transposingB, transposingB: true)
                    : Tensor.matmul(g2, bv, transposingB: !transposingB).reshaped(av.shape)
            }
            if b.requiresGrad {
                gb =
                    transposingB
                    ? Tensor.matmul(g2, a2, transposingA: true, transposingB: transposingA)
                    : Tensor.matmul(a2, g2, transposingA: !transposingA)
            }
            return [ga, gb]
        }
    }

    /// Elementwise sum of same-shaped values.
    public static func + (a: Variable, b: Variable) -> Variable {
        Variable(a.value + b.value, parents: [a, b]) { g in [g, g] }
    }

    /// Elementwise difference of same-shaped values.
    public static func - (a: Variable, b: Variable) -> Variable {
        Variable(a.value - b.value, parents: [a, b]) { g in [g, g * -1] }
    }

    /// Elementwise product of same-shaped values.
    public static func * (a: Variable, b: Variable) -> Variable {
        let av = a.value
        let bv = b.value
        return Variable(av * bv, parents: [a, b]) { g in [g * bv, g * av] }
    }

    /// Multiplication by a constant.
    public static func * (a: Variable, s: Float) -> Variable {
        Variable(a.value * s, parents: [a]) { g in [g * s] }
    }

    /// Adds a vector to every row. self: [..., n], bias: [n].
    public func addingToEachRow(_ bias: Variable) -> Variable {
        Variable(value.addingToEachRow(bias.value), parents: [self, bias]) { g in
            [g, g.sumOfRows().reshaped(bias.value.shape)]
        }
    }

    /// max(x, 0) elementwise.
    public func relu() -> Variable {
        let out = value.map { max($0, 0) }
        return Variable(out, parents: [self]) { g in
            [g.zipMap(out) { gi, y in y > 0 ? gi : 0 }]
        }
    }

    /// The same values with another shape.
    public func reshaped(_ shape: [Int]) -> Variable {
        let old = value.shape
        return Variable(value.reshaped(shape), parents: [self]) { g in [g.reshaped(old)] }
    }

    /// Swaps the first two axes: [a, b, ...] → [b, a, ...].
    public func swappingFirstTwoAxes() -> Variable {
        Variable(value.swappingFirstTwoAxes(), parents: [self]) { g in [g.swappingFirstTwoAxes()] }
    }

    /// Rows of a table picked by index (an embedding lookup). self: [V, n] → [indices.count, n].
    public func gatherRows(_ indices: [Int]) -> Variable {
        let rows = value.shape[0]
        return Variable(value.gatherRows(indices), parents: [self]) { g in
            [g.scatterAddRows(indices, tableRows: rows)]
        }
    }

    /// Concatenation along the last axis.
    public static func concatenatingRows(_ parts: [Variable]) -> Variable {
        let widths = parts.map { $0.value.rowLength }
        return Variable(Tensor.concatenatingRows(parts.map(\.value)), parents: parts) { g in
            var offset = 0
            return widths.map { w in
                defer { offset += w }
                return g.sliceRows(columns: offset..<(offset + w))
            }
        }
    }

    /// Sum of all elements, as a one-element value.
    public func sum() -> Variable {
        let shape = value.shape
        return Variable(Tensor(scalar: Float(value.sum())), parents: [self]) { g in
            [Tensor(repeating: g.scalar, shape: shape)]
        }
    }
}
