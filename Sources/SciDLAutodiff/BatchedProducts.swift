import SciDLTensor

extension Variable {
    /// Matrix products of matching slices: a [N, m, k] · b [N, k, n] → [N, m, n].
    public static func batchedMatmul(_ a: Variable, _ b: Variable) -> Variable {
        let av = a.value
        let bv = b.value
        let out = Tensor.batchedMatmul(av, bv)
        return Variable(out, parents: [a, b]) { g in
            [
                a.requiresGrad ? Tensor.batchedMatmul(g, bv, transposingB: true) : nil,
                b.requiresGrad ? Tensor.batchedMatmul(av, g, transposingA: true) : nil,
            ]
        }
    }
}
