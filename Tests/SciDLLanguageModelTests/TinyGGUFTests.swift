import Foundation
import SciDLTensor
import SciDLTestSupport
import XCTest

@testable import SciDLLanguageModel

/// Tiny random GGUF models written by `GGUFWriter`: every supported tensor type, both tokenizer kinds, a
/// `llama` model without biases and a `qwen2` model with them. The fast path (packed batches, panel-wise
/// dequantised products, adjacent-pair RoPE on GGUF's row order) is checked against the model's equations
/// written out plainly below, one token and one head at a time, in Hugging Face's row order.
final class TinyGGUFTests: XCTestCase {
    func testByteLevelTokenizerMergesByRank() throws {
        let model = try DecoderModel(
            gguf: TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 1))
        // "the" → t + he; " the" → Ġt + he → Ġthe; special token; "hello" → he + l + l + o → he + ll + o → he + llo.
        XCTAssertEqual(model.tokenize("the the<|endoftext|>hello"), [116, 257, 258, 261, 257, 260])
        XCTAssertEqual(model.tokenize("é 42"), [195, 169, 32, 52, 50], "bytes spelled, digits one by one (smollm)")
        XCTAssertEqual(
            model.tokenize("e\u{301}<|endoftext|>x"), [101, 0xCC, 0x81, 261, 120],
            "a special token right after a combining mark, inside one grapheme")
    }

    func testSentencePieceTokenizerMergesByScoreWithByteFallback() throws {
        let model = try DecoderModel(
            gguf: TinyGGUF.model(architecture: "qwen2", tokenizer: TinyGGUF.llamaTokenizer, seed: 2))
        let id = { (piece: String) in 259 + TinyGGUF.pieces.firstIndex { $0.0 == piece }! }
        XCTAssertEqual(model.tokenize("hello"), [1, id("▁hello")], "BOS, then ll, he, llo, ▁he, ▁hello by score")
        XCTAssertEqual(model.tokenize("hé"), [1, id("▁h"), 3 + 0xC3, 3 + 0xA9], "é is not a piece: its UTF-8 bytes")
        XCTAssertEqual(
            model.tokenize("</s>hello"), [1, 2, id("▁hello")], "control tokens in the text; a space after them")
    }

    func testLlamaMatchesItsEquations() throws {
        try checkAgainstReference(TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 3))
    }

    func testQwen2WithBiasesMatchesItsEquations() throws {
        try checkAgainstReference(TinyGGUF.model(architecture: "qwen2", tokenizer: TinyGGUF.llamaTokenizer, seed: 4))
    }

    func checkAgainstReference(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try DecoderModel(gguf: url)
        let c = model.decoder.configuration
        XCTAssertEqual([c.blockCount, c.width, c.mlpWidth, c.headCount, c.keyValueHeadCount], [2, 256, 512, 4, 2])
        let types = Set(
            model.decoder.blocks.flatMap {
                [$0.query, $0.key, $0.value, $0.output, $0.gate, $0.up, $0.down].map(\.type)
            })
        XCTAssertEqual(types, Set(GGMLType.allCases), "every tensor type is exercised", file: file, line: line)
        var rng = SeededGenerator(seed: 9)
        let sequences = [4, 1, 6].map { n in (0..<n).map { _ in rng.nextInt(below: c.vocabularySize) } }
        let sites: [ActivationSite] = [.embed, .residualPost(block: 0), .residualPost(block: 1), .finalNorm]
        var fast: [ActivationSite: Tensor] = [:]
        model.decoder.forward(sequences, sites: Set(sites)) { fast[$0] = $1 }
        let reference = ReferenceDecoder(model.decoder)
        let expected = sequences.map { reference.run($0) }
        var worst = 0.0
        for site in sites {
            let got = try XCTUnwrap(fast[site])
            let want = Tensor(shape: got.shape, scalars: expected.flatMap { $0[site]!.flatMap { $0 } })
            let error = relativeError(got, want)
            worst = max(worst, error)
            XCTAssertLessThan(error, 5e-6, "\(c.architecture) \(site)", file: file, line: line)
        }
        let logits = model.decoder.lastTokenLogits(sequences)
        for (i, e) in expected.enumerated() {
            let want = reference.logits(e[.finalNorm]!.last!)
            XCTAssertLessThan(
                relativeError(
                    Tensor(shape: [want.count], scalars: logits.row(i)), Tensor(shape: [want.count], scalars: want)),
                1e-4, "\(c.architecture) logits", file: file, line: line)
        }
        print("tiny \(c.architecture): worst relative difference from the reference equations \(worst)")
    }

    /// Sequences that start alike share their prefix rows; the states they get are those each sequence gets
    /// alone, at every site.
    func testSharedPrefixesGiveEachSequenceItsOwnStates() throws {
        let model = try DecoderModel(
            gguf: TinyGGUF.model(architecture: "qwen2", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 6))
        var rng = SeededGenerator(seed: 8)
        func random(_ n: Int) -> [Int] { (0..<n).map { _ in rng.nextInt(below: 262) } }
        let prompt = random(70)  // longer than one 64-row attention tile
        let sequences = [
            prompt + [1], prompt + [2], prompt + [3, 4], Array(prompt.prefix(5)) + random(3),
            random(1), random(9), [7, 7, 7], [7, 7, 7],
        ]
        let layout = SharedPrefixes(sequences)
        XCTAssertEqual(layout.sequenceRows.count, sequences.count)
        XCTAssertEqual(
            layout.rowCount, 70 + 1 + 1 + 2 + 8 + 1 + 9 + 2 + 1 + 1,
            "the three long prompts share 70 rows; [7, 7, 7] twice shares 2; the rest share nothing")
        let sites: Set<ActivationSite> = [.embed, .residualPost(block: 1), .finalNorm]
        // Products blocked differently round differently: worst measured 1.4e-6.
        var together: [ActivationSite: Tensor] = [:]
        model.decoder.forward(sequences, sites: sites) { together[$0] = $1 }
        var offset = 0
        for sequence in sequences {
            var alone: [ActivationSite: Tensor] = [:]
            model.decoder.forward([sequence], sites: sites) { alone[$0] = $1 }
            for site in sites {
                let all = try XCTUnwrap(together[site])
                let d = all.shape[1]
                let rows = Tensor(
                    shape: [sequence.count, d],
                    scalars: Array(all.scalars[(offset * d)..<((offset + sequence.count) * d)]))
                XCTAssertLessThan(
                    relativeError(rows, try XCTUnwrap(alone[site])), 5e-6,
                    "\(site) of a \(sequence.count)-token sequence")
            }
            offset += sequence.count
        }
    }

    /// Asked for some rows only, the decoder computes the last block's attention and MLP for those rows
    /// alone; they get the states a full pass gives them — first tokens (shared by every sequence that shares
    /// a prefix, asked for twice), last tokens and a middle one, with and without prefix sharing. And a shared
    /// prefix gives the states of no sharing — for Gemma 3 too, whose 5-token sliding window (in these prompts of
    /// up to 79 tokens) must hold for the rows after a shared prefix as for any other.
    func testChosenRowsGetTheStatesOfAFullPass() throws {
        for architecture in ["llama", "gemma3"] {
            try chosenRowsGetTheStatesOfAFullPass(architecture)
        }
    }

    func chosenRowsGetTheStatesOfAFullPass(_ architecture: String) throws {
        let model = try DecoderModel(
            gguf: TinyGGUF.model(architecture: architecture, tokenizer: TinyGGUF.gpt2Tokenizer, seed: 7))
        var rng = SeededGenerator(seed: 11)
        func random(_ n: Int) -> [Int] { (0..<n).map { _ in rng.nextInt(below: 262) } }
        let prompt = random(9)
        let sequences = [prompt + [1], prompt + [2, 3], random(1), random(5), prompt + random(70)]
        let starts = segmentStarts(sequences.map(\.count))
        let rows = [starts[0], starts[1], starts[1] + 10, starts[2]] + starts.dropFirst().map { $0 - 1 }
        for sites in [
            Set<ActivationSite>([.embed, .residualPost(block: 0), .residualPost(block: 1), .finalNorm]),
            [.residualPost(block: 0)],
        ] {
            var unshared: [ActivationSite: Tensor] = [:]
            model.decoder.forward(sequences, sites: sites, sharingPrefixes: false) { unshared[$0] = $1 }
            for sharing in [true, false] {
                var full: [ActivationSite: Tensor] = [:]
                var chosen: [ActivationSite: Tensor] = [:]
                model.decoder.forward(sequences, sites: sites, sharingPrefixes: sharing) { full[$0] = $1 }
                for site in sites {
                    XCTAssertLessThan(
                        relativeError(try XCTUnwrap(full[site]), try XCTUnwrap(unshared[site])), 5e-6,
                        "\(architecture) \(site), sharing \(sharing)")
                }
                model.decoder.forward(sequences, sites: sites, rows: rows, sharingPrefixes: sharing) { chosen[$0] = $1 }
                XCTAssertEqual(Set(chosen.keys), sites)
                for site in sites {
                    let got = try XCTUnwrap(chosen[site])
                    XCTAssertEqual(got.shape, [rows.count, model.width])
                    // Products over fewer rows round differently.
                    XCTAssertLessThan(
                        relativeError(got, try XCTUnwrap(full[site]).gatherRows(rows)), 5e-6,
                        "\(architecture) \(site), sharing \(sharing)")
                }
            }
        }
    }

    /// Every product against a plain dot product over the dequantised rows, for several token counts.
    func testQuantisedProductsMatchPlainDotProducts() throws {
        var rng = SeededGenerator(seed: 5)
        for type in GGMLType.allCases {
            let (rows, columns) = (70, 512)
            let owner = OwnedBytes(GGUFWriter.randomBytes(type, elements: rows * columns, &rng, scale: 0.1))
            let w = WeightMatrix(bytes: owner.bytes, type: type, rows: rows, columns: columns, owner: owner)
            let dense = w.dequantized()
            for tokens in [1, 3, 40] {
                let x = Tensor.randomNormal([tokens, columns], using: &rng)
                let y = w.product(x)
                var want = [Float](repeating: 0, count: tokens * rows)
                for t in 0..<tokens {
                    for r in 0..<rows {
                        var s = 0.0
                        for k in 0..<columns {
                            s += Double(x.scalars[t * columns + k]) * Double(dense[r * columns + k])
                        }
                        want[t * rows + r] = Float(s)
                    }
                }
                XCTAssertLessThan(
                    relativeError(y, Tensor(shape: [tokens, rows], scalars: want)), 1e-5,
                    "\(type.name) × \(tokens) tokens")
            }
        }
    }
}

/// The decoder's equations written out plainly for one sequence: RMSNorm, q/k/v (+ bias), RoPE in
/// Hugging Face's halves convention (GGUF Llama rows un-permuted first, as transformers does), causal
/// grouped-query attention head by head, SwiGLU, residuals; doubles throughout.
final class ReferenceDecoder {
    let d: SciDLLanguageModel.Decoder
    /// Dequantised weights by address, each made once.
    var dense: [UnsafeRawPointer: [Float]] = [:]
    init(_ d: SciDLLanguageModel.Decoder) { self.d = d }

    func run(_ ids: [Int]) -> [ActivationSite: [[Float]]] {
        let c = d.configuration
        let width = c.width
        let dh = c.headSize
        let embedding = d.embedding.dequantized()
        var x: [[Double]] = ids.map { id in (0..<width).map { Double(embedding[id * width + $0]) } }
        var out: [ActivationSite: [[Float]]] = [.embed: x.map { $0.map(Float.init) }]
        for (i, b) in d.blocks.enumerated() {
            let n = x.map { norm($0, b.attentionNorm) }
            var q = linear(n, b.query, b.queryBias)
            var k = linear(n, b.key, b.keyBias)
            let v = linear(n, b.value, b.valueBias)
            if c.rotary.pairing == .adjacentPairs {
                q = q.map { unpermute($0) }
                k = k.map { unpermute($0) }
            }
            q = q.enumerated().map { rope($0.element, position: $0.offset) }
            k = k.enumerated().map { rope($0.element, position: $0.offset) }
            var context = [[Double]](repeating: [Double](repeating: 0, count: c.headCount * dh), count: ids.count)
            for h in 0..<c.headCount {
                let g = h / (c.headCount / c.keyValueHeadCount)
                for t in 0..<ids.count {
                    var scores = (0...t).map { s in
                        (0..<dh).reduce(0.0) { $0 + q[t][h * dh + $1] * k[s][g * dh + $1] } / Double(dh).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let z = scores.reduce(0, +)
                    for j in 0..<dh {
                        context[t][h * dh + j] = (0...t).reduce(0.0) { $0 + scores[$1] / z * v[$1][g * dh + j] }
                    }
                }
            }
            let attention = linear(context, b.output, nil)
            for t in x.indices { for j in 0..<width { x[t][j] += attention[t][j] } }
            let m = x.map { norm($0, b.mlpNorm) }
            let gate = linear(m, b.gate, nil)
            let up = linear(m, b.up, nil)
            let hidden = zip(gate, up).map { zip($0, $1).map { g, u in g / (1 + exp(-g)) * u } }
            let down = linear(hidden, b.down, nil)
            for t in x.indices { for j in 0..<width { x[t][j] += down[t][j] } }
            out[.residualPost(block: i)] = x.map { $0.map(Float.init) }
        }
        out[.finalNorm] = x.map { norm($0, d.finalNorm).map(Float.init) }
        return out
    }

    func logits(_ normalised: [Float]) -> [Float] {
        linear([normalised.map(Double.init)], d.unembedding, nil)[0].map(Float.init)
    }

    func norm(_ v: [Double], _ weight: [Float]) -> [Double] {
        let scale =
            1 / (v.reduce(0) { $0 + $1 * $1 } / Double(v.count) + Double(d.configuration.normEpsilon)).squareRoot()
        return zip(v, weight).map { $0 * scale * Double($1) }
    }

    func linear(_ x: [[Double]], _ w: WeightMatrix, _ bias: [Float]?) -> [[Double]] {
        let dense = self.dense[w.bytes.baseAddress!] ?? w.dequantized()
        self.dense[w.bytes.baseAddress!] = dense
        return x.map { row in
            dense.withUnsafeBufferPointer { weights in
                row.withUnsafeBufferPointer { input in
                    var out = [Double](repeating: 0, count: w.rows)
                    for r in 0..<w.rows {
                        var sum = Double(bias?[r] ?? 0)
                        for k in 0..<w.columns { sum += input[k] * Double(weights[r * w.columns + k]) }
                        out[r] = sum
                    }
                    return out
                }
            }
        }
    }

    /// GGUF's Llama rows (head, i, j) at h·dh + 2i + j back to Hugging Face's h·dh + j·dh/2 + i.
    func unpermute(_ v: [Double]) -> [Double] {
        let dh = d.configuration.headSize
        var out = v
        for h in 0..<(v.count / dh) {
            for i in 0..<(dh / 2) { for j in 0..<2 { out[h * dh + j * dh / 2 + i] = v[h * dh + 2 * i + j] } }
        }
        return out
    }

    /// rotate_half RoPE: pairs (i, i + dh/2) rotated by position · base^(−2i/dh).
    func rope(_ v: [Double], position: Int) -> [Double] {
        let dh = d.configuration.headSize
        let half = dh / 2
        let base = Double(d.configuration.rotary.base)
        var out = v
        for h in 0..<(v.count / dh) {
            for i in 0..<half {
                let angle = Double(position) * pow(base, -Double(2 * i) / Double(dh))
                let a = v[h * dh + i]
                let b = v[h * dh + i + half]
                out[h * dh + i] = a * cos(angle) - b * sin(angle)
                out[h * dh + i + half] = b * cos(angle) + a * sin(angle)
            }
        }
        return out
    }
}
