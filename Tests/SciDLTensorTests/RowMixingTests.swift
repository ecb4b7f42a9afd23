import Foundation
import SciDLTensor
import XCTest

/// The row-mixing gradient's fast kernel (four gathered rows per pass) against the plain one-row kernel
/// applied block by block, bit for bit, and against sums in Double.
final class RowMixingTests: XCTestCase {
    func testGradientEqualsOneRowAtATimeBitForBitAndDoubleSums() {
        var rng = SeededGenerator(seed: 7)
        // 6 terms: one four-row pass and two single rows; width 83: two blocks and a tail that is not a
        // multiple of 16; one zero weight, which must leave its row untouched.
        let (nOut, m, n, r) = (37, 6, 83, 11)
        let g = (0..<(nOut * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let table = (0..<(r * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        var w = (0..<(nOut * m)).map { _ in Float.random(in: 0.1...1, using: &rng) }
        w[5 * m + 2] = 0
        let index = (0..<(nOut * m)).map { _ in rng.nextInt(below: r) }
        var dw = [Float](repeating: 0, count: nOut * m)
        var dt = [Float](repeating: 0, count: r * n)
        var partials = [Float](repeating: 0, count: RowMixing.partialCount(rows: nOut, terms: m, width: n))
        RowMixing.gradient(
            outputGradient: g, weights: w, index: index, rows: nOut, terms: m, table: table, width: n,
            rectifiedOutput: nil, weightGradient: &dw, tableGradient: &dt, partials: &partials)

        // The same blocks, one row at a time with `dotThenAxpy`.
        let width = RowMixing.blockWidth(n)
        var expectedDw = [Float](repeating: 0, count: nOut * m)
        var expectedDt = [Float](repeating: 0, count: r * n)
        g.withUnsafeBufferPointer { G in
            table.withUnsafeBufferPointer { T in
                expectedDt.withUnsafeMutableBufferPointer { DT in
                    for c0 in stride(from: 0, to: n, by: width) {
                        for i in 0..<nOut {
                            for k in 0..<m {
                                let row = index[i * m + k] * n + c0
                                let part = dotThenAxpy(
                                    G.baseAddress! + i * n + c0, T.baseAddress! + row, alpha: w[i * m + k],
                                    DT.baseAddress! + row, count: min(width, n - c0))
                                expectedDw[i * m + k] = c0 == 0 ? part : expectedDw[i * m + k] + part
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(dw, expectedDw)
        XCTAssertEqual(dt, expectedDt)

        for i in 0..<nOut {
            for k in 0..<m {
                var exact = 0.0
                for e in 0..<n { exact += Double(g[i * n + e]) * Double(table[index[i * m + k] * n + e]) }
                XCTAssertEqual(Double(dw[i * m + k]), exact, accuracy: 1e-5)
            }
        }
        var exactDt = [Double](repeating: 0, count: r * n)
        for i in 0..<nOut {
            for k in 0..<m {
                for e in 0..<n { exactDt[index[i * m + k] * n + e] += Double(w[i * m + k] * g[i * n + e]) }
            }
        }
        for j in 0..<(r * n) { XCTAssertEqual(Double(dt[j]), exactDt[j], accuracy: 1e-4) }
    }

    func testMixEqualsTermOrderSumsBitForBit() {
        var rng = SeededGenerator(seed: 9)
        // Width 83: two passes of 32 columns, two of 8 and a tail of 3; one zero weight, skipped.
        let (nOut, m, n, r) = (5, 4, 83, 7)
        let table = (0..<(r * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        var w = (0..<(nOut * m)).map { _ in Float.random(in: -1...1, using: &rng) }
        w[6] = 0
        let index = (0..<(nOut * m)).map { _ in Int.random(in: 0..<r, using: &rng) }
        for rectified in [false, true] {
            var out = [Float](repeating: .nan, count: nOut * n)
            RowMixing.mix(
                weights: w, index: index, rows: nOut, terms: m, table: table, width: n, rectified: rectified,
                into: &out)
            for i in 0..<nOut {
                for j in 0..<n {
                    var sum: Float = 0
                    for t in 0..<m where w[i * m + t] != 0 { sum += w[i * m + t] * table[index[i * m + t] * n + j] }
                    if rectified { sum = max(sum, 0) }
                    XCTAssertEqual(out[i * n + j].bitPattern, sum.bitPattern, "out[\(i), \(j)]")
                }
            }
        }
    }

    func testGradientFromTilesEqualsTheGradientOfTheWholeOutput() {
        // Tiles of 5 rows (37 is not a multiple): the same bits as the plain form with relu's mask, and each
        // tile asked for whole blocks of columns, as a caller that computes them by block relies on.
        var rng = SeededGenerator(seed: 9)
        let (nOut, m, n, r) = (37, 5, 83, 11)
        let g = (0..<(nOut * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let output = (0..<(nOut * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let table = (0..<(r * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let w = (0..<(nOut * m)).map { _ in Float.random(in: 0.1...1, using: &rng) }
        let index = (0..<(nOut * m)).map { _ in rng.nextInt(below: r) }
        var partials = [Float](repeating: 0, count: RowMixing.partialCount(rows: nOut, terms: m, width: n))
        var (dw, dt) = ([Float](repeating: 0, count: nOut * m), [Float](repeating: 0, count: r * n))
        RowMixing.gradient(
            outputGradient: g, weights: w, index: index, rows: nOut, terms: m, table: table, width: n,
            rectifiedOutput: output, weightGradient: &dw, tableGradient: &dt, partials: &partials)
        var (tiledDw, tiledDt) = ([Float](repeating: 0, count: nOut * m), [Float](repeating: 0, count: r * n))
        let width = RowMixing.blockWidth(n)
        g.withUnsafeBufferPointer { G in
            RowMixing.gradient(
                outputGradientTiles: { rows, columns, tile in
                    XCTAssertEqual(columns.lowerBound % width, 0)
                    XCTAssertTrue(columns.upperBound == n || columns.upperBound % width == 0)
                    for (t, i) in rows.enumerated() {
                        for (e, j) in columns.enumerated() {
                            tile[t * columns.count + e] = output[i * n + j] > 0 ? G[i * n + j] : 0
                        }
                    }
                }, rowsPerTile: 5, weights: w, index: index, rows: nOut, terms: m, table: table, width: n,
                weightGradient: &tiledDw, tableGradient: &tiledDt, partials: &partials)
        }
        XCTAssertEqual(tiledDw, dw)
        XCTAssertEqual(tiledDt, dt)
        XCTAssertGreaterThan(dt.map(abs).max()!, 0)
    }
}
