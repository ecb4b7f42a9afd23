import SciDLTensor

extension Variable {
    /// Concatenation along the first axis: [r₁, n] + [r₂, n] + … → [Σr, n].
    public static func stackingRows(_ parts: [Variable]) -> Variable {
        let n = parts[0].value.rowLength
        precondition(parts.allSatisfy { $0.value.rank == 2 && $0.value.rowLength == n }, "stackingRows: widths differ")
        let counts = parts.map { $0.shape[0] }
        let value = Tensor(shape: [counts.reduce(0, +), n], scalars: parts.flatMap(\.value.scalars))
        return Variable(value, parents: parts) { g in
            var start = 0
            return counts.map { c in
                defer { start += c }
                return Tensor(shape: [c, n], scalars: Array(g.scalars[(start * n)..<((start + c) * n)]))
            }
        }
    }
}
