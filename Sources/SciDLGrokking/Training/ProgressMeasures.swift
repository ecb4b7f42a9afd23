import Foundation
import SciDLTensor

/// The Fourier basis of functions on Z_p, orthonormal: the constant, then cos(2πkx/p) and sin(2πkx/p)
/// for each frequency k = 1 … ⌊(p−1)/2⌋, then cos(πx) when p is even.
public struct FourierBasis: Sendable {
    /// p.
    public let modulus: Int
    /// [p, p]: row i is basis function i evaluated at x = 0 … p−1.
    public let matrix: Tensor

    public init(modulus p: Int) {
        self.modulus = p
        var rows: [[Double]] = [[Double](repeating: 1 / Double(p).squareRoot(), count: p)]
        let scale = (2 / Double(p)).squareRoot()
        for k in 1..<((p - 1) / 2 + 1) {
            rows.append((0..<p).map { scale * cos(2 * .pi * Double(k * $0 % p) / Double(p)) })
            rows.append((0..<p).map { scale * sin(2 * .pi * Double(k * $0 % p) / Double(p)) })
        }
        if p % 2 == 0 { rows.append((0..<p).map { ($0 % 2 == 0 ? 1 : -1) / Double(p).squareRoot() }) }
        matrix = Tensor(shape: [p, p], scalars: rows.flatMap { $0.map(Float.init) })
    }

    /// The frequencies with a cos/sin pair: 1 … ⌊(p−1)/2⌋.
    public var frequencies: Range<Int> { 1..<((modulus - 1) / 2 + 1) }

    /// Norm of each basis component of a [p, n] matrix whose rows are indexed by x (p values).
    public func componentNorms(ofRows w: Tensor) -> [Double] {
        let f = Tensor.matmul(matrix, w)  // [p, n]
        return (0..<modulus).map { i in f.row(i).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
    }

    /// Norm of each frequency k (cos and sin components together), index k − 1.
    public func frequencyNorms(ofRows w: Tensor) -> [Double] {
        let c = componentNorms(ofRows: w)
        return frequencies.map { k in (c[2 * k - 1] * c[2 * k - 1] + c[2 * k] * c[2 * k]).squareRoot() }
    }
}

/// The progress measures of Nanda et al. (2023) for a modular-addition model.
public struct ProgressMeasures: Sendable, Equatable {
    /// Frequencies carrying an outsized share of the embedding's Fourier norm, largest first.
    public var keyFrequencies: [Int]
    /// Loss on all pairs with logits restricted to the key-frequency terms cos/sin(w_k(a+b−c)).
    public var restrictedLoss: Double
    /// Loss on the training pairs with those terms removed from the logits.
    public var excludedLoss: Double
    /// Gini coefficient of the embedding's Fourier component norms (1: one component, 0: all equal).
    public var embeddingGini: Double
    /// Gini coefficient of the neuron-to-logit map's Fourier component norms (over the output c).
    public var neuronLogitGini: Double
    /// Σ of all squared parameters.
    public var squaredWeightNorm: Double

    /// A frequency is key when its share of the embedding's squared Fourier norm exceeds the uniform
    /// share 1/F by more than four times the spread a random embedding would show. In a random
    /// d-dimensional embedding each frequency's squared norm is χ² with 2d degrees of freedom, so shares
    /// scatter around 1/F with relative spread 1/√d; beyond 1 + 4/√d times 1/F is rare by chance, while
    /// a grokked embedding puts most of its norm in a handful of frequencies.
    public static func keyShareThreshold(frequencies: Int, width d: Int) -> Double {
        (1 + 4 / Double(d).squareRoot()) / Double(frequencies)
    }

    /// - Parameters:
    ///   - logits: [N, p] for examples whose operands are `pairs` (a, b) and answers `targets`.
    ///   - training: rows of `logits` in the training set.
    ///   - embedding: [p, d], the operand tokens' embedding rows.
    ///   - neuronLogitMap: [n, p], each neuron's direct effect on the logits.
    public init(
        modulus p: Int, logits: Tensor, pairs: [(Int, Int)], targets: [Int], training: [Int],
        embedding: Tensor, neuronLogitMap: Tensor, squaredWeightNorm: Double
    ) {
        let basis = FourierBasis(modulus: p)
        let norms = basis.frequencyNorms(ofRows: embedding)
        let total = norms.reduce(0) { $0 + $1 * $1 }
        let threshold = Self.keyShareThreshold(frequencies: norms.count, width: embedding.rowLength)
        keyFrequencies = zip(basis.frequencies, norms)
            .filter { $0.1 * $0.1 > threshold * total }
            .sorted { $0.1 > $1.1 }.map(\.0)
        // The key terms of a row depend on its s = (a + b) mod p alone: the restricted loss reads the [p, p]
        // table of them once per row, the excluded loss subtracts them from the training rows only.
        let terms = Self.keyFrequencyTable(modulus: p, logits: logits, pairs: pairs, frequencies: keyFrequencies)
        let residues = pairs.map { ($0.0 + $0.1) % p }  // each pair's row of the table
        restrictedLoss = meanCrossEntropy(terms, rows: residues, termTargets: targets)
        var excluded = [Float](repeating: 0, count: training.count * p)
        logits.scalars.withUnsafeBufferPointer { l in
            for (i, r) in training.enumerated() {
                for c in 0..<p { excluded[i * p + c] = l[r * p + c] - terms.scalars[residues[r] * p + c] }
            }
        }
        excludedLoss = meanCrossEntropy(
            Tensor(shape: [training.count, p], scalars: excluded), targets: training.map { targets[$0] },
            rows: Array(training.indices))
        embeddingGini = gini(basis.componentNorms(ofRows: embedding))
        neuronLogitGini = gini(basis.componentNorms(ofRows: neuronLogitMap.swappingFirstTwoAxes()))
        self.squaredWeightNorm = squaredWeightNorm
    }

    /// The projection of the logits onto span{cos(w_k(a+b−c)), sin(w_k(a+b−c))} over the key k.
    ///
    /// The terms of different frequencies are orthogonal over all (a, b, c), so each is fitted alone. A term
    /// depends on a and b only through s = (a + b) mod p, so the logits enter the fits only through their sums
    /// over the rows of each s, and the fitted terms form one [p, p] table indexed by (s, c): an evaluation
    /// reads the logits once, not twice per key frequency (an evaluation of a grokked model cost four training
    /// steps when each fit walked every logit).
    public static func keyFrequencyTerms(
        modulus p: Int, logits: Tensor, pairs: [(Int, Int)], frequencies: [Int]
    ) -> Tensor {
        let table = keyFrequencyTable(modulus: p, logits: logits, pairs: pairs, frequencies: frequencies)
        var out = [Float](repeating: 0, count: pairs.count * p)
        for (r, (a, b)) in pairs.enumerated() {
            let s = (a + b) % p
            out.replaceSubrange((r * p)..<((r + 1) * p), with: table.scalars[(s * p)..<((s + 1) * p)])
        }
        return Tensor(shape: logits.shape, scalars: out)
    }

    /// The fitted key terms as a [p, p] table: row s holds the terms of every pair with (a + b) mod p = s.
    static func keyFrequencyTable(
        modulus p: Int, logits: Tensor, pairs: [(Int, Int)], frequencies: [Int]
    ) -> Tensor {
        precondition(
            logits.shape == [pairs.count, p], "logits \(logits.shape) for \(pairs.count) pairs over \(p) answers")
        var sums = [Double](repeating: 0, count: p * p)  // [s, c]: Σ of logits[r, c] over the rows r with s
        logits.scalars.withUnsafeBufferPointer { l in
            for (r, (a, b)) in pairs.enumerated() {
                let s = (a + b) % p
                for c in 0..<p { sums[s * p + c] += Double(l[r * p + c]) }
            }
        }
        var table = [Float](repeating: 0, count: p * p)  // [s, c]: the fitted terms of a row with s
        for k in frequencies {
            let cosine = (0..<p).map { Float(cos(2 * .pi * Double(k * $0 % p) / Double(p))) }
            let sine = (0..<p).map { Float(sin(2 * .pi * Double(k * $0 % p) / Double(p))) }
            // Least-squares coefficients α, β of cos/sin(w_k(a+b−c)) (they are orthogonal). In every row c
            // runs through all residues, so each row adds the same Σ cos² and Σ sin².
            var lc = 0.0
            var ls = 0.0
            for s in 0..<p {
                for c in 0..<p {
                    let j = (s - c + p) % p
                    lc += sums[s * p + c] * Double(cosine[j])
                    ls += sums[s * p + c] * Double(sine[j])
                }
            }
            let cc = Double(pairs.count) * cosine.reduce(0.0) { $0 + Double($1 * $1) }
            let ss = Double(pairs.count) * sine.reduce(0.0) { $0 + Double($1 * $1) }
            let alpha = Float(cc > 0 ? lc / cc : 0)
            let beta = Float(ss > 0 ? ls / ss : 0)
            for s in 0..<p {
                for c in 0..<p {
                    let j = (s - c + p) % p
                    table[s * p + c] += alpha * cosine[j] + beta * sine[j]
                }
            }
        }
        return Tensor(shape: [p, p], scalars: table)
    }
}

/// Mean cross-entropy of the given rows of `logits` [N, C] against `targets` (indexed like the rows).
public func meanCrossEntropy(
    _ logits: Tensor, targets: [Int], rows: [Int], loss: ClassificationLoss = .softmax
) -> Double {
    meanCrossEntropy(logits, rows: rows, termTargets: rows.map { targets[$0] }, loss: loss)
}

/// The mean over i of the cross-entropy of row `rows[i]` of `logits` against `termTargets[i]`: rows may
/// repeat, for a table of logits that many examples share.
func meanCrossEntropy(_ logits: Tensor, rows: [Int], termTargets: [Int], loss: ClassificationLoss = .softmax) -> Double
{
    guard !rows.isEmpty else { return .nan }
    let c = logits.rowLength
    // Each row's loss on all cores, then summed in row order: the same sum on any number of cores.
    var losses = [Double](repeating: 0, count: rows.count)
    logits.scalars.withUnsafeBufferPointer { x in
        losses.withUnsafeMutableBufferPointer { l in
            parallelChunks(rows.count, minimumPerThread: 512) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: c) { e in
                    for i in range {
                        l[i] = loss.measuredLoss(
                            x.baseAddress! + rows[i] * c, count: c, target: termTargets[i], scratch: e.baseAddress!)
                    }
                }
            }
        }
    }
    return losses.reduce(0.0, +) / Double(rows.count)
}

/// Gini coefficient of non-negative values: 0 when all are equal, → 1 when one holds everything.
public func gini(_ values: [Double]) -> Double {
    let x = values.sorted()
    let n = Double(x.count)
    let sum = x.reduce(0, +)
    guard sum > 0 else { return 0 }
    let weighted = x.enumerated().reduce(0.0) { $0 + (2 * Double($1.offset + 1) - n - 1) * $1.element }
    return weighted / (n * sum)
}
