import Foundation
import SciDLSupport
import SciDLTensor

/// A BERT encoder (post-LayerNorm, as in Devlin et al. and all-MiniLM-L6-v2) for inference on the CPU.
///
/// Sequences of a batch are *packed*: their tokens are stacked into one [tokens, d] matrix with no
/// padding, so every dense layer is one matrix product over real tokens only, and attention runs per
/// sequence and head on that sequence's rows. This computes what a padded, masked batch computes (a masked
/// score's weight is exactly zero there), without the padded rows.
public struct BertEncoder: Sendable {
    public let configuration: BertConfiguration

    struct Layer: Sendable {
        /// Query, key and value projections stacked: [3d, d] (PyTorch's [out, in]) and [3d].
        var qkvWeight: Tensor, qkvBias: Tensor
        var attentionOutWeight: Tensor, attentionOutBias: Tensor
        var attentionNormScale: Tensor, attentionNormShift: Tensor
        var intermediateWeight: Tensor, intermediateBias: Tensor
        var outputWeight: Tensor, outputBias: Tensor
        var outputNormScale: Tensor, outputNormShift: Tensor
    }

    let wordEmbeddings: Tensor, positionEmbeddings: Tensor, tokenTypeEmbedding: Tensor
    let embeddingNormScale: Tensor, embeddingNormShift: Tensor
    let layers: [Layer]

    /// Loads weights named as Hugging Face's `BertModel` names them (an optional `bert.` prefix allowed).
    public init(configuration c: BertConfiguration, weights file: SafetensorsFile, source: String) throws {
        configuration = c
        let prefix = file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func w(_ name: String, _ shape: [Int]) throws -> Tensor {
            let t = try file.tensor(prefix + name, in: source)
            guard t.shape == shape else {
                throw SciDLError("\(source): \(prefix + name) has shape \(t.shape), but config.json implies \(shape)")
            }
            return t
        }
        let d = c.hiddenSize
        let f = c.intermediateSize
        wordEmbeddings = try w("embeddings.word_embeddings.weight", [c.vocabularySize, d])
        positionEmbeddings = try w("embeddings.position_embeddings.weight", [c.maxPositions, d])
        let types = try file.tensor(prefix + "embeddings.token_type_embeddings.weight", in: source)
        guard types.rank == 2, types.shape[1] == d, types.shape[0] >= 1 else {
            throw SciDLError("\(source): token_type_embeddings has shape \(types.shape), expected [types, \(d)]")
        }
        tokenTypeEmbedding = Tensor(shape: [d], scalars: types.row(0))
        embeddingNormScale = try w("embeddings.LayerNorm.weight", [d])
        embeddingNormShift = try w("embeddings.LayerNorm.bias", [d])
        layers = try (0..<c.layerCount).map { i in
            let p = "encoder.layer.\(i)."
            let q = try w(p + "attention.self.query.weight", [d, d])
            let k = try w(p + "attention.self.key.weight", [d, d])
            let v = try w(p + "attention.self.value.weight", [d, d])
            let qb = try w(p + "attention.self.query.bias", [d])
            let kb = try w(p + "attention.self.key.bias", [d])
            let vb = try w(p + "attention.self.value.bias", [d])
            return Layer(
                qkvWeight: Tensor(shape: [3 * d, d], scalars: q.scalars + k.scalars + v.scalars),
                qkvBias: Tensor(shape: [3 * d], scalars: qb.scalars + kb.scalars + vb.scalars),
                attentionOutWeight: try w(p + "attention.output.dense.weight", [d, d]),
                attentionOutBias: try w(p + "attention.output.dense.bias", [d]),
                attentionNormScale: try w(p + "attention.output.LayerNorm.weight", [d]),
                attentionNormShift: try w(p + "attention.output.LayerNorm.bias", [d]),
                intermediateWeight: try w(p + "intermediate.dense.weight", [f, d]),
                intermediateBias: try w(p + "intermediate.dense.bias", [f]),
                outputWeight: try w(p + "output.dense.weight", [d, f]),
                outputBias: try w(p + "output.dense.bias", [d]),
                outputNormScale: try w(p + "output.LayerNorm.weight", [d]),
                outputNormShift: try w(p + "output.LayerNorm.bias", [d]))
        }
    }

    /// Runs the packed batch `sequences` (token ids, each with its special tokens) and hands each hidden
    /// state to `visit` as it is computed: layer 0 is the embedding output (after its LayerNorm), layer i
    /// the output of block i, each a [Σ lengths, d] matrix of the sequences' rows one after another.
    /// Stops after `lastLayer`, since later blocks cannot change earlier states.
    public func forward(
        _ sequences: [[Int]], through lastLayer: Int? = nil, visit: (_ layer: Int, _ states: Tensor) -> Void
    ) {
        let c = configuration
        let last = min(lastLayer ?? c.layerCount, c.layerCount)
        let lengths = sequences.map(\.count)
        precondition(
            lengths.allSatisfy { $0 > 0 && $0 <= c.maxPositions }, "sequence lengths must be in 1...\(c.maxPositions)")
        var x = embed(sequences)
        visit(0, x)
        guard last > 0 else { return }
        let starts = segmentStarts(lengths)
        for (i, layer) in layers.prefix(last).enumerated() {
            x = block(layer, x, starts: starts)
            visit(i + 1, x)
        }
    }

    /// word + position + token type 0, then LayerNorm.
    func embed(_ sequences: [[Int]]) -> Tensor {
        let d = configuration.hiddenSize
        let total = sequences.reduce(0) { $0 + $1.count }
        var x = Tensor(zeros: [total, d])
        x.scalars.withUnsafeMutableBufferPointer { out in
            wordEmbeddings.scalars.withUnsafeBufferPointer { word in
                positionEmbeddings.scalars.withUnsafeBufferPointer { position in
                    tokenTypeEmbedding.scalars.withUnsafeBufferPointer { type in
                        var row = 0
                        for sequence in sequences {
                            for (p, id) in sequence.enumerated() {
                                let id = min(max(id, 0), configuration.vocabularySize - 1)
                                for j in 0..<d { out[row * d + j] = word[id * d + j] + position[p * d + j] + type[j] }
                                row += 1
                            }
                        }
                    }
                }
            }
        }
        normalise(&x, scale: embeddingNormScale, shift: embeddingNormShift)
        return x
    }

    /// One post-LayerNorm block: h = LN(x + Attn(x)); out = LN(h + FFN(h)). Each product adds into an
    /// output that already holds its bias (and residual), so no separate pass adds them.
    func block(_ l: Layer, _ x: Tensor, starts: [Int]) -> Tensor {
        let qkv = Self.affine(x, l.qkvWeight, plus: l.qkvBias)  // [T, 3d]
        let context = attention(qkv, starts: starts)  // [T, d]
        var h = Self.affine(context, l.attentionOutWeight, plus: l.attentionOutBias, residual: x)
        normalise(&h, scale: l.attentionNormScale, shift: l.attentionNormShift)
        var inner = Self.affine(h, l.intermediateWeight, plus: l.intermediateBias)  // [T, f]
        activate(&inner)
        var out = Self.affine(inner, l.outputWeight, plus: l.outputBias, residual: h)  // [T, d]
        normalise(&out, scale: l.outputNormScale, shift: l.outputNormShift)
        return out
    }

    /// softmax(Q Kᵀ / √d_head) V for every sequence and head, read from the packed [T, 3d] projections.
    func attention(_ qkv: Tensor, starts: [Int]) -> Tensor {
        let d = configuration.hiddenSize
        let heads = configuration.headCount
        let dh = configuration.headSize
        let total = starts.last!
        let sequenceCount = starts.count - 1
        let scale = 1 / Float(dh).squareRoot()
        let maxLength = zip(starts.dropFirst(), starts).map { $0 - $1 }.max() ?? 0
        let out = [Float](unsafeUninitializedCapacity: total * d) { context, initialized in
            qkv.scalars.withUnsafeBufferPointer { p in
                let base = p.baseAddress!
                parallelChunks(sequenceCount * heads, minimumPerThread: 4) { range in
                    var scores = [Float](repeating: 0, count: maxLength * maxLength)
                    scores.withUnsafeMutableBufferPointer { s in
                        for task in range {
                            let sequence = task / heads
                            let head = task % heads
                            let start = starts[sequence]
                            let length = starts[sequence + 1] - start
                            let q = base + start * 3 * d + head * dh
                            // scores [L, L] = Q_h · K_hᵀ, scaled
                            BLAS.gemm(
                                transposeA: false, transposeB: true, m: length, n: length, k: dh, alpha: scale,
                                a: q, lda: 3 * d, b: q + d, ldb: 3 * d, c: s.baseAddress!, ldc: length)
                            for r in 0..<length { softmaxInPlace(s.baseAddress! + r * length, count: length) }
                            // context rows of this head [L, dh] = P · V_h
                            BLAS.gemm(
                                transposeA: false, transposeB: false, m: length, n: dh, k: length,
                                a: s.baseAddress!, lda: length, b: q + 2 * d, ldb: 3 * d,
                                c: context.baseAddress! + start * d + head * dh, ldc: d)
                        }
                    }
                }
            }
            initialized = total * d
        }
        return Tensor(shape: [total, d], scalars: out)
    }

    /// The configured activation, in place.
    func activate(_ x: inout Tensor) {
        let activation = configuration.hiddenActivation
        x.scalars.withUnsafeMutableBufferPointer { v in
            parallelChunks(v.count, minimumPerThread: 1 << 14, granularity: 8) { range in
                let p = v.baseAddress!
                var i = range.lowerBound
                switch activation {
                case .relu:
                    for j in range { p[j] = max(0, p[j]) }
                    return
                case .gelu:
                    while i + 8 <= range.upperBound {
                        let z = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                        let y = 0.5 * z * (1 + Activation.erf(z * 0.70710678118654752))
                        UnsafeMutableRawPointer(p + i).storeBytes(of: y, as: SIMD8<Float>.self)
                        i += 8
                    }
                    for j in i..<range.upperBound {
                        p[j] = 0.5 * p[j] * (1 + Activation.erf(p[j] * 0.70710678118654752))
                    }
                case .geluTanh, .geluPyTorchTanh:
                    for j in range { p[j] = Activation.tanhGELU(p[j]) }
                }
            }
        }
    }

    /// LayerNorm of every row in place, with PyTorch's biased variance.
    func normalise(_ x: inout Tensor, scale: Tensor, shift: Tensor) {
        let d = configuration.hiddenSize
        let eps = configuration.layerNormEpsilon
        x.scalars.withUnsafeMutableBufferPointer { o in
            scale.scalars.withUnsafeBufferPointer { g in
                shift.scalars.withUnsafeBufferPointer { beta in
                    parallelChunks(o.count / d, minimumPerThread: 32) { rows in
                        for r in rows {
                            normaliseRow(o.baseAddress! + r * d, d, g.baseAddress!, beta.baseAddress!, eps)
                        }
                    }
                }
            }
        }
    }

    /// x · Wᵀ + bias (+ residual) for a PyTorch-layout weight [out, in]: the output starts as the bias
    /// (plus the residual) and the product is added into it.
    static func affine(_ x: Tensor, _ weight: Tensor, plus bias: Tensor, residual: Tensor? = nil) -> Tensor {
        let (m, k, n) = (x.rowCount, x.rowLength, weight.shape[0])
        let out = [Float](unsafeUninitializedCapacity: m * n) { c, initialized in
            bias.scalars.withUnsafeBufferPointer { b in
                (residual?.scalars ?? []).withUnsafeBufferPointer { res in
                    parallelChunks(m, minimumPerThread: 64) { rows in
                        for r in rows {
                            if res.isEmpty {
                                (c.baseAddress! + r * n).update(from: b.baseAddress!, count: n)
                            } else {
                                for j in 0..<n { c[r * n + j] = b[j] + res[r * n + j] }
                            }
                        }
                    }
                }
            }
            x.scalars.withUnsafeBufferPointer { a in
                weight.scalars.withUnsafeBufferPointer { w in
                    BLAS.gemm(
                        transposeA: false, transposeB: true, m: m, n: n, k: k, a: a.baseAddress!, b: w.baseAddress!,
                        beta: 1, c: c.baseAddress!)
                }
            }
            initialized = m * n
        }
        return Tensor(shape: [m, n], scalars: out)
    }
}

/// LayerNorm of one row of `d` floats, 8 lanes at a time.
@inline(__always)
func normaliseRow(
    _ row: UnsafeMutablePointer<Float>, _ d: Int, _ scale: UnsafePointer<Float>, _ shift: UnsafePointer<Float>,
    _ eps: Float
) {
    let lanes = d / 8 * 8
    var sum = SIMD8<Float>()
    var tail: Float = 0
    for j in stride(from: 0, to: lanes, by: 8) { sum += UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) }
    for j in lanes..<d { tail += row[j] }
    let mean = (sum.sum() + tail) / Float(d)
    var square = SIMD8<Float>()
    tail = 0
    for j in stride(from: 0, to: lanes, by: 8) {
        let c = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) - mean
        square += c * c
    }
    for j in lanes..<d { tail += (row[j] - mean) * (row[j] - mean) }
    let inverse = 1 / ((square.sum() + tail) / Float(d) + eps).squareRoot()
    for j in 0..<d { row[j] = (row[j] - mean) * inverse * scale[j] + shift[j] }
}
