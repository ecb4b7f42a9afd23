import Foundation
import SciDLTensor
import XCTest

/// The panel product against sums in Double, its relu mask, and the same bits whatever the rows and columns
/// a call covers (the neurons' gradient is made a tile at a time, on any number of cores).
final class PanelProductTests: XCTestCase {
    // 14 rows: two six-row passes and two single rows; 37 columns: two whole panels and one of 5.
    let (rows, k, n) = (14, 13, 37)

    func randomMatrices() -> (a: [Float], b: [Float]) {
        var rng = SeededGenerator(seed: 11)
        let a = (0..<(rows * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        return (a, b)
    }

    func packed(_ b: [Float]) -> [Float] {
        var p = [Float](repeating: .nan, count: PanelProduct.packedCount(k: k, n: n))
        PanelProduct.pack(b, k: k, n: n, into: &p)
        return p
    }

    func multiply(
        _ a: [Float], _ p: [Float], rows range: Range<Int>, columns: Range<Int>, mask: [Float]? = nil
    ) -> [Float] {
        var c = [Float](repeating: .nan, count: range.count * columns.count)
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                if let mask {
                    mask.withUnsafeBufferPointer { m in
                        PanelProduct.multiply(
                            a.baseAddress! + range.lowerBound * k, lda: k, rows: range.count, k: k,
                            packed: p, columns: columns, into: c.baseAddress!, ldc: columns.count,
                            zeroWhereNotPositive: m.baseAddress! + range.lowerBound * n, ldm: n)
                    }
                } else {
                    PanelProduct.multiply(
                        a.baseAddress! + range.lowerBound * k, lda: k, rows: range.count, k: k, packed: p,
                        columns: columns, into: c.baseAddress!, ldc: columns.count)
                }
            }
        }
        return c
    }

    func testProductAgainstDoubleSums() {
        let (a, b) = randomMatrices()
        let c = multiply(a, packed(b), rows: 0..<rows, columns: 0..<n)
        for i in 0..<rows {
            for j in 0..<n {
                var exact = 0.0
                var size = 0.0
                for kk in 0..<k {
                    exact += Double(a[i * k + kk]) * Double(b[kk * n + j])
                    size += abs(Double(a[i * k + kk]) * Double(b[kk * n + j]))
                }
                XCTAssertEqual(Double(c[i * n + j]), exact, accuracy: 1e-6 * size + 1e-7, "C[\(i), \(j)]")
            }
        }
    }

    func testTransposedPackingEqualsPackingTheTranspose() {
        let (_, b) = randomMatrices()
        var bt = [Float](repeating: 0, count: k * n)
        for kk in 0..<k { for j in 0..<n { bt[j * k + kk] = b[kk * n + j] } }
        var p = [Float](repeating: .nan, count: PanelProduct.packedCount(k: k, n: n))
        PanelProduct.pack(bt, k: k, n: n, transposed: true, into: &p)
        XCTAssertEqual(p, packed(b))
    }

    func testSameBitsWhateverRowsAndColumnsACallCovers() {
        let (a, b) = randomMatrices()
        let p = packed(b)
        let whole = multiply(a, p, rows: 0..<rows, columns: 0..<n)
        // Rows in pieces that group them differently: single rows, then a six-row pass and three single rows.
        let pieces = [0..<4, 4..<13, 13..<rows].flatMap { multiply(a, p, rows: $0, columns: 0..<n) }
        XCTAssertEqual(pieces.map(\.bitPattern), whole.map(\.bitPattern))
        // Columns from the second panel on.
        let right = multiply(a, p, rows: 0..<rows, columns: 16..<n)
        for i in 0..<rows {
            for j in 16..<n { XCTAssertEqual(right[i * (n - 16) + j - 16].bitPattern, whole[i * n + j].bitPattern) }
        }
    }

    func testMaskKeepsOnlyPositiveEntries() {
        let (a, b) = randomMatrices()
        let p = packed(b)
        var rng = SeededGenerator(seed: 12)
        var mask = (0..<(rows * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        mask[3] = 0
        mask[20] = .nan
        mask[n + 35] = -0.0
        let plain = multiply(a, p, rows: 0..<rows, columns: 0..<n)
        let masked = multiply(a, p, rows: 0..<rows, columns: 0..<n, mask: mask)
        for e in 0..<(rows * n) {
            XCTAssertEqual(masked[e].bitPattern, mask[e] > 0 ? plain[e].bitPattern : Float(0).bitPattern, "entry \(e)")
        }
    }
}
