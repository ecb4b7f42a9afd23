import Foundation
import XCTest

@testable import SciDLLanguageModel

/// The vectorised activation kernels against the C library, over their whole useful range.
final class ActivationTests: XCTestCase {
    func testExpIsWithinThreeUlpOfTheLibrary() {
        var worst: Float = 0
        for i in stride(from: -87.0, through: 88.0, by: 0.0137) {
            let x = Float(i)
            let got = Activation.exp(SIMD8(repeating: x))[0]
            let want = Foundation.exp(x)
            worst = max(worst, abs(got - want) / want.ulp)
        }
        XCTAssertLessThanOrEqual(worst, 3, "worst error in ulp")
        XCTAssertEqual(Activation.exp(SIMD8(repeating: -200))[0], 0, accuracy: 1e-37)
        XCTAssertTrue(Activation.exp(SIMD8(repeating: 200))[0].isFinite)
    }

    func testSiLU() {
        for x: Float in [-30, -3, -0.5, 0, 0.25, 2, 40] {
            XCTAssertEqual(
                Activation.silu(SIMD8(repeating: x))[0], x / (1 + Foundation.exp(-x)), accuracy: 2e-6 * max(1, abs(x)))
        }
    }
}
