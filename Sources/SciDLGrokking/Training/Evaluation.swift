import SciDLAutodiff
import SciDLTensor

/// Examples of a task, as the flat token batch and targets a model reads.
public struct ExampleSet: Sendable {
    public let tokens: [Int]
    public let targets: [Int]
    public let length: Int

    public init(task: AlgorithmicTask, indices: [Int]) {
        tokens = indices.flatMap { task.inputs[$0] }
        targets = indices.map { task.targets[$0] }
        length = task.sequenceLength
    }

    public var count: Int { targets.count }

    /// Examples `range` of this set.
    public func slice(_ range: Range<Int>) -> ExampleSet {
        ExampleSet(
            tokens: Array(tokens[(range.lowerBound * length)..<(range.upperBound * length)]),
            targets: Array(targets[range]), length: length)
    }

    /// The examples at `indices`.
    public func subset(_ indices: [Int]) -> ExampleSet {
        ExampleSet(
            tokens: indices.flatMap { tokens[($0 * length)..<(($0 + 1) * length)] },
            targets: indices.map { targets[$0] }, length: length)
    }

    public init(tokens: [Int], targets: [Int], length: Int) {
        self.tokens = tokens
        self.targets = targets
        self.length = length
    }
}

/// Logits of a model for every example of a set [N, outputs], in chunks so memory stays bounded.
public func logits(of model: any SequenceClassifier, on set: ExampleSet, chunk: Int = 16_384) -> Tensor {
    var parts: [Float] = []
    var outputs = 0
    for start in stride(from: 0, to: set.count, by: chunk) {
        let part = set.slice(start..<min(set.count, start + chunk))
        let l = model.logitValues(tokens: part.tokens, length: part.length)
        outputs = l.rowLength
        parts.append(contentsOf: l.scalars)
    }
    return Tensor(shape: [set.count, outputs], scalars: parts)
}

/// Mean cross-entropy (through softmax or StableMax) and accuracy over the given rows of `logits` [N, C].
public func lossAndAccuracy(
    _ logits: Tensor, targets: [Int], rows: [Int], loss: ClassificationLoss = .softmax
) -> (loss: Double, accuracy: Double) {
    guard !rows.isEmpty else { return (.nan, .nan) }
    // The prediction of the given rows only.
    let c = logits.rowLength
    let correct = logits.scalars.withUnsafeBufferPointer { s in
        rows.filter { indexOfFirstLargest(s.baseAddress! + $0 * c, count: c) == targets[$0] }.count
    }
    return (
        meanCrossEntropy(logits, targets: targets, rows: rows, loss: loss), Double(correct) / Double(rows.count)
    )
}

/// Mean logit of the target class, and mean margin of it over the best other class, over the given rows.
/// With weight decay these measure how much output a circuit buys with its parameter norm.
public func correctLogitAndMargin(_ logits: Tensor, targets: [Int], rows: [Int]) -> (logit: Double, margin: Double) {
    guard !rows.isEmpty else { return (.nan, .nan) }
    let c = logits.rowLength
    var logitSum = 0.0
    var marginSum = 0.0
    for r in rows {
        let row = logits.scalars[(r * c)..<((r + 1) * c)]
        let correct = Double(row[r * c + targets[r]])
        var best = -Double.infinity
        for j in 0..<c where j != targets[r] { best = max(best, Double(row[r * c + j])) }
        logitSum += correct
        marginSum += correct - (c > 1 ? best : correct)
    }
    return (logitSum / Double(rows.count), marginSum / Double(rows.count))
}

/// The share of the given rows of `logits` [N, C] in collapse in the arithmetic of `loss`
/// (`ClassificationLoss.isCollapsed`; for softmax, Prieto et al.'s softmax collapse).
public func softmaxCollapseFraction(_ logits: Tensor, rows: [Int], loss: ClassificationLoss = .softmax) -> Double {
    guard !rows.isEmpty else { return .nan }
    let c = logits.rowLength
    let collapsed = logits.scalars.withUnsafeBufferPointer { x in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: c) { scratch in
            rows.filter { loss.isCollapsed(x.baseAddress! + $0 * c, count: c, scratch: scratch.baseAddress!) }.count
        }
    }
    return Double(collapsed) / Double(rows.count)
}
