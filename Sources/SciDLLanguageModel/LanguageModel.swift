import SciDLSupport
import SciDLTensor

/// A transformer whose activations SciDL reads: a BERT encoder or a Llama-family decoder.
public protocol LanguageModel: Sendable {
    /// A short name for metadata and reports.
    var name: String { get }
    /// What identifies the model's weights on disk (path, size, modification time): cached activations
    /// are keyed on it.
    var identity: String { get }
    /// Blocks; `--layers` runs from 0 (embeddings) to `blockCount`.
    var blockCount: Int { get }
    /// d_model.
    var width: Int { get }
    /// The longest token sequence the model reads; longer texts keep their end, where the answer is.
    var maxTokens: Int { get }
    /// Token ids with the special tokens the model expects, at most `limit` of them: a longer text loses tokens
    /// from its start (keeping a leading BOS or [CLS]), because prompts end with the question and the answer
    /// whose states the probes read. `truncated` says whether any were lost.
    func tokenize(_ text: String, limit: Int) -> (ids: [Int], truncated: Bool)
    /// The token whose state stands for a text unless told otherwise.
    var defaultPosition: TokenPosition { get }
    /// Runs a packed batch and hands over the states at `sites` as computed: [Σ lengths, width] each, the
    /// sequences' rows one after another, or only `rows` of that layout (in that order) when given — a model
    /// may then skip work that no such row needs.
    func forward(
        _ sequences: [[Int]], sites: Set<ActivationSite>, rows: [Int]?,
        visit: (ActivationSite, Tensor) -> Void)
    /// What the model is, as name–value lines for `scidl model`.
    var summary: [(String, String)] { get }
    /// The vocabulary's spelling of a token id.
    func piece(_ id: Int) -> String
}

/// Which token's hidden state stands for a text.
public enum TokenPosition: String, CaseIterable, Codable, Sendable {
    /// The first token (`[CLS]` for BERT, BOS for decoders that add one).
    case first
    /// The last token: in a decoder the only one that has seen the whole text; `[SEP]` for BERT.
    case last
    /// The mean over all of the text's tokens (special tokens included, padding never present).
    case mean
}

/// What one pass over texts read: the pooled states and the rows asked for besides them.
public struct StatesPass: Sendable {
    /// [texts.count, sites.count, width].
    public var pooled: Tensor
    /// The `TokenReadout`'s rows, text after text, position after position: [Σ positions, width] (nil without one).
    public var readout: Tensor?
}

/// States to read in the same pass besides the pooled ones: at `site`, for each text, the states at the given
/// token positions (e.g. a decoder's final norm where it predicts the answer's tokens).
public struct TokenReadout: Sendable {
    public var site: ActivationSite
    /// Per text, positions into its own token ids.
    public var positions: [[Int]]

    public init(site: ActivationSite, positions: [[Int]]) {
        self.site = site
        self.positions = positions
    }
}

extension LanguageModel {
    /// Token ids, at most `maxTokens` (see `tokenize(_:limit:)`).
    public func tokenize(_ text: String) -> [Int] { tokenize(text, limit: maxTokens).ids }

    /// Every row of the packed batch at `sites`.
    public func forward(_ sequences: [[Int]], sites: Set<ActivationSite>, visit: (ActivationSite, Tensor) -> Void) {
        forward(sequences, sites: sites, rows: nil, visit: visit)
    }

    /// The site `--layers` number `layer` stands for, after checking that the model has it.
    public func site(layer: Int) throws -> ActivationSite {
        guard (0...blockCount).contains(layer) else {
            throw SciDLError("layer \(layer) does not exist: \(name) has layers 0 (embeddings) to \(blockCount)")
        }
        return ActivationSite(layer: layer)
    }

    /// Hidden states of `texts` at each of `layers` (0 = embeddings, i = block i), pooled at `position`:
    /// [texts.count, layers.count, width].
    public func hiddenStates(
        of texts: [String], layers: [Int], position: TokenPosition, tokensPerBatch: Int = 4096,
        progress: (_ done: Int) -> Void = { _ in }
    ) throws -> Tensor {
        guard !layers.isEmpty else { throw SciDLError("no layers asked for: give e.g. --layers 0-\(blockCount)") }
        return try hiddenStates(
            of: texts, sites: layers.map { try site(layer: $0) }, position: position,
            tokensPerBatch: tokensPerBatch, progress: progress)
    }

    /// Hidden states of `texts` at each of `sites`, pooled at `position`: [texts.count, sites.count, width].
    public func hiddenStates(
        of texts: [String], sites: [ActivationSite], position: TokenPosition, tokensPerBatch: Int = 4096,
        progress: (_ done: Int) -> Void = { _ in }
    ) throws -> Tensor {
        pass(
            of: tokenized(texts).ids, sites: sites, position: position, tokensPerBatch: tokensPerBatch,
            progress: progress
        ).pooled
    }

    /// `texts` as token ids, each at most `tokenLimit` tokens (default and ceiling: `maxTokens`; see
    /// `tokenize(_:limit:)`), and how many were cut to it.
    public func tokenized(_ texts: [String], tokenLimit: Int? = nil) -> (ids: [[Int]], truncated: Int) {
        let limit = min(tokenLimit ?? maxTokens, maxTokens)
        var truncated = 0
        let ids = texts.map { text -> [Int] in
            let (ids, cut) = tokenize(text, limit: limit)
            if cut { truncated += 1 }
            return ids
        }
        return (ids, truncated)
    }

    /// One pass over texts given as token ids (`tokenized`): their states at each of `sites` pooled at
    /// `position`, and the `readout`'s rows. Texts are packed into batches of about `tokensPerBatch` real tokens
    /// (no padding is ever computed); `progress` is told how many texts are done after each batch.
    public func pass(
        of texts: [[Int]], sites: [ActivationSite], position: TokenPosition, tokensPerBatch: Int = 4096,
        readout: TokenReadout? = nil, progress: (_ done: Int) -> Void = { _ in }
    ) -> StatesPass {
        let d = width
        var out = Tensor(zeros: [texts.count, sites.count, d])
        var readRows: [Float] = []
        forEachBatch(of: texts, sites: sites, position: position, tokensPerBatch: tokensPerBatch, readout: readout) {
            texts, batch in
            out.scalars.replaceSubrange(
                (texts.lowerBound * sites.count * d)..<(texts.upperBound * sites.count * d), with: batch.pooled.scalars)
            if let rows = batch.readout { readRows += rows.scalars }
            progress(texts.upperBound)
        }
        return StatesPass(
            pooled: out, readout: readout.map { _ in Tensor(shape: [readRows.count / d, d], scalars: readRows) })
    }

    /// The pass of `pass(of:)` handed over a batch at a time, for callers that store the states as they come
    /// (nothing of earlier batches is kept here): `body` gets the batch's texts and their `StatesPass`
    /// ([texts.count, sites.count, width] and the readout's rows of those texts).
    public func forEachBatch(
        of texts: [[Int]], sites: [ActivationSite], position: TokenPosition, tokensPerBatch: Int = 4096,
        readout: TokenReadout? = nil, _ body: (_ texts: Range<Int>, _ batch: StatesPass) throws -> Void
    ) rethrows {
        let d = width
        var start = 0
        while start < texts.count {
            var end = start
            var tokens = 0
            var batch: [[Int]] = []
            while end < texts.count, batch.isEmpty || tokens < tokensPerBatch {
                // An empty text (possible for decoders that add no BOS) reads as one token 0 rather than nothing.
                let ids = texts[end].isEmpty ? [0] : texts[end]
                batch.append(ids)
                tokens += ids.count
                end += 1
            }
            let rowStarts = segmentStarts(batch.map(\.count))
            // The first or last token's row of each text is all that `first` and `last` read.
            let pooledRows: [Int]? =
                switch position {
                case .first: Array(rowStarts.dropLast())
                case .last: rowStarts.dropFirst().map { $0 - 1 }
                case .mean: nil
                }
            // The readout's rows, in the batch's layout (positions past a text's end, which it does not have, are
            // dropped).
            let extra = readout.map { r in
                batch.indices.flatMap { b in
                    r.positions[start + b].filter { $0 < batch[b].count }.map { rowStarts[b] + $0 }
                }
            }
            let rows = pooledRows.map { $0 + (extra ?? []) }
            let allSites = Set(sites).union(readout.map { [$0.site] } ?? [])
            var out = Tensor(zeros: [batch.count, sites.count, d])
            var readRows: [Float] = []
            forward(batch, sites: allSites, rows: rows) { site, states in
                for (j, s) in sites.enumerated() where s == site {
                    for b in 0..<batch.count {
                        let offset = (b * sites.count + j) * d
                        if rows == nil {
                            pool(states, rows: rowStarts[b]..<rowStarts[b + 1], into: &out, offset: offset, width: d)
                        } else {
                            out.scalars.replaceSubrange(
                                offset..<(offset + d), with: states.scalars[(b * d)..<((b + 1) * d)])
                        }
                    }
                }
                if let extra, site == readout?.site {
                    // With pooled rows the readout's follow them; without (mean pooling) every row came back.
                    let picked = rows == nil ? extra : Array(batch.count..<(batch.count + extra.count))
                    for r in picked { readRows += states.scalars[(r * d)..<((r + 1) * d)] }
                }
            }
            try body(
                start..<end,
                StatesPass(
                    pooled: out,
                    readout: readout.map { _ in Tensor(shape: [readRows.count / d, d], scalars: readRows) }))
            start = end
        }
    }
}

/// The mean of `rows` of `states` into `out` at `offset`.
func pool(_ states: Tensor, rows: Range<Int>, into out: inout Tensor, offset: Int, width d: Int) {
    states.scalars.withUnsafeBufferPointer { s in
        out.scalars.withUnsafeMutableBufferPointer { o in
            for j in 0..<d { o[offset + j] = 0 }
            for r in rows { for j in 0..<d { o[offset + j] += s[r * d + j] } }
            let inverse = 1 / Float(rows.count)
            for j in 0..<d { o[offset + j] *= inverse }
        }
    }
}
