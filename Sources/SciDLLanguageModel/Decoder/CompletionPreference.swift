import Foundation
import SciDLTensor

extension Decoder {
    /// log p(a) − log p(b) for two token sequences under the model, each the sum of its tokens' next-token
    /// log-probabilities. The tokens the two share from the start add the same to both and are left out, so
    /// only the logits from the first difference on are computed (and the shared prefix's states once).
    public func logLikelihoodDifference(_ a: [Int], _ b: [Int]) -> Double {
        let shared = zip(a, b).prefix { $0 == $1 }.count
        // Token i is predicted at row i − 1; the first token (nothing before it) has no prediction.
        let first = max(shared, 1)
        let predictedA = first < a.count ? Array(first..<a.count) : []
        let predictedB = first < b.count ? Array(first..<b.count) : []
        guard !predictedA.isEmpty || !predictedB.isEmpty else { return 0 }
        let rows = predictedA.map { $0 - 1 } + predictedB.map { a.count + $0 - 1 }
        var states = Tensor(zeros: [0, configuration.width])
        forward([a, b], sites: [.finalNorm], rows: rows) { _, s in states = s }
        let logits = unembedding.product(states)
        let v = logits.shape[1]
        let targets = predictedA.map { a[$0] } + predictedB.map { b[$0] }
        var total = [0.0, 0.0]
        logits.scalars.withUnsafeBufferPointer { l in
            for (r, target) in targets.enumerated() {
                let row = UnsafeBufferPointer(rebasing: l[(r * v)..<((r + 1) * v)])
                let top = Double(row.max() ?? 0)
                let logSum = top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
                total[r < predictedA.count ? 0 : 1] += Double(row[min(target, v - 1)]) - logSum
            }
        }
        return total[0] - total[1]
    }
}

extension DecoderModel {
    /// How much likelier the model finds text `a` than text `b` (log p(a) − log p(b), in nats): for the two
    /// members of a contrast pair, the model's own answer (Burns et al.'s zero-shot baseline).
    public func logLikelihoodDifference(_ a: String, _ b: String) -> Double {
        decoder.logLikelihoodDifference(tokenize(a), tokenize(b))
    }
}
