/// A fitted probe's raw scores on one cell's training and held-out pairs — or, for the `random` method, the
/// scores of every direction of the random baseline — from which every target is scored with its sign
/// decided on the training pairs (`ProbeScore.isReversed`).
public struct CellScores: Sendable {
    public var method: ProbeMethod
    public var threshold: Float
    /// Per direction (one, or `RandomBaseline.directions` for `random`): scores of the training pairs (none
    /// when there are no training pairs).
    public var train: [[Float]]
    /// Per direction: scores of the held-out pairs.
    public var test: [[Float]]

    /// `probe` on `train` and `test`; a random probe brings the baseline's other directions (the same seed).
    /// Without training pairs (a saved probe on other data) only `score` with saved reversals applies.
    public init(_ probe: FittedProbe, train: ProbeData?, test: ProbeData, probeSeed: UInt64) {
        self.init(
            probe, train: train, testScores: Self.directions(of: probe, probeSeed: probeSeed).map { $0.scores(test) },
            probeSeed: probeSeed)
    }

    /// As above, with the held-out scores already made (per direction of `directions(of:probeSeed:)`).
    public init(_ probe: FittedProbe, train: ProbeData?, testScores: [[Float]], probeSeed: UInt64) {
        method = probe.method
        threshold = probe.threshold
        let probes = Self.directions(of: probe, probeSeed: probeSeed)
        precondition(testScores.count == probes.count)
        self.train = train.map { train in probes.map { $0.scores(train) } } ?? []
        test = testScores
    }

    /// The directions a probe is scored with: itself, or for `random` every direction of the baseline.
    public static func directions(of probe: FittedProbe, probeSeed: UInt64) -> [FittedProbe] {
        probe.method == .random ? RandomBaseline.probes(width: probe.direction.count, seed: probeSeed) : [probe]
    }

    /// The sign decision per direction for a target's values on the training pairs (−1: not scored).
    public func reversals(_ trainTarget: [Int]) -> [Bool] {
        train.map { ProbeScore.isReversed(trainScores: $0, against: trainTarget) }
    }

    /// The held-out score against `testTarget`, each direction reversed as `reversed` says (from `reversals`
    /// of the training target, or saved with the probe); bootstrap intervals seeded with `intervalSeed`.
    public func score(against testTarget: [Int], reversed: [Bool], intervalSeed: UInt64) -> ProbeScore {
        if method == .random {
            return RandomBaseline.score(testScores: test, against: testTarget, reversed: reversed)
        }
        return ProbeScore(
            scores: test[0], threshold: threshold, against: testTarget, reversed: reversed[0],
            intervalSeed: intervalSeed, probabilities: method.givesProbabilities)
    }
}
