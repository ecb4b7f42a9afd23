/// How well a probe's scores track a binary property of the pairs, with the probe's sign decided once.
///
/// An unsupervised direction has no sign: PCA's component, a k-means split or a CCS probe is as good reversed.
/// SciDL decides the sign once per probe and target, **on the training pairs** (`isReversed`): the probe is
/// reversed when its raw scores rank the training pairs' 0s above their 1s (training AUROC below 0.5). This is
/// elk's convention — elk fits a Platt scale (and so a sign) to every reporter on the training split's labels —
/// and it keeps the held-out labels out of the decision, so a method whose direction flips from split to split
/// pays for it. Every oriented statistic (accuracy, calibrated accuracy, AUROC, both intervals, ECE) is computed
/// from that one oriented probe; the unoriented numbers are kept beside them as `raw`.
public struct ProbeScore: Sendable, Equatable {
    /// The statistics of the probe as fitted, before any reversal.
    public struct Raw: Sendable, Equatable {
        public var accuracy: Double
        public var auroc: Double
        public var calibratedAccuracy: Double
    }

    /// The spread of chance: the `random` method scored over many random directions (`RandomBaseline`).
    public struct Chance: Sendable, Equatable {
        /// How many random directions the means and percentiles are over.
        public var directions: Int
        /// The 95th percentile of the directions' oriented accuracy and AUROC: what a lucky draw reaches.
        public var accuracyP95: Double
        public var aurocP95: Double
    }

    /// Pairs the score was computed on (those whose target is 0 or 1).
    public var count: Int
    /// Whether the probe was reversed for this target (decided on the training pairs).
    public var reversed: Bool
    /// Share of pairs whose oriented prediction equals the target (elk: `acc_estimate`).
    public var accuracy: Double
    /// Area under the ROC curve of the oriented scores (0.5 = chance; elk: `auroc_estimate`).
    public var auroc: Double
    /// Oriented accuracy with the threshold at the median score (`ProbeStatistics.calibratedAccuracy`).
    public var calibratedAccuracy: Double
    /// 95 % bootstrap intervals over the test pairs (seeded; elk: `acc_lower`…, `auroc_lower`…).
    public var accuracyInterval: ClosedRange<Double>?
    public var aurocInterval: ClosedRange<Double>?
    /// Expected calibration error of the oriented probabilities (probes whose scores are probabilities).
    public var calibrationError: Double?
    /// The same probe unoriented.
    public var raw: Raw
    /// For the random baseline only: its spread over random directions (the other numbers are their means).
    public var chance: Chance?

    /// Scores `probe` on `data` against `truth` (defaults to the data's labels), reversed when `reversed`.
    /// Pairs whose target is −1 are left out, so a feature can score a probe on a subset (one category).
    public init(_ probe: FittedProbe, on data: ProbeData, against truth: [Int]? = nil, reversed: Bool = false) {
        self.init(
            scores: probe.scores(data), threshold: probe.threshold, against: truth ?? data.labels, reversed: reversed)
    }

    /// Scores already computed scores (one per pair; above `threshold` predicts 1) against `target`, leaving out
    /// pairs whose target is −1. Reversed, a score s becomes 2·threshold − s (1 − p for probabilities, −s for
    /// projections: the probe with its direction and bias negated). With `intervalSeed` the two bootstrap
    /// intervals are drawn; with `probabilities` the calibration error is computed.
    public init(
        scores allScores: [Float], threshold: Float, against all: [Int], reversed: Bool = false,
        intervalSeed: UInt64? = nil, probabilities: Bool = false
    ) {
        let kept = all.indices.filter { all[$0] >= 0 }
        let target = kept.map { all[$0] }
        let scores = kept.map { allScores[$0] }
        count = kept.count
        raw = Raw(
            accuracy: Self.accuracy(scores, threshold, target), auroc: Self.areaUnderROC(scores, target),
            calibratedAccuracy: ProbeStatistics.calibratedAccuracy(scores, target))
        self.reversed = reversed
        let oriented = reversed ? scores.map { 2 * threshold - $0 } : scores
        if reversed {
            accuracy = Self.accuracy(oriented, threshold, target)
            auroc = Self.areaUnderROC(oriented, target)
            calibratedAccuracy = ProbeStatistics.calibratedAccuracy(oriented, target)
        } else {
            (accuracy, auroc, calibratedAccuracy) = (raw.accuracy, raw.auroc, raw.calibratedAccuracy)
        }
        if let intervalSeed {
            let intervals = ProbeStatistics.bootstrap(oriented, target, threshold: threshold, seed: intervalSeed)
            (accuracyInterval, aurocInterval) = (intervals.accuracy, intervals.auroc)
        }
        if probabilities { calibrationError = ProbeStatistics.expectedCalibrationError(oriented, target) }
    }

    /// The sign decision: whether a probe whose raw scores on its training pairs are `scores` should be
    /// reversed for `target` (−1 entries left out) — when those scores rank the 0s above the 1s (AUROC < 0.5).
    /// AUROC, not accuracy, decides, because it does not depend on where the threshold lies and reversal maps
    /// it to exactly 1 − AUROC; a tie (0.5) keeps the probe as fitted.
    public static func isReversed(trainScores scores: [Float], against target: [Int]) -> Bool {
        let kept = target.indices.filter { target[$0] >= 0 }
        return areaUnderROC(kept.map { scores[$0] }, kept.map { target[$0] }) < 0.5
    }

    static func accuracy(_ scores: [Float], _ threshold: Float, _ target: [Int]) -> Double {
        Double(zip(scores, target).filter { ($0 > threshold ? 1 : 0) == $1 }.count) / Double(max(target.count, 1))
    }

    /// The Mann–Whitney statistic: the chance that a random positive outscores a random negative (ties
    /// count half).
    public static func areaUnderROC(_ scores: [Float], _ labels: [Int]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        let positives = labels.filter { $0 == 1 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return 0.5 }
        let rankSum = zip(ranks, labels).filter { $1 == 1 }.reduce(0) { $0 + $1.0 }
        return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }
}
