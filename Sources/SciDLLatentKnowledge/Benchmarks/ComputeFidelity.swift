import Foundation
import SciDLLanguageModel
import SciDLSupport
import SciDLTensor

/// How far the int8 arithmetic (`ComputeMode.int8`) moves a decoder's hidden states from the exact one, layer by
/// layer, on the same texts as `bench lm`: for `scidl bench fidelity` and docs/performance.md. Per layer, the
/// mean over texts of the cosine between the two states at the model's default position, the smallest such
/// cosine, and the relative error ‖int8 − exact‖ / ‖exact‖ over all texts.
public struct ComputeFidelity: BenchmarkResult {
    public struct Layer: Codable, Sendable {
        public var layer: Int
        public var meanCosine: Double, smallestCosine: Double, relativeError: Double
    }

    public var benchmark = "int8_fidelity"
    public var model: String
    public var data: String
    public var texts: Int
    /// `DecoderModel.computeDescription` of the int8 run.
    public var compute: String
    public var layers: [Layer]

    public static func run(model name: String, data: URL?, count: Int) throws -> ComputeFidelity {
        let exact = try ModelCatalog.load(name, compute: .exact)
        let int8 = try ModelCatalog.load(name, compute: .int8)
        guard let decoder = int8 as? DecoderModel, decoder.decoder.effectiveCompute == .int8 else {
            throw SciDLError(
                "\(name): the int8 arithmetic does not apply (\((int8 as? DecoderModel)?.computeDescription ?? "not a decoder"))")
        }
        let texts = try ThroughputBenchmark.texts(data: data, count: count)
        let layers = Array(0...exact.blockCount)
        let a = try exact.hiddenStates(of: texts, layers: layers, position: exact.defaultPosition)
        let b = try int8.hiddenStates(of: texts, layers: layers, position: int8.defaultPosition)
        let width = exact.width
        let rows = layers.map { l in
            var cosines: [Double] = []
            var (difference, size) = (0.0, 0.0)
            for t in 0..<texts.count {
                let offset = (t * layers.count + l) * width
                var (ab, aa, bb) = (0.0, 0.0, 0.0)
                for i in offset..<(offset + width) {
                    let (x, y) = (Double(a.scalars[i]), Double(b.scalars[i]))
                    (ab, aa, bb) = (ab + x * y, aa + x * x, bb + y * y)
                    difference += (x - y) * (x - y)
                }
                size += aa
                cosines.append(aa * bb > 0 ? ab / (aa * bb).squareRoot() : 1)
            }
            return Layer(
                layer: l, meanCosine: cosines.reduce(0, +) / Double(cosines.count),
                smallestCosine: cosines.min() ?? 1, relativeError: (difference / max(size, .leastNormalMagnitude)).squareRoot())
        }
        return ComputeFidelity(
            model: exact.name, data: data?.relativePath ?? "synthetic", texts: texts.count,
            compute: decoder.computeDescription, layers: rows)
    }
}
