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
        ExampleSet(tokens: Array(tokens[(range.lowerBound * length)..<(range.upperBound * length)]),
                   targets: Array(targets[range]), length: length)
    }

    /// The examples at `indices`.
    public func subset(_ indices: [Int]) -> ExampleSet {
        ExampleSet(tokens: indices.flatMap { tokens[($0 * length)..<(($0 + 1) * length)] },
                   targets: indices.map { targets[$0] }, length: length)
    }

    init(tokens: [Int], targets: [Int], length: Int) {
        self.tokens = tokens
        self.targets = targets
        self.length = length
    }
}

/// Mean cross-entropy and accuracy of a model on a set, in chunks so memory stays bounded.
public func evaluate(_ model: any SequenceClassifier, on set: ExampleSet, chunk: Int = 16_384)
    -> (loss: Double, accuracy: Double)
{
    guard set.count > 0 else { return (.nan, .nan) }
    var lossSum = 0.0, correct = 0
    for start in stride(from: 0, to: set.count, by: chunk) {
        let part = set.slice(start..<min(set.count, start + chunk))
        let logits = model.logits(tokens: part.tokens, length: part.length)
        lossSum += Double(logits.crossEntropy(targets: part.targets).value.scalar) * Double(part.count)
        correct += zip(logits.value.argmaxRows(), part.targets).filter { $0 == $1 }.count
    }
    return (lossSum / Double(set.count), Double(correct) / Double(set.count))
}
