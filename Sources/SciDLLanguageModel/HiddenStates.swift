import SciDLTensor

/// Which token's hidden state stands for a text.
public enum TokenPosition: String, CaseIterable, Codable, Sendable {
    /// The first token, `[CLS]`.
    case first
    /// The last token, `[SEP]` for BERT: in a bidirectional encoder it has attended to the whole text.
    case last
    /// The mean over all of the text's tokens (special tokens included, padding never present).
    case mean
}

extension LanguageModel {
    /// Hidden states of `texts` at each of `layers` (0 = embeddings, i = block i), pooled at `position`:
    /// [texts.count, layers.count, d]. Texts are packed into batches of about `tokensPerBatch` real tokens
    /// (no padding is ever computed); `progress` is told how many texts are done after each batch.
    public func hiddenStates(
        of texts: [String], layers: [Int], position: TokenPosition, tokensPerBatch: Int = 4096,
        progress: (_ done: Int) -> Void = { _ in }
    ) throws -> Tensor {
        let c = encoder.configuration
        guard !layers.isEmpty else { throw SciDLError("no layers asked for: give e.g. --layers 0-\(c.layerCount)") }
        for l in layers where !(0...c.layerCount).contains(l) {
            throw SciDLError("layer \(l) does not exist: \(name) has layers 0 (embeddings) to \(c.layerCount)")
        }
        let d = c.hiddenSize
        var out = Tensor(zeros: [texts.count, layers.count, d])
        var start = 0
        while start < texts.count {
            var end = start, tokens = 0
            var batch: [[Int]] = []
            while end < texts.count, batch.isEmpty || tokens < tokensPerBatch {
                let ids = tokenizer.encode(texts[end], maxLength: c.maxPositions)
                batch.append(ids)
                tokens += ids.count
                end += 1
            }
            let rowStarts = segmentStarts(batch.map(\.count))
            encoder.forward(batch, through: layers.max()) { layer, states in
                for (j, l) in layers.enumerated() where l == layer {
                    for s in 0..<batch.count {
                        Self.pool(states, rows: rowStarts[s]..<rowStarts[s + 1], position: position,
                                  into: &out, offset: ((start + s) * layers.count + j) * d, width: d)
                    }
                }
            }
            start = end
            progress(end)
        }
        return out
    }

    static func pool(_ states: Tensor, rows: Range<Int>, position: TokenPosition, into out: inout Tensor, offset: Int, width d: Int) {
        states.scalars.withUnsafeBufferPointer { s in
            out.scalars.withUnsafeMutableBufferPointer { o in
                switch position {
                case .first: for j in 0..<d { o[offset + j] = s[rows.lowerBound * d + j] }
                case .last: for j in 0..<d { o[offset + j] = s[(rows.upperBound - 1) * d + j] }
                case .mean:
                    for j in 0..<d { o[offset + j] = 0 }
                    for r in rows { for j in 0..<d { o[offset + j] += s[r * d + j] } }
                    let inverse = 1 / Float(rows.count)
                    for j in 0..<d { o[offset + j] *= inverse }
                }
            }
        }
    }
}
