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
                let scored = Self.answerPositions(pair.a, pair.b)
                for (m, (sequence, sign)) in [(pair.a, 1.0), (pair.b, -1.0)].enumerated() {
                    rows += scored.positions[m].map { offset + $0 }
                    targets += scored.targets[m]
                    owner += scored.targets[m].map { _ in (k, sign) }
                    sequences.append(sequence)
                    offset += sequence.count
                }
            }
            var totals = [Double](repeating: 0, count: batch.count)
            if !rows.isEmpty {
                var states = Tensor(zeros: [0, configuration.width])
                forward(sequences, sites: [.finalNorm], rows: rows) { _, s in states = s }
                for (r, logP) in nextTokenLogProbabilities(states, targets: targets).enumerated() {
                    totals[owner[r].pair] += owner[r].sign * logP
                }
            }
            out += totals
            progress(out.count)
        }
        return out
    }

    /// log p(target) for each row of final-norm `states` [rows, width]: the log-softmax of its logits at
    /// `targets[row]`. The logits are made `rowsPerProduct` rows at a time, since a row of them is the
    /// vocabulary's size: by default as many as fit 64 MB of logits, at most 256 (Gemma's 262,144-token
    /// vocabulary: 64 rows).
    public func nextTokenLogProbabilities(_ states: Tensor, targets: [Int], rowsPerProduct: Int? = nil) -> [Double] {
        let d = configuration.width
        let rowsPerProduct = rowsPerProduct ?? max(1, min(256, (1 << 24) / max(unembedding.rows, 1)))
        var out: [Double] = []
        out.reserveCapacity(targets.count)
        for start in stride(from: 0, to: targets.count, by: rowsPerProduct) {
            let end = min(start + rowsPerProduct, targets.count)
            let logits = self.logits(
                Tensor(shape: [end - start, d], scalars: Array(states.scalars[(start * d)..<(end * d)])),
                compute: .exact)
            let v = logits.shape[1]
            logits.scalars.withUnsafeBufferPointer { l in
                for r in 0..<(end - start) {
                    // log p(target) is minus the cross-entropy (the tensor module's one log-sum-exp).
                    let row = UnsafeBufferPointer(rebasing: l[(r * v)..<((r + 1) * v)]).lazy.map { Double($0) }
                    out.append(-crossEntropy(logits: row, target: min(targets[start + r], v - 1)))
                }
            }
        }
        return out
    }

    /// Where a pair of token sequences' log-likelihood difference is read: for each member, the positions
    /// whose next-token prediction scores one of its own tokens (from the first token the two do not share;
    /// token i is predicted at position i − 1), and those tokens.
    public static func answerPositions(_ a: [Int], _ b: [Int]) -> (positions: [[Int]], targets: [[Int]]) {
        let shared = zip(a, b).prefix { $0 == $1 }.count
        let first = max(shared, 1)
        func member(_ s: [Int]) -> ([Int], [Int]) {
            let scored = Array(first..<max(first, s.count))
            return (scored.map { $0 - 1 }, scored.map { s[$0] })
        }
        let (pa, ta) = member(a)
        let (pb, tb) = member(b)
        return ([pa, pb], [ta, tb])
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
