import Foundation
import SciDLTensor

extension Decoder {
    /// log p(a) − log p(b) for pairs of token sequences under the model, each the sum of its tokens' next-token
    /// log-probabilities. The tokens the two share from the start add the same to both and are left out, so
    /// only the rows from the first difference on are unembedded (and the shared prefix's states computed
    /// once). Pairs go through the model `pairsPerBatch` at a time: the unembedding, a [vocabulary, width]
    /// matrix, is then read once per batch rather than once per pair.
    public func logLikelihoodDifferences(
        _ pairs: [(a: [Int], b: [Int])], pairsPerBatch: Int = 64, progress: (Int) -> Void = { _ in }
    ) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(pairs.count)
        for start in stride(from: 0, to: pairs.count, by: pairsPerBatch) {
            let batch = pairs[start..<min(start + pairsPerBatch, pairs.count)]
            var sequences: [[Int]] = []
            var rows: [Int] = []
            var targets: [Int] = []
            // Which pair and member each unembedded row scores.
            var owner: [(pair: Int, sign: Double)] = []
            var offset = 0
            for (k, pair) in batch.enumerated() {
                let shared = zip(pair.a, pair.b).prefix { $0 == $1 }.count
                // Token i is predicted at row i − 1; the first token (nothing before it) has no prediction.
                let first = max(shared, 1)
                for (sequence, sign) in [(pair.a, 1.0), (pair.b, -1.0)] {
                    for i in first..<max(first, sequence.count) {
                        rows.append(offset + i - 1)
                        targets.append(sequence[i])
                        owner.append((k, sign))
                    }
                    sequences.append(sequence)
                    offset += sequence.count
                }
            }
            var totals = [Double](repeating: 0, count: batch.count)
            if !rows.isEmpty {
                var states = Tensor(zeros: [0, configuration.width])
                forward(sequences, sites: [.finalNorm], rows: rows) { _, s in states = s }
                let logits = unembedding.product(states)
                let v = logits.shape[1]
                logits.scalars.withUnsafeBufferPointer { l in
                    for (r, target) in targets.enumerated() {
                        let row = UnsafeBufferPointer(rebasing: l[(r * v)..<((r + 1) * v)])
                        let top = Double(row.max() ?? 0)
                        let logSum = top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
                        totals[owner[r].pair] += owner[r].sign * (Double(row[min(target, v - 1)]) - logSum)
                    }
                }
            }
            out += totals
            progress(out.count)
        }
        return out
    }

    /// log p(a) − log p(b) for one pair of token sequences (see `logLikelihoodDifferences`).
    public func logLikelihoodDifference(_ a: [Int], _ b: [Int]) -> Double {
        logLikelihoodDifferences([(a, b)])[0]
    }
}

extension DecoderModel {
    /// How much likelier the model finds the first text of each pair than the second (log p(a) − log p(b), in
    /// nats): for the two members of a contrast pair, the model's own answer (Burns et al.'s zero-shot
    /// baseline).
    public func logLikelihoodDifferences(_ pairs: [(String, String)], progress: (Int) -> Void = { _ in }) -> [Double] {
        decoder.logLikelihoodDifferences(pairs.map { (tokenize($0.0), tokenize($0.1)) }, progress: progress)
    }
}
