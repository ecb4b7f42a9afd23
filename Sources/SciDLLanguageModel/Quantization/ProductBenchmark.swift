import Foundation
import SciDLSupport
import SciDLTensor

/// One weight product timed in both arithmetics, for `scidl bench product`: x [tokens, columns] · Wᵀ with W a
/// random [rows, columns] matrix of `type` — a decoder's projection without the rest of the model, to see
/// what each arithmetic and instruction set gives on this CPU.
public struct ProductBenchmark: BenchmarkResult {
    public var benchmark = "quantised_product"
    public var type: String
    public var rows: Int, columns: Int, tokens: Int
    /// The fastest of `repeats` runs, in milliseconds, per arithmetic (int8 per instruction set this CPU has).
    public var milliseconds: [String: Double]
    /// Multiply-adds per second (10⁹) of the fastest run, per arithmetic.
    public var gigaMultiplyAdds: [String: Double]
    public var threads: Int

    public static func run(type name: String, rows: Int, columns: Int, tokens: Int, repeats: Int = 5) throws
        -> ProductBenchmark
    {
        guard let type = GGMLType.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw SciDLError("--type \(name): not a type SciDL reads (one of \(GGMLType.supportedNames))")
        }
        guard rows > 0, tokens > 0, columns > 0, columns % type.blockLength == 0 else {
            throw SciDLError(
                "--rows, --tokens and --columns must be positive, --columns a multiple of \(type.blockLength) for \(type.name)")
        }
        var rng = SeededGenerator(seed: 1)
        let bytes = (0..<type.byteCount(elements: rows * columns)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let owned = OwnedBytes(Self.withSaneScales(bytes, type))
        let stack = WeightStack([
            WeightMatrix(bytes: owned.bytes, type: type, rows: rows, columns: columns, owner: owned)
        ])
        let x = (0..<tokens * columns).map { _ in Float(rng.nextNormal()) }
        var y = [Float](repeating: 0, count: tokens * rows)
        func time(_ body: () -> Void) -> Double {
            body()
            return (0..<repeats).map { _ in
                let start = Date()
                body()
                return Date().timeIntervalSince(start) * 1000
            }.min()!
        }
        var ms: [String: Double] = [:]
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                ms["exact"] = time { stack.multiply(xp.baseAddress!, tokens: tokens, into: yp.baseAddress!) }
                guard let best = Int8Kernels.available, Int8Weights.Layout(type) != nil else { return }
                for kernels in best == .vnni ? [Int8Kernels.avx2, .vnni] : [.avx2] {
                    ms["int8 \(kernels.rawValue)"] = time {
                        stack.multiplyInInt8(
                            xp.baseAddress!, inputStride: columns, tokens: tokens, into: yp.baseAddress!, beta: 0,
                            kernels: kernels)
                    }
                }
            }
        }
        let work = Double(rows * columns * tokens)
        return ProductBenchmark(
            type: type.name, rows: rows, columns: columns, tokens: tokens, milliseconds: ms,
            gigaMultiplyAdds: ms.mapValues { work / ($0 / 1000) / 1e9 }, threads: Parallelism.threadCount)
    }

    /// Random blocks whose F16 scales are small normal numbers (random bits would include NaN and infinity).
    static func withSaneScales(_ bytes: [UInt8], _ type: GGMLType) -> [UInt8] {
        guard type.blockLength > 1 else { return bytes.map { _ in 0x2E } }  // floats: every value ≈ 0.1 (F16 0x2E2E)
        var out = bytes
        let offsets: [Int] =
            switch type {
            case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
            case .q6_K: [208]
            default: [0]
            }
        for block in 0..<(bytes.count / type.blockBytes) {
            for offset in offsets {
                out[block * type.blockBytes + offset] = 0x00
                out[block * type.blockBytes + offset + 1] = 0x10  // F16 0x1000 ≈ 6.1e-5·2 ≈ 1.2e-4
            }
        }
        return out
    }
}
