import Foundation
import SciDLAutodiff
import SciDLReports
import SciDLSupport
import SciDLTensor

/// M embedding-MLPs of one shape with their weights stacked along a leading model axis, so one forward
/// and backward pass — segmented matrix products, each model's rows through its own weights — trains
/// them all, without padding smaller training sets to the largest.
///
///     embed [M·V, d]          model m's token t is row m·V + t
///     W_in [M, 2d, h], b_in [M, h], W_out [M, h, p], b_out [M, p]
///
/// AdamW and weight decay act elementwise, and each model's loss is its own mean (rows weighted 1/Nₘ), so
/// this trains exactly the M models one would train separately — only faster when they are small.
public struct StackedEmbeddingMLP: Module {
    public let count: Int, vocabulary: Int, operands: Int
    public let embed: Variable
    public let inputWeight: Variable, inputBias: Variable
    public let outputWeight: Variable, outputBias: Variable

    /// Stacks separately built models (which fixes their initialisation, seed by seed).
    public init(stacking models: [EmbeddingMLP]) {
        precondition(!models.isEmpty)
        func stack(_ part: (EmbeddingMLP) -> Tensor) -> Tensor {
            let ts = models.map(part)
            precondition(ts.allSatisfy { $0.shape == ts[0].shape }, "stacked models must share a shape")
            return Tensor(shape: [ts.count] + ts[0].shape, scalars: ts.flatMap(\.scalars))
        }
        count = models.count
        vocabulary = models[0].embed.weight.shape[0]
        operands = models[0].operands
        let e = stack { $0.embed.weight.value }
        embed = Variable(e.reshaped([count * vocabulary, e.shape[2]]), requiresGrad: true)
        inputWeight = Variable(stack { $0.mlp.input.weight.value }, requiresGrad: true)
        inputBias = Variable(stack { $0.mlp.input.bias!.value }, requiresGrad: true)
        outputWeight = Variable(stack { $0.mlp.output.weight.value }, requiresGrad: true)
        outputBias = Variable(stack { $0.mlp.output.bias!.value }, requiresGrad: true)
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        [("embed", embed), ("W_in", inputWeight), ("b_in", inputBias), ("W_out", outputWeight), ("b_out", outputBias)]
    }

    /// Model m's weights, by the names `EmbeddingMLP` uses.
    public func weights(of m: Int) -> [String: Tensor] {
        func slice(_ v: Variable, _ shape: [Int]) -> Tensor {
            let n = Tensor.elementCount(shape)
            return Tensor(shape: shape, scalars: Array(v.value.scalars[(m * n)..<((m + 1) * n)]))
        }
        return [
            "embed": slice(embed, [vocabulary, embed.shape[1]]),
            "W_in": slice(inputWeight, Array(inputWeight.shape.dropFirst())),
            "b_in": slice(inputBias, [inputBias.shape[1]]),
            "W_out": slice(outputWeight, Array(outputWeight.shape.dropFirst())),
            "b_out": slice(outputBias, [outputBias.shape[1]]),
        ]
    }

    /// tokens: examples of length t, model-major, `rows[m]` of them for model m. Returns logits [Σ rows, p].
    public func logits(tokens: [Int], rows: [Int], length t: Int) -> Variable {
        let modelOfRow = rows.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) }
        let parts = (0..<operands).map { o in
            embed.gatherRows(modelOfRow.indices.map { r in modelOfRow[r] * vocabulary + tokens[r * t + o] })
        }
        let x = Variable.concatenatingRows(parts)
        let pre = Variable.segmentedMatmul(x, inputWeight, segments: rows).addingSegmentBiases(
            inputBias, segments: rows)
        return Variable.segmentedMatmul(pre.relu(), outputWeight, segments: rows).addingSegmentBiases(
            outputBias, segments: rows)
    }
}

/// Trains several MLP runs at once as one stacked model.
public final class StackedTrainer {
    public let configs: [GrokConfig]
    /// Each run's data and starting point, as a single run would have them.
    let runs: [GrokRun]
    public let model: StackedEmbeddingMLP
    var optimizer: AdamW
    public private(set) var step = 0

    /// - Throws: unless every config is an MLP run of one shape and one optimizer setting, from scratch.
    public init(configs: [GrokConfig]) throws {
        guard let first = configs.first else { throw SciDLError("nothing to train: no runs") }
        func sameOptimizer(_ c: GrokConfig) -> Bool {
            c.model == first.model && c.operation == first.operation && c.modulus == first.modulus
                && c.learningRate == first.learningRate && c.beta1 == first.beta1 && c.beta2 == first.beta2
                && c.weightDecay == first.weightDecay && c.batchSize == nil && c.initialCheckpoint == nil
        }
        guard first.model.kind == .mlp, configs.allSatisfy(sameOptimizer) else {
            throw SciDLError(
                "stacked training needs full-batch MLP runs from scratch sharing task, shape and optimizer settings")
        }
        let scratch = FileManager.default.temporaryDirectory
        runs = try configs.map { try GrokRun(building: $0, in: scratch) }
        model = StackedEmbeddingMLP(stacking: runs.map { $0.model as! EmbeddingMLP })
        optimizer = AdamW(
            learningRate: Float(first.learningRate), beta1: Float(first.beta1),
            beta2: Float(first.beta2), weightDecay: Float(first.weightDecay))
        self.configs = configs
        // One batch: each run's training examples in turn, weighted 1/Nₘ so each model sees its own mean loss.
        var tokens: [Int] = []
        var targets: [Int] = []
        var weights: [Float] = []
        for run in runs {
            for e in run.trainIndices {
                tokens += run.task.inputs[e]
                targets.append(run.trainingTargets[e])
                weights.append(1 / Float(run.trainIndices.count))
            }
        }
        batch = (tokens, targets, weights, runs.map(\.trainIndices.count))
    }

    let batch: (tokens: [Int], targets: [Int], weights: [Float], rows: [Int])

    /// One AdamW step for every model.
    public func trainStep() {
        model.zeroGradients()
        let length = runs[0].task.sequenceLength
        model.logits(tokens: batch.tokens, rows: batch.rows, length: length)
            .crossEntropy(targets: batch.targets, rowWeights: batch.weights).backward()
        optimizer.update(model.parameters)
        step += 1
    }

    /// Each model's metrics on its own split, like `GrokRun.measure`'s leading columns.
    public func measure() -> [MetricsRow] {
        let task = runs[0].task
        let all = Array(0..<task.count)
        let logits = model.logits(
            tokens: Array(repeating: task.inputs.flatMap { $0 }, count: runs.count).flatMap { $0 },
            rows: runs.map { _ in all.count }, length: task.sequenceLength
        ).value
        let outputs = logits.rowLength
        return runs.enumerated().map { m, run in
            let mine = Tensor(
                shape: [all.count, outputs],
                scalars: Array(logits.scalars[(m * all.count * outputs)..<((m + 1) * all.count * outputs)]))
            let tr = lossAndAccuracy(mine, targets: run.trainingTargets, rows: run.trainIndices)
            let te = lossAndAccuracy(mine, targets: task.targets, rows: run.testIndices)
            let norm = model.weights(of: m).values.reduce(0) { $0 + $1.sumOfSquares() }.squareRoot()
            return MetricsRow([
                (.step, Double(step)), (.trainLoss, tr.loss), (.testLoss, te.loss),
                (.trainAccuracy, tr.accuracy), (.testAccuracy, te.accuracy), (.weightNorm, norm),
            ])
        }
    }
}
