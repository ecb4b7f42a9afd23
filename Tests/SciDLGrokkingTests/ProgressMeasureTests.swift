import Foundation
import SciDLAutodiff
import SciDLGrokking
import SciDLTensor
import XCTest

final class ProgressMeasureTests: XCTestCase {
    func testFourierBasisIsOrthonormalForOddAndEvenModuli() {
        for p in [23, 10] {
            let f = FourierBasis(modulus: p).matrix
            let gram = Tensor.matmul(f, f, transposingB: true)
            for i in 0..<p {
                for j in 0..<p {
                    XCTAssertEqual(gram[i, j], i == j ? 1 : 0, accuracy: 1e-5, "p \(p) (\(i), \(j))")
                }
            }
        }
    }

    func testGiniCoefficient() {
        XCTAssertEqual(gini([2, 2, 2, 2]), 0, accuracy: 1e-12)
        XCTAssertEqual(gini([0, 0, 0, 5]), 0.75, accuracy: 1e-12)  // (n − 1)/n
        XCTAssertEqual(gini([1, 3]), 0.25, accuracy: 1e-12)
    }

    func testRestrictedAndExcludedLossOnLogitsMadeOfOneFrequency() {
        // logits = 5 cos(w₃(a + b − c)): restricting to frequency 3 keeps everything, excluding it leaves
        // constant logits (loss log p).
        let p = 23
        let pairs = (0..<p).flatMap { a in (0..<p).map { b in (a, b) } }
        let targets = pairs.map { ($0.0 + $0.1) % p }
        let logits = Tensor(
            shape: [p * p, p],
            scalars: pairs.flatMap { a, b in
                (0..<p).map { c in Float(5 * cos(2 * Double.pi * 3 * Double(a + b - c) / Double(p))) }
            })
        let full = meanCrossEntropy(logits, targets: targets, rows: Array(0..<(p * p)))
        let kept = ProgressMeasures.keyFrequencyTerms(modulus: p, logits: logits, pairs: pairs, frequencies: [3])
        XCTAssertEqual(meanCrossEntropy(kept, targets: targets, rows: Array(0..<(p * p))), full, accuracy: 1e-4)
        let removed = logits - kept
        XCTAssertEqual(
            meanCrossEntropy(removed, targets: targets, rows: Array(0..<(p * p))), log(Double(p)), accuracy: 1e-4)
        // Another frequency explains none of it.
        let other = ProgressMeasures.keyFrequencyTerms(modulus: p, logits: logits, pairs: pairs, frequencies: [4])
        XCTAssertLessThan(other.norm(), 1e-3)
    }

    func testKeyTermsAndLossesMatchTheirDefinitionsOnRandomLogits() {
        // A random subset of the table in random logits: the fitted terms against a least-squares fit over
        // every (row, c) written out here, and the losses against the key terms materialised row by row.
        let p = 13
        var rng = SeededGenerator(seed: 11)
        let pairs = (0..<p).flatMap { a in (0..<p).map { b in (a, b) } }.filter { _ in rng.nextInt(below: 3) != 0 }
        let targets = pairs.map { ($0.0 + $0.1) % p }
        let training = pairs.indices.filter { $0 % 4 == 1 }
        let logits = Tensor.randomNormal([pairs.count, p], standardDeviation: 2, using: &rng)
        func wave(_ k: Int, _ x: Int, sine: Bool) -> Double {
            let angle = 2 * Double.pi * Double(k * (((x % p) + p) % p)) / Double(p)
            return sine ? sin(angle) : cos(angle)
        }
        var expected = [Double](repeating: 0, count: pairs.count * p)
        for k in [2, 5] {
            for sine in [false, true] {
                var (lw, ww) = (0.0, 0.0)
                for (r, (a, b)) in pairs.enumerated() {
                    for c in 0..<p {
                        lw += Double(logits[r, c]) * wave(k, a + b - c, sine: sine)
                        ww += wave(k, a + b - c, sine: sine) * wave(k, a + b - c, sine: sine)
                    }
                }
                for (r, (a, b)) in pairs.enumerated() {
                    for c in 0..<p { expected[r * p + c] += lw / ww * wave(k, a + b - c, sine: sine) }
                }
            }
        }
        let terms = ProgressMeasures.keyFrequencyTerms(modulus: p, logits: logits, pairs: pairs, frequencies: [2, 5])
        XCTAssertGreaterThan(terms.norm(), 0.1, "random logits have some projection on any frequency")
        for (i, e) in expected.enumerated() { XCTAssertEqual(Double(terms.scalars[i]), e, accuracy: 1e-5) }

        // An embedding whose key frequencies are 2 and 5, half of its Fourier norm each.
        let d = 16
        var embedding = Tensor.randomNormal([p, d], standardDeviation: 0.01, using: &rng)
        for x in 0..<p {
            embedding[x, 0] = Float(2 * wave(2, x, sine: false))
            embedding[x, 1] = Float(2 * wave(2, x, sine: true))
            embedding[x, 2] = Float(2 * wave(5, x, sine: false))
            embedding[x, 3] = Float(2 * wave(5, x, sine: true))
        }
        let measures = ProgressMeasures(
            modulus: p, logits: logits, pairs: pairs, targets: targets, training: training, embedding: embedding,
            neuronLogitMap: Tensor.randomNormal([8, p], standardDeviation: 1, using: &rng), squaredWeightNorm: 0)
        XCTAssertEqual(Set(measures.keyFrequencies), [2, 5])
        let keyTerms = ProgressMeasures.keyFrequencyTerms(
            modulus: p, logits: logits, pairs: pairs, frequencies: measures.keyFrequencies)
        XCTAssertEqual(
            measures.restrictedLoss, meanCrossEntropy(keyTerms, targets: targets, rows: Array(pairs.indices)),
            accuracy: 1e-12)
        XCTAssertEqual(
            measures.excludedLoss, meanCrossEntropy(logits - keyTerms, targets: targets, rows: training),
            accuracy: 1e-12)
    }

    func testHandBuiltModelHasTheKeyFrequenciesItWasBuiltWith() throws {
        var config = smallConfig(steps: 1)
        config.model = ModelShape(kind: .transformer, modelWidth: 16, heads: 2, mlpWidth: 32)
        let run = try GrokRun(config: config, directory: scratchDirectory("handbuilt"))
        let p = 23
        let d = 16
        let random = try XCTUnwrap(run.progressMeasures())
        XCTAssertEqual(random.keyFrequencies, [], "a random embedding has no key frequencies")
        XCTAssertLessThan(random.embeddingGini, 0.4)
        // Embedding of x: 2·(cos, sin)(w₇x) and 1·(cos, sin)(w₃x), a little noise elsewhere. Shares of the
        // squared norm 80 % and 20 %, both above the threshold for 11 frequencies at d = 16 (18 %).
        var rng = SeededGenerator(seed: 3)
        var e = Tensor.randomNormal([p + 1, d], standardDeviation: 0.01, using: &rng)
        for x in 0..<p {
            let w7 = 2 * Double.pi * 7 * Double(x) / Double(p)
            let w3 = 2 * Double.pi * 3 * Double(x) / Double(p)
            e[x, 0] = Float(2 * cos(w7))
            e[x, 1] = Float(2 * sin(w7))
            e[x, 2] = Float(cos(w3))
            e[x, 3] = Float(sin(w3))
        }
        run.model.namedParameters.first { $0.name == "embed" }!.variable.value = e
        let built = try XCTUnwrap(run.progressMeasures())
        XCTAssertEqual(built.keyFrequencies, [7, 3])
        XCTAssertGreaterThan(built.embeddingGini, 0.8)  // 4 of 23 components carry the norm: ≈ 0.83
        XCTAssertEqual(
            built.squaredWeightNorm, run.model.parameters.reduce(0) { $0 + $1.value.sumOfSquares() }, accuracy: 1e-9)
    }

    func testMeasuresAreLoggedOnlyForModularAddition() throws {
        let add = try GrokRun(config: smallConfig(steps: 1), directory: scratchDirectory("pm-add"))
        XCTAssertNotNil(add.measure()[.restrictedLoss])
        var config = smallConfig(steps: 1)
        config.operation = .multiply
        let mul = try GrokRun(config: config, directory: scratchDirectory("pm-mul"))
        XCTAssertNil(mul.measure()[.restrictedLoss])
    }
}
