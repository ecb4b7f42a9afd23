/// "CCS as principal component analysis" (Emmons 2023): how close a fitted CCS probe is to the top principal
/// component of the same training pairs' differences — the direction PCA (CRC) takes.
public struct CCSAsPCA: Sendable, Equatable {
    /// |cos| between the two directions (a direction's sign is arbitrary).
    public var cosine: Double
    /// The share of test pairs both predict alike, sign-free: max(agree, 1 − agree).
    public var agreement: Double

    /// Compares `ccs` with `pca`, both fitted on one cell's training pairs, on its test pairs.
    public init(ccs: FittedProbe, pca: FittedProbe, test: ProbeData) {
        self.init(ccs: ccs, pca: pca, ccsTestScores: ccs.scores(test), pcaTestScores: pca.scores(test))
    }

    /// As above, from the two probes' scores on the test pairs.
    public init(ccs: FittedProbe, pca: FittedProbe, ccsTestScores: [Float], pcaTestScores: [Float]) {
        let dot = zip(ccs.direction, pca.direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norms = [ccs.direction, pca.direction].map { $0.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        cosine = norms[0] > 0 && norms[1] > 0 ? abs(dot) / (norms[0] * norms[1]) : 0
        let a = ccsTestScores.map { $0 > ccs.threshold }
        let b = pcaTestScores.map { $0 > pca.threshold }
        let agree = Double(zip(a, b).filter { $0 == $1 }.count) / Double(max(a.count, 1))
        agreement = max(agree, 1 - agree)
    }
}
