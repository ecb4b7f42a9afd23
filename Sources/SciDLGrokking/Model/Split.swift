import SciDLSupport
import SciDLTensor

/// How many examples go to training: a fraction of the table or an absolute count.
public enum TrainingSize: Codable, Sendable, Equatable {
    case fraction(Double)
    case count(Int)

    /// The number of training examples out of `total`, or an error explaining the bad value.
    public func resolve(total: Int) throws -> Int {
        switch self {
        case .fraction(let f):
            guard f > 0 && f < 1 else {
                throw SciDLError("training fraction \(f) is outside (0, 1): use e.g. --train-fraction 0.3")
            }
            let n = Int(f * Double(total))
            guard n >= 1 && n < total else {
                throw SciDLError(
                    """
                    training fraction \(f) of \(total) examples leaves an empty train or test set: pick a \
                    fraction between \(1.0 / Double(total)) and \(1 - 1.0 / Double(total))
                    """
                )
            }
            return n
        case .count(let n):
            guard n >= 1 && n < total else {
                throw SciDLError(
                    """
                    training set size \(n) must be between 1 and \(total - 1) (the table has \(total) examples) \
                    so that a test set remains
                    """
                )
            }
            return n
        }
    }
}

/// A seeded train/test partition of a task's examples.
public struct TrainTestSplit: Sendable {
    public let trainIndices: [Int]
    public let testIndices: [Int]

    /// Shuffles `0..<total` with the seed and takes the first `size` for training.
    public init(total: Int, size: TrainingSize, seed: UInt64) throws {
        let n = try size.resolve(total: total)
        var rng = SeededGenerator(seed: seed, stream: .split)
        let perm = rng.permutation(total)
        trainIndices = Array(perm[..<n])
        testIndices = Array(perm[n...])
    }
}
