import Foundation
import SciDLTensor
import SciDLTestSupport
import XCTest

@testable import SciDLLanguageModel

/// The integer path (`ComputeMode.int8`) against the same arithmetic written plainly here, one scalar at a
/// time: each input row rounded per block as llama.cpp rounds it (scale = max |x| / 127, values rounded
/// half away from zero), the weights dequantised by `BlockDequantization` (itself checked against the
/// transformers fixtures), products summed in Double. The kernels differ from this only in the order of
/// float rounding, so the agreement asked is 1e-5 of the row's Σ |w·x|.
final class Int8ProductTests: XCTestCase {
    static let quantisedTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// The kernels this CPU can run: AVX2 always on x86-64 with it, VNNI where the CPU has it.
    var kernelSets: [Int8Kernels] {
        guard let best = Int8Kernels.available else { return [] }
        return best == .vnni ? [.avx2, .vnni] : [.avx2]
    }

    func testEveryTypeMatchesThePlainBlockArithmetic() throws {
        guard !kernelSets.isEmpty else { throw XCTSkip("no integer kernels on this CPU") }
        var rng = SeededGenerator(seed: 7)
        let (rows, columns, tokens) = (13, 512, 7)  // tokens not a multiple of the tile of four
        let x = (0..<tokens * columns).map { _ in Float(rng.nextNormal()) }
        for type in Self.quantisedTypes {
            let matrix = Self.randomMatrix(type, rows: rows, columns: columns, &rng)
            let expected = Self.plainProduct(matrix, x, tokens: tokens)
            for kernels in kernelSets {
                let y = Self.int8Product(WeightStack([matrix]), x, tokens: tokens, kernels: kernels)
                Self.assertClose(y, expected, "\(type.name) with \(kernels.name)")
            }
        }
    }

    func testStacksOfMixedTypesAndAccumulation() throws {
        guard !kernelSets.isEmpty else { throw XCTSkip("no integer kernels on this CPU") }
        var rng = SeededGenerator(seed: 11)
        let (columns, tokens) = (256, 9)
        let x = (0..<tokens * columns).map { _ in Float(rng.nextNormal()) }
        let parts = [
            Self.randomMatrix(.q4_K, rows: 5, columns: columns, &rng),
            Self.randomMatrix(.q8_0, rows: 3, columns: columns, &rng),
            Self.randomMatrix(.q6_K, rows: 70, columns: columns, &rng),
        ]
        let stack = WeightStack(parts)
        var expected = [Double](repeating: 0, count: tokens * stack.rows)
        var sizes = expected
        var first = 0
        for part in parts {
            let y = Self.plainProduct(part, x, tokens: tokens)
            for t in 0..<tokens {
                for r in 0..<part.rows {
                    expected[t * stack.rows + first + r] = y.sums[t * part.rows + r]
                    sizes[t * stack.rows + first + r] = y.sizes[t * part.rows + r]
                }
            }
            first += part.rows
        }
        let previous = (0..<tokens * stack.rows).map { Float($0 % 5) }
        for kernels in kernelSets {
            var y = previous
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    stack.multiplyInInt8(
                        xp.baseAddress!, inputStride: columns, tokens: tokens, into: yp.baseAddress!, beta: 0.5,
                        kernels: kernels)
                }
            }
            let withBeta = zip(expected, previous).map { $0 + 0.5 * Double($1) }
            Self.assertClose(y, (withBeta, sizes.map { $0 + 1 }), "stack with \(kernels.name), beta 0.5")
        }
    }

    func testInt8StaysCloseToTheExactProduct() throws {
        guard !kernelSets.isEmpty else { throw XCTSkip("no integer kernels on this CPU") }
        var rng = SeededGenerator(seed: 3)
        let (rows, columns, tokens) = (64, 1024, 8)
        let x = (0..<tokens * columns).map { _ in Float(rng.nextNormal()) }
        for type in Self.quantisedTypes {
            let matrix = Self.randomMatrix(type, rows: rows, columns: columns, &rng)
            let exact = matrix.product(Tensor(shape: [tokens, columns], scalars: x)).scalars
            let int8 = Self.int8Product(WeightStack([matrix]), x, tokens: tokens, kernels: kernelSets[0])
            let error = sqrt(zip(exact, int8).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +))
            let norm = sqrt(exact.map { Double($0) * Double($0) }.reduce(0, +))
            // Rounding a normal row to 127 levels per block costs about 1 % of the product's norm.
            XCTAssertLessThan(error / norm, 0.02, "\(type.name): relative error \(error / norm)")
        }
    }

    func testFloatWeightsAreMultipliedExactlyEitherWay() throws {
        var rng = SeededGenerator(seed: 5)
        let quantised = Self.randomMatrix(.q4_K, rows: 8, columns: 256, &rng)
        for type in [GGMLType.f32, .f16, .bf16] {
            let float = Self.randomMatrix(type, rows: 8, columns: 256, &rng)
            XCTAssertFalse(WeightStack([float]).multipliesInInt8, type.name)
            XCTAssertFalse(WeightStack([quantised, float]).multipliesInInt8, "a stack with \(type.name) in it")
        }
        XCTAssertEqual(WeightStack([quantised]).multipliesInInt8, Int8Kernels.available != nil)
    }

    // MARK: - The plain arithmetic

    static func randomMatrix(_ type: GGMLType, rows: Int, columns: Int, _ rng: inout SeededGenerator) -> WeightMatrix {
        // Scale 1: Q6_K's d (scale / 4096) stays a normal half, which `GGUFWriter.half` needs.
        let owned = OwnedBytes(GGUFWriter.randomBytes(type, elements: rows * columns, &rng, scale: 1))
        return WeightMatrix(bytes: owned.bytes, type: type, rows: rows, columns: columns, owner: owned)
    }

    /// Σ_i w[r, i] · scale · round(x[t, i] / scale), in Double, blocks of 256 for K-quants and 32 otherwise.
    static func plainProduct(_ matrix: WeightMatrix, _ x: [Float], tokens: Int) -> (sums: [Double], sizes: [Double]) {
        let k = matrix.columns
        let block = [GGMLType.q4_K, .q5_K, .q6_K].contains(matrix.type) ? 256 : 32
        var rounded = [Double](repeating: 0, count: x.count)
        for start in stride(from: 0, to: x.count, by: block) {
            let largest = x[start..<start + block].map(abs).max()!
            let scale = largest / 127
            for i in start..<start + block {
                let q = scale == 0 ? 0 : (x[i] / scale).rounded(.toNearestOrAwayFromZero)
                rounded[i] = Double(scale) * Double(q)
            }
        }
        let w = matrix.dequantized()
        var y = [Double](repeating: 0, count: tokens * matrix.rows)
        var sizes = y
        for t in 0..<tokens {
            for r in 0..<matrix.rows {
                var sum = 0.0
                var size = 0.0
                for i in 0..<k {
                    sum += Double(w[r * k + i]) * rounded[t * k + i]
                    size += abs(Double(w[r * k + i]) * rounded[t * k + i])
                }
                y[t * matrix.rows + r] = sum
                sizes[t * matrix.rows + r] = size
            }
        }
        return (y, sizes)
    }

    static func int8Product(_ stack: WeightStack, _ x: [Float], tokens: Int, kernels: Int8Kernels) -> [Float] {
        var y = [Float](repeating: .nan, count: tokens * stack.rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                stack.multiplyInInt8(
                    xp.baseAddress!, inputStride: stack.columns, tokens: tokens, into: yp.baseAddress!, beta: 0,
                    kernels: kernels)
            }
        }
        return y
    }

    /// Each value within 1e-5 of its row's Σ |w·x| (float rounding of sums of a few hundred terms).
    static func assertClose(
        _ y: [Float], _ expected: (sums: [Double], sizes: [Double]), _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(y.count, expected.sums.count, what, file: file, line: line)
        let worst = zip(y.indices, y).map { i, v in abs(Double(v) - expected.sums[i]) / expected.sizes[i] }.max() ?? 0
        XCTAssertLessThan(worst, 1e-5, "\(what): worst difference \(worst) of Σ|w·x|", file: file, line: line)
    }
}
