import SciDLSupport
import SciDLTensor

/// Which contrast pairs train the probes and which test them, for one seed: a random share
/// `testFraction` held out — whole groups at a time when pairs are grouped (two phrasings of one fact must
/// not sit on opposite sides, or a probe learns the fact and scores its opposite).
public struct PairSplit: Sendable, Equatable {
    public var train: [Int]
    public var test: [Int]

    /// A split given by its two sides.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }

    /// `groups`, when given, numbers each pair's group (see `LabelledDataset.groups(by:)`).
    public init(count n: Int, testFraction: Double, seed: UInt64, groups: [Int]? = nil) throws {
        let testCount = Int((Double(n) * testFraction).rounded())
        guard testCount >= 2, n - testCount >= 2 else {
            throw SciDLError("\(n) contrast pairs are too few to split into training and test pairs (need at least 4)")
        }
        var random = SeededGenerator(seed: seed, stream: .probeSplit)
        guard let groups else {
            let order = random.permutation(n)
            test = Array(order.prefix(testCount))
            train = Array(order.dropFirst(testCount))
            return
        }
        precondition(groups.count == n)
        var members: [Int: [Int]] = [:]
        for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
        let names = members.keys.sorted()
        guard names.count >= 2 else {
            throw SciDLError("all \(n) pairs are in one group: a grouped split needs at least two groups")
        }
        // Whole groups, in random order, until the held-out share is reached.
        var test: [Int] = []
        var train: [Int] = []
        for g in random.permutation(names.count).map({ names[$0] }) {
            if test.count < testCount {
                test += members[g]!
            } else {
                train += members[g]!
            }
        }
        guard train.count >= 2, test.count >= 2 else {
            throw SciDLError(
                """
                the groups are too large to split \(n) pairs \(Int(testFraction * 100))/\
                \(100 - Int(testFraction * 100)) (\(train.count) training pairs left); use smaller groups or \
                more data
                """
            )
        }
        self.test = test
        self.train = train
    }
}
