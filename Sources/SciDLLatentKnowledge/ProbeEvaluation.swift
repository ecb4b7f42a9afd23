/// How well a probe's predictions track a binary property of the pairs.
public struct ProbeScore: Sendable, Equatable {
    /// Share of pairs whose prediction equals the property.
    public var accuracy: Double
    /// max(accuracy, 1 − accuracy): the accuracy after choosing the probe's sign — which needs labels,
    /// so for unsupervised methods it is an upper bound on what they alone can tell.
    public var disambiguatedAccuracy: Double { max(accuracy, 1 - accuracy) }
    /// Area under the ROC curve of the scores against the property (0.5 = chance).
    public var auroc: Double
    public var disambiguatedAUROC: Double { max(auroc, 1 - auroc) }

    /// Pairs the score was computed on (those whose target is 0 or 1).
    public var count: Int
    /// Accuracy with the threshold at the median score (`ProbeStatistics.calibratedAccuracy`).
    public var calibratedAccuracy: Double
    public var disambiguatedCalibratedAccuracy: Double { max(calibratedAccuracy, 1 - calibratedAccuracy) }
    /// AUROC's 95 % bootstrap interval (the truth only).
    public var aurocInterval: ClosedRange<Double>?
    /// Expected calibration error (the truth, for probes whose scores are probabilities).
    public var calibrationError: Double?

    /// Scores `probe` on `data` against `truth` (defaults to the data's labels). Pairs whose target is
    /// −1 are left out, so a feature can score a probe on a subset (e.g. one category) only.
    public init(_ probe: FittedProbe, on data: ProbeData, against truth: [Int]? = nil) {
        self.init(scores: probe.scores(data), threshold: probe.threshold, against: truth ?? data.labels)
    }

    /// Scores already computed scores (one per pair; above `threshold` predicts 1) against `target`,
    /// leaving out pairs whose target is −1.
    public init(scores allScores: [Float], threshold: Float, against all: [Int]) {
        let kept = all.indices.filter { all[$0] >= 0 }
        let target = kept.map { all[$0] }
        let scores = kept.map { allScores[$0] }
        count = kept.count
        let predictions = scores.map { $0 > threshold ? 1 : 0 }
        accuracy = Double(zip(predictions, target).filter { $0 == $1 }.count) / Double(max(target.count, 1))
        auroc = Self.areaUnderROC(scores, target)
        calibratedAccuracy = ProbeStatistics.calibratedAccuracy(scores, target)
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
