import SciDLTensor

/// Chance as a distribution, not one lucky draw: the `random` method is scored over `directions` random
/// probes (untrained CCS probes, drawn as CCS draws its starting points; the first is the `random` probe that
/// is saved), each oriented on the training pairs like any probe. With ~120 test pairs one random direction's
/// accuracy spreads ±0.08, enough to beat every unsupervised method by luck, so a method is compared with the
/// mean and the 95th percentile of what chance gives. No fitting, so a hundred draws cost a hundred
/// projections.
public enum RandomBaseline {
    /// How many random directions the baseline is over.
    public static let directions = 100

    /// The random probes of one cell, the same for any data of this width: `seed` is the cell's probe seed.
    public static func probes(width: Int, seed: UInt64, count: Int = directions) -> [FittedProbe] {
        var random = SeededGenerator(seed: seed, stream: .randomProbe)
        return (0..<count).map { _ in
            let (w, b) = CCS.initialParameters(width: width, restarts: 1, random: &random)
            return FittedProbe(method: .random, direction: w, bias: b[0])
        }
    }

    /// Each probe's raw scores on `data`.
    public static func scores(_ probes: [FittedProbe], on data: ProbeData) -> [[Float]] {
        probes.map { $0.scores(data) }
    }

    /// The baseline's score against `target`: the means over the directions of every oriented and raw
    /// statistic, and the 95th percentiles in `chance`. Each direction is reversed where `reversed` says
    /// (decided on the training pairs). No bootstrap intervals: the spread that matters here is chance's.
    public static func score(
        testScores: [[Float]], against target: [Int], reversed: [Bool]
    ) -> ProbeScore {
        let each = zip(testScores, reversed).map {
            ProbeScore(scores: $0, threshold: 0.5, against: target, reversed: $1, probabilities: true)
        }
        func mean(_ value: (ProbeScore) -> Double) -> Double { each.map(value).reduce(0, +) / Double(each.count) }
        var score = each[0]
        score.accuracy = mean(\.accuracy)
        score.auroc = mean(\.auroc)
        score.calibratedAccuracy = mean(\.calibratedAccuracy)
        score.calibrationError = mean { $0.calibrationError ?? 0 }
        score.raw = .init(
            accuracy: mean(\.raw.accuracy), auroc: mean(\.raw.auroc),
            calibratedAccuracy: mean(\.raw.calibratedAccuracy))
        score.chance = .init(
            directions: each.count, accuracyP95: ProbeStatistics.quantile(each.map(\.accuracy), 0.95),
            aurocP95: ProbeStatistics.quantile(each.map(\.auroc), 0.95))
        return score
    }
}
