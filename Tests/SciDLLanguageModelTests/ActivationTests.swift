import Foundation
import XCTest

@testable import SciDLLanguageModel

/// The vectorised activation kernels against the C library, over their whole useful range.
final class ActivationTests: XCTestCase {
    func testSiLU() {
        for x: Float in [-30, -3, -0.5, 0, 0.25, 2, 40] {
            XCTAssertEqual(
                Activation.silu(SIMD8(repeating: x))[0], x / (1 + Foundation.exp(-x)), accuracy: 2e-6 * max(1, abs(x)))
        }
        // Past the exponential's overflow SiLU is its limit, not NaN: 0 below, z above.
        XCTAssertEqual(Activation.silu(SIMD8(repeating: -1000))[0], 0)
        XCTAssertEqual(Activation.silu(SIMD8(repeating: 1000))[0], 1000)
    }
}
