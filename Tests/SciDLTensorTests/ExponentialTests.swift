import Foundation
import SciDLTensor
import XCTest

/// The eight-wide exponential against the C library's `expf`.
final class ExponentialTests: XCTestCase {
    func testWithinTwoUlpOfExpfAndZeroBelowTheNormalRange() {
        var worst: Float = 0
        for start in stride(from: -87.0 as Float, to: 87.9, by: 0.37) {
            let x = SIMD8<Float>((0..<8).map { start + Float($0) * 0.045 })
            let y = exponential(x)
            for i in 0..<8 {
                let expected = expf(x[i])
                let ulps = abs(y[i] - expected) / expected.ulp
                worst = max(worst, ulps)
                XCTAssertLessThanOrEqual(ulps, 2, "e^\(x[i])")
            }
        }
        print("exponential against expf: worst \(worst) ulp")
        let y = exponential(SIMD8<Float>(-90, -1000, -.infinity, 0, 1, -87.2, 88, 1e-8))
        XCTAssertEqual(y[0], 0)
        XCTAssertEqual(y[1], 0)
        XCTAssertEqual(y[2], 0)
        XCTAssertEqual(y[3], 1)
        XCTAssertEqual(y[4], expf(1), accuracy: 2 * expf(1).ulp)
        XCTAssertGreaterThan(y[5], 0)
        XCTAssertEqual(y[7], 1)
        let edges = exponential(SIMD8<Float>(88.3, 88.5, 1000, .infinity, .nan, 0, 0, 0))
        XCTAssertEqual(edges[0], expf(88.3), accuracy: 2 * expf(88.3).ulp)
        XCTAssertEqual(edges[1], .infinity)
        XCTAssertEqual(edges[2], .infinity)
        XCTAssertEqual(edges[3], .infinity)
        XCTAssertTrue(edges[4].isNaN)
    }
}
