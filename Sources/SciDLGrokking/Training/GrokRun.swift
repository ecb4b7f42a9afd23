import Foundation
import SciDLAutodiff
import SciDLReports
import SciDLSupport
import SciDLTensor

/// One training run of `scidl grok`: builds the task, split and model from a config, trains with AdamW,
/// logs metrics, checkpoints, and writes the summary and report into its directory.
///
/// Files in the run directory: `config.json`, `metrics.jsonl`, `metrics.csv`, `checkpoint.safetensors`,
/// `summary.json`, `report.html`.
public final class GrokRun {
    public let config: GrokConfig
    public let directory: URL
    public let task: AlgorithmicTask
    public let model: any SequenceClassifier
    public private(set) var optimizer: AdamW
    public private(set) var step = 0
    public private(set) var metrics: MetricsLog
    /// Which examples are trained on (a subset of the split's training set with `trainSubset`) and which
    /// are tested on.
    public let trainIndices: [Int]
    public let testIndices: [Int]
    /// The label each example is trained toward (random ones with `randomLabels`), by example index.
    public let trainingTargets: [Int]
    /// Every example of the task (metrics are computed from one pass over it) and the training part.
    let table: ExampleSet
    let train: ExampleSet
    var minibatchRNG: SeededGenerator
    var elapsedBefore = 0.0
    let started = Date()
    /// The step of the newest checkpoint on disk (nil before the first).
    public private(set) var lastCheckpoint: Int?
    /// The run's folder, locked while the run lives (nil for runs that are never written, as the few steps
    /// a sweep's cost estimate times).
    let folder: RunFolder?
    /// Grokfast's memory of past gradients (nil without `gradientFilter`).
    public private(set) var gradientFilter: GradientFilterState?
    /// The total weight norm `constrainNorm` holds: the norm right after initialisation.
    let constrainedNorm: Double?
    /// cos(w, −∇L) of the step before the latest evaluation (nil before any step).
    var lastDescentCosine: Double?

    /// Starts a new run in `directory`, refusing to overwrite one that has a checkpoint. A folder whose run
    /// was stopped before its first checkpoint is simply started again.
    public convenience init(config: GrokConfig, directory: URL) throws {
        let folder = try Self.openFolder(directory, config: config)
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(Checkpoint.fileName).path) {
            throw SciDLError(
                """
                \(directory.path) already holds a run with a checkpoint: continue it with --resume \
                \(directory.path), or pick another --out
                """
            )
        }
        for stale in ["metrics.jsonl", "metrics.csv", "summary.json", "report.html"] {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(stale))
        }
        try self.init(building: config, in: directory, folder: folder)
        try writeConfig()
    }

    /// The run's folder: a grokking run's (or empty), locked. A folder from before run records is
    /// recognised by its config or metrics, and never taken if it holds another command's results.
    static func openFolder(_ directory: URL, config: GrokConfig) throws -> RunFolder {
        try RunFolder(
            directory, command: "grok", settings: String(decoding: try encoder.encode(config), as: UTF8.self),
            sameSettings: false,
            adopting: { held in
                held.isDisjoint(with: ["results.csv", "runs"])
                    && !held.isDisjoint(with: ["config.json", "metrics.jsonl", Checkpoint.fileName])
            })
    }

    /// The line `scidl grok` prints as the run starts, or as it continues (`resumed`).
    public func startLine(resumed: Bool) -> String {
        let folder = directory.relativePath
        if resumed { return "resuming \(folder) at step \(step) of \(config.steps)" }
        let task = "\(config.operation.symbol) mod \(config.modulus), \(config.model.kind.rawValue)"
        return "grok: \(task), \(self.task.count) pairs, out \(folder)"
    }

    /// Continues the run in `directory` from its checkpoint; metrics past the checkpoint are dropped and
    /// recomputed, so the files end up identical to an uninterrupted run's.
    /// - Parameter steps: a new total step count (to train longer than first planned).
    public convenience init(resuming directory: URL, steps: Int? = nil) throws {
        let checkpoint = try Checkpoint(readingFrom: directory)
        // The checkpoint must belong to this folder's run: the same settings as its config.json (a resume may
        // only have extended the steps).
        let record = directory.appendingPathComponent("config.json")
        if let data = try? Data(contentsOf: record) {
            guard var recorded = try? GrokConfig(json: data, source: record.path) else {
                throw SciDLError("\(record.path) is damaged: restore it, or start a new run in another folder")
            }
            recorded.steps = checkpoint.config.steps
            guard recorded == checkpoint.config else {
                throw SciDLError(
                    """
                    \(directory.path)/\(Checkpoint.fileName) was written by a run with other settings than \
                    config.json records: restore the folder's own checkpoint, or start a new run
                    """)
            }
        }
        var config = checkpoint.config
        if let steps {
            guard steps >= checkpoint.step else {
                throw SciDLError(
                    """
                    --steps \(steps) is below the step the run has reached (\(checkpoint.step)): a run cannot be \
                    shortened; give --steps \(checkpoint.step) or more
                    """)
            }
            config.steps = steps
        }
        try self.init(
            restoring: checkpoint, config: config, in: directory,
            folder: Self.openFolder(directory, config: config))
        metrics = try MetricsLog(readingFrom: directory)
        metrics.filter { ($0[.step] ?? .infinity) <= Double(checkpoint.step) }
        try metrics.flush()
        if steps != nil { try writeConfig() }
    }

    /// The run `checkpoint` saved, at its step (under `config`, the checkpoint's own unless a resume extends it),
    /// without its metrics: what a resume starts from.
    public convenience init(
        restoring checkpoint: Checkpoint, config: GrokConfig? = nil, in directory: URL, folder: RunFolder? = nil
    ) throws {
        try self.init(building: config ?? checkpoint.config, in: directory, folder: folder)
        optimizer = try checkpoint.restore(into: model)
        if let filter = config?.gradientFilter ?? checkpoint.config.gradientFilter {
            gradientFilter = try checkpoint.restoreFilter(filter, for: model)
        }
        step = checkpoint.step
        lastCheckpoint = checkpoint.step
        minibatchRNG = SeededGenerator(state: checkpoint.minibatchState)
        elapsedBefore = checkpoint.elapsedSeconds
    }

    /// Everything a config determines: the task, its split, the freshly initialised model and optimizer.
    init(building config: GrokConfig, in directory: URL, folder: RunFolder? = nil) throws {
        try config.validate()
        self.config = config
        self.folder = folder
        self.directory = directory
        let task = try AlgorithmicTask(operation: config.operation, modulus: config.modulus)
        self.task = task
        let split = try TrainTestSplit(total: task.count, size: config.trainingSize, seed: config.seed)
        let trainIndices: [Int]
        let trainingTargets: [Int]
        if let subset = config.trainSubset {
            var rng = SeededGenerator(seed: config.subsetSeed ?? config.seed, stream: .subset)
            trainIndices = rng.permutation(split.trainIndices.count).prefix(subset).map { split.trainIndices[$0] }
        } else {
            trainIndices = split.trainIndices
        }
        self.trainIndices = trainIndices
        testIndices = split.testIndices
        if config.randomLabels {
            var rng = SeededGenerator(seed: config.seed, stream: .labels)
            trainingTargets = task.targets.map { _ in rng.nextInt(below: task.modulus) }
        } else {
            trainingTargets = task.targets
        }
        self.trainingTargets = trainingTargets
        table = ExampleSet(task: task, indices: Array(0..<task.count))
        train = ExampleSet(
            tokens: trainIndices.flatMap { task.inputs[$0] }, targets: trainIndices.map { trainingTargets[$0] },
            length: task.sequenceLength)
        var initRNG = SeededGenerator(seed: config.seed, stream: .initialisation)
        model = config.model.makeModel(
            vocabulary: task.vocabularySize, outputs: task.modulus,
            length: task.sequenceLength, using: &initRNG)
        if config.initScale != 1 { scaleWeights(model.parameters, by: config.initScale) }
        constrainedNorm = config.constrainNorm ? totalNorm(model.parameters) : nil
        if let path = config.initialCheckpoint {
            let start = try Checkpoint(readingFrom: URL(fileURLWithPath: path))
            try model.load(start.weights, source: "the checkpoint in \(path)")
        }
        gradientFilter = config.gradientFilter.map(GradientFilterState.init)
        optimizer = AdamW(
            learningRate: Float(config.learningRate), beta1: Float(config.beta1),
            beta2: Float(config.beta2), epsilon: Float(config.adamEpsilon),
            weightDecay: Float(config.weightDecay))
        minibatchRNG = SeededGenerator(seed: config.seed, stream: .minibatches)
        metrics = MetricsLog(directory: directory)
    }

    private func writeConfig() throws {
        try AtomicFile.write(Data(try Self.encoder.encode(config)), to: directory.appendingPathComponent("config.json"))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }()

    /// One optimizer update on the full training set or a random minibatch; returns the training loss.
    @discardableResult
    public func trainStep() -> Float {
        let batch: ExampleSet
        if let size = config.batchSize, size < train.count {
            // A fresh sample without replacement each step, from a generator saved in checkpoints.
            var pool = Array(0..<train.count)
            for i in 0..<size { pool.swapAt(i, i + minibatchRNG.nextInt(below: train.count - i)) }
            batch = train.subset(Array(pool[..<size]))
        } else {
            batch = train
        }
        model.zeroGradients()
        let loss: Float
        if let transformer = model as? OneLayerTransformer {
            let handWritten: TransformerStep
            if batch.count == train.count {
                handWritten = fullBatchStep!
            } else {
                handWritten = TransformerStep(
                    model: transformer, tokens: batch.tokens, targets: batch.targets, length: batch.length)
                handWritten.loss = config.loss
            }
            loss = handWritten.lossAndGradients()
        } else {
            let graph = model.logits(tokens: batch.tokens, length: batch.length)
                .crossEntropy(targets: batch.targets, loss: config.loss)
            graph.backward()
            loss = graph.value.scalar
        }
        updateWeights(evaluatingNext: (step + 1) % config.evalEvery == 0 || step + 1 == config.steps)
        step += 1
        return loss
    }

    /// The update from the gradients just computed: Grokfast's filter, then ⊥Grad's projection, then AdamW,
    /// then Omnigrok's norm constraint — each only where the config asks for it.
    private func updateWeights(evaluatingNext: Bool) {
        let parameters = model.parameters
        if evaluatingNext { lastDescentCosine = weightDescentCosine(parameters) }
        gradientFilter?.apply(to: parameters)
        if config.orthogonalGradients { projectGradientsOffWeights(parameters) }
        optimizer.update(parameters)
        if let norm = constrainedNorm { projectWeights(parameters, toNorm: norm) }
    }

    /// Logits of every example of the task at the current weights [N, outputs]. The transformer computes the
    /// training examples' in the training step's own buffers — the next step then reuses that forward pass
    /// instead of repeating it — and the others' in a step kept for evaluation, so an evaluation costs the
    /// forward pass over the examples not trained on.
    public func tableLogits() -> Tensor {
        guard let training = fullBatchStep, let others = otherExamplesStep else { return logits(of: model, on: table) }
        let c = task.modulus
        if tableLogitsStorage.count != table.count * c {
            tableLogitsStorage = [Float](repeating: 0, count: table.count * c)
        }
        tableLogitsStorage.withUnsafeMutableBufferPointer { all in
            for (step, indices) in [(training, trainIndices), (others, otherIndices)] where !indices.isEmpty {
                step.writeLogits(into: all.baseAddress!, rows: indices)
            }
        }
        return Tensor(shape: [table.count, c], scalars: tableLogitsStorage)
    }

    /// The storage `tableLogits` fills: kept, so that an evaluation writes into memory it already has (fresh
    /// pages cost a fault each) once the previous evaluation's tensor is gone.
    private var tableLogitsStorage: [Float] = []

    /// The examples not trained on, in table order.
    private lazy var otherIndices: [Int] = {
        let trained = Set(trainIndices)
        return (0..<table.count).filter { !trained.contains($0) }
    }()

    private lazy var otherExamplesStep: TransformerStep? = (model as? OneLayerTransformer).map {
        let others = table.subset(otherIndices.isEmpty ? [0] : otherIndices)
        return TransformerStep(model: $0, tokens: others.tokens, targets: nil, length: others.length)
    }

    /// The transformer's hand-written step over the whole training set, its buffers kept across steps.
    private lazy var fullBatchStep: TransformerStep? = (model as? OneLayerTransformer).map {
        let step = TransformerStep(model: $0, tokens: train.tokens, targets: train.targets, length: train.length)
        step.loss = config.loss
        return step
    }

    /// Metrics for the current weights: losses, accuracies, the total and per-tensor parameter norms, and
    /// for modular addition the progress measures.
    public func measure() -> MetricsRow {
        let all = tableLogits()
        let tr = lossAndAccuracy(all, targets: trainingTargets, rows: trainIndices, loss: config.loss)
        let te = lossAndAccuracy(all, targets: task.targets, rows: testIndices, loss: config.loss)
        let margins = correctLogitAndMargin(all, targets: trainingTargets, rows: trainIndices)
        var values: [(name: MetricName, value: Double)] = [
            (.step, Double(step)), (.trainLoss, tr.loss), (.testLoss, te.loss),
            (.trainAccuracy, tr.accuracy), (.testAccuracy, te.accuracy), (.weightNorm, model.parameterNorm),
            (.trainCorrectLogit, margins.logit), (.trainMargin, margins.margin),
        ]
        values.append((.softmaxCollapse, softmaxCollapseFraction(all, rows: trainIndices, loss: config.loss)))
        if let cosine = lastDescentCosine { values.append((.weightDescentCosine, cosine)) }
        for (name, p) in model.namedParameters { values.append((.parameterNorm(name), p.value.norm())) }
        if let m = progressMeasures(logits: all) {
            values += [
                (.restrictedLoss, m.restrictedLoss), (.excludedLoss, m.excludedLoss),
                (.giniEmbedding, m.embeddingGini), (.giniNeuronLogit, m.neuronLogitGini),
                (.weightNormSquared, m.squaredWeightNorm), (.keyFrequencyCount, Double(m.keyFrequencies.count)),
            ]
        }
        return MetricsRow(values)
    }

    /// Nanda et al.'s progress measures, for modular addition only (their Fourier structure is its own).
    /// Key frequencies are read off the current embedding at each evaluation.
    public func progressMeasures(logits all: Tensor? = nil) -> ProgressMeasures? {
        guard config.operation == .add, task.modulus >= 3 else { return nil }
        let p = task.modulus
        let e = model.tokenEmbedding
        let operandRows = Tensor(shape: [p, e.rowLength], scalars: Array(e.scalars.prefix(p * e.rowLength)))
        return ProgressMeasures(
            modulus: p, logits: all ?? tableLogits(), pairs: task.inputs.map { ($0[0], $0[1]) },
            targets: trainingTargets, training: trainIndices, embedding: operandRows,
            neuronLogitMap: model.neuronLogitMap,
            squaredWeightNorm: model.parameters.reduce(0) { $0 + $1.value.sumOfSquares() })
    }

    /// Trains to `config.steps` (or until the test-accuracy stop), then writes the summary and report.
    /// - Throws: `SciDLError` when the loss stops being finite (the last good checkpoint is kept) or a
    ///   file cannot be written.
    public func run(progress: Progress? = nil) throws -> GrokSummary {
        progress?(.started(step: step, total: config.steps))
        let stoppedEarly = try train(upTo: config.steps, progress: progress)
        if step != lastCheckpoint { try checkpoint() }
        progress?(.ended)
        let summary = GrokSummary(
            config: config, metrics: metrics, wallSeconds: elapsed, stoppedEarly: stoppedEarly,
            keyFrequencies: progressMeasures()?.keyFrequencies)
        try summary.write(to: directory)
        try GrokReport(summary: summary, metrics: metrics, parameterNames: model.namedParameters.map(\.name))
            .write(to: directory.appendingPathComponent("report.html"))
        return summary
    }

    /// Trains until step `target` or the test-accuracy stop, logging every `evalEvery` steps and
    /// checkpointing every `checkpointEvery`. Stopping here without `run`'s final checkpoint is what a
    /// killed process leaves behind.
    /// - Returns: whether the test-accuracy stop was reached.
    @discardableResult
    public func train(upTo target: Int, progress: Progress? = nil) throws -> Bool {
        if metrics.rows.isEmpty {
            metrics.append(measure())
            try metrics.flush()
        }
        var last = metrics.rows.last
        var stopped = reachedStop(last)
        while step < min(target, config.steps) && !stopped {
            let loss = trainStep()
            guard loss.isFinite else {
                let kept =
                    lastCheckpoint.map { "the last good checkpoint (step \($0)) is kept in" }
                    ?? "no checkpoint had been written yet in"
                throw SciDLError(
                    """
                    training loss became \(loss) at step \(step) (learning rate \(config.learningRate) too \
                    high?): stopped; \(kept) \(directory.path)
                    """
                )
            }
            if step % config.evalEvery == 0 || step == config.steps {
                let row = measure()
                metrics.append(row)
                try metrics.flush()
                last = row
                stopped = reachedStop(row)
            }
            if step % config.checkpointEvery == 0 || step == config.steps || stopped { try checkpoint() }
            progress?(.trained(step: step, fields: progressFields(loss: loss, last: last), final: false))
        }
        progress?(.trained(step: step, fields: progressFields(loss: nil, last: last), final: true))
        return stopped
    }

    /// Wall time of the run so far, across resumes.
    var elapsed: Double { elapsedBefore + Date().timeIntervalSince(started) }

    private func reachedStop(_ row: MetricsRow?) -> Bool {
        guard let target = config.stopAtTestAccuracy, let acc = row?[.testAccuracy] else { return false }
        return acc >= target
    }

    private func checkpoint() throws {
        try Checkpoint(
            step: step, config: config, model: model, optimizer: optimizer, gradientFilter: gradientFilter,
            minibatchState: minibatchRNG.stateWords, elapsedSeconds: elapsed
        )
        .write(to: directory, parameterNames: model.namedParameters.map(\.name))
        lastCheckpoint = step
    }

    private func progressFields(loss: Float?, last: MetricsRow?) -> [(String, String)] {
        var f: [(String, String)] = []
        if let loss { f.append(("loss", String(format: "%.4f", loss))) }
        if let last {
            f.append(
                (
                    "train",
                    String(format: "%.3f/%.1f%%", last[.trainLoss] ?? .nan, 100 * (last[.trainAccuracy] ?? .nan))
                ))
            f.append(
                (
                    "test",
                    String(format: "%.3f/%.1f%%", last[.testLoss] ?? .nan, 100 * (last[.testAccuracy] ?? .nan))
                ))
        }
        return f
    }
}

extension GrokRun {
    /// What training tells its caller as it goes.
    public enum ProgressEvent {
        /// Training starts (or resumes) at `step` of `total`.
        case started(step: Int, total: Int)
        /// A step is done; `fields` are the latest loss and metrics for display; `final` after the last one.
        case trained(step: Int, fields: [(String, String)], final: Bool)
        /// The run is over and its files are written.
        case ended
    }

    public typealias Progress = (ProgressEvent) -> Void

    /// A progress bar labelled `label` on the terminal, drawn from a run's events.
    public static func progressBar(label: String) -> Progress {
        var bar: ProgressBar?
        return { event in
            switch event {
            case .started(let step, let total): bar = ProgressBar(total: total, startStep: step, label: label)
            case .trained(let step, let fields, let final): bar?.update(step: step, fields: fields, force: final)
            case .ended: bar?.finish()
            }
        }
    }
}
