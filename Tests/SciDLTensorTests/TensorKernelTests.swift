import Foundation
import SciDLTensor
import XCTest

/// Naive triple loop, the reference for the BLAS path.
func naiveMatmul(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> Tensor {
    let m = ta ? a.shape[1] : a.shape[0]
    let k = ta ? a.shape[0] : a.shape[1]
    let n = tb ? b.shape[0] : b.shape[1]
    var out = Tensor(zeros: [m, n])
    for i in 0..<m {
        for j in 0..<n {
            var s: Double = 0
            for l in 0..<k { s += Double(ta ? a[l, i] : a[i, l]) * Double(tb ? b[j, l] : b[l, j]) }
            out[i, j] = Float(s)
        }
    }
    return out
}

final class TensorKernelTests: XCTestCase {
    var rng = SeededGenerator(seed: 11)

    func testMatmulMatchesNaiveForEveryTransposeAndSize() {
        // The large sizes exercise the split across cores, including ragged last parts; the last one, a sum
        // far longer than its output, the split along the sum.
        for (m, k, n) in [(3, 4, 5), (1, 7, 1), (257, 64, 33), (40, 300, 190), (37, 1531, 45)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = Tensor.randomNormal(ta ? [k, m] : [m, k], using: &rng)
                    let b = Tensor.randomNormal(tb ? [n, k] : [k, n], using: &rng)
                    let got = Tensor.matmul(a, b, transposingA: ta, transposingB: tb)
                    let want = naiveMatmul(a, b, ta, tb)
                    XCTAssertEqual(got.shape, [m, n])
                    let err = zip(got.scalars, want.scalars).map { abs($0 - $1) }.max()!
                    XCTAssertLessThan(err, 1e-3, "m \(m) k \(k) n \(n) ta \(ta) tb \(tb)")
                }
            }
        }
    }

    func testMatmulFlattensLeadingAxesAndHandlesEmptyInner() {
        let a = Tensor.randomNormal([2, 3, 4], using: &rng)
        let b = Tensor.randomNormal([4, 5], using: &rng)
        let c = Tensor.matmul(a, b)
        XCTAssertEqual(c.shape, [2, 3, 5])
        XCTAssertEqual(c.scalars, Tensor.matmul(a.reshaped([6, 4]), b).scalars)
        XCTAssertEqual(Tensor.matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3])), Tensor(zeros: [2, 3]))
    }

    func testSoftmaxRowsSumToOneAndSurviveHugeLogits() {
        var s = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, -1000])
        s.scalars.withUnsafeMutableBufferPointer { p in
            for row in 0..<2 { softmaxInPlace(p.baseAddress! + 3 * row, count: 3) }
        }
        XCTAssertEqual(s[0, 0] + s[0, 1] + s[0, 2], 1, accuracy: 1e-6)
        XCTAssertEqual(s[0, 2], exp(3) / (exp(1) + exp(2) + exp(3)), accuracy: 1e-6)
        XCTAssertEqual(s[1, 0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(s[1, 2], 0)
    }

    func testScatterAddIsTheAdjointOfGather() {
        // ⟨gather(T), G⟩ = ⟨T, scatter(G)⟩ for any T, G, with repeated indices.
        let table = Tensor.randomNormal([6, 40], using: &rng)
        let indices = (0..<3000).map { ($0 * 7) % 6 }
        let g = Tensor.randomNormal([3000, 40], using: &rng)
        let lhs = (table.gatherRows(indices) * g).sum()
        let rhs = (table * g.scatterAddRows(indices, tableRows: 6)).sum()
        XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * abs(lhs) + 1e-3)
        XCTAssertEqual(table.gatherRows([4, 1]).row(0), table.row(4))
    }

    func testLargestAndItsFirstIndexPassOverNaNs() {
        // Widths around the eight-lane blocks, ties, NaNs inside and first; against plain loops.
        var rng = SeededGenerator(seed: 3)
        for n in [1, 2, 7, 8, 9, 16, 19, 113] {
            for trial in 0..<20 {
                var x = (0..<n).map { _ in Float(rng.nextInt(below: 5)) }
                if trial % 3 == 1 { x[rng.nextInt(below: n)] = .nan }
                if trial % 5 == 2 { x[0] = .nan }
                var best = 0
                for j in 1..<n where x[j] > x[best] { best = j }
                XCTAssertEqual(indexOfFirstLargest(x, count: n), best, "\(x)")
                if x[0].isNaN {
                    XCTAssertTrue(largest(x, count: n).isNaN)
                } else {
                    XCTAssertEqual(largest(x, count: n), x[best], "\(x)")
                }
            }
        }
    }

    func testRowHelpers() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.addingToEachRow(Tensor(shape: [3], scalars: [10, 20, 30])).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(x.sumOfRows().scalars, [5, 7, 9])
        XCTAssertEqual(x.sliceRows(columns: 1..<3).scalars, [2, 3, 5, 6])
        XCTAssertEqual(Tensor.concatenatingRows([x, x.sliceRows(columns: 0..<1)]).scalars, [1, 2, 3, 1, 4, 5, 6, 4])
        let y = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        XCTAssertEqual(y.swappingFirstTwoAxes().shape, [3, 2, 2])
        XCTAssertEqual(y.swappingFirstTwoAxes()[2, 1, 0], y[1, 2, 0])
    }
}
