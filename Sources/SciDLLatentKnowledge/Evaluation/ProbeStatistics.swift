import SciDLTensor

/// The statistics reported beside accuracy: Burns et al.'s calibrated accuracy, a bootstrap interval for
/// AUROC and the expected calibration error of probabilistic probes.
public enum ProbeStatistics {
    /// Accuracy with the threshold at the median score, so that half the pairs are predicted each way
    /// (Burns et al.'s "calibrated" accuracy: it ignores where the probe puts its threshold). Scores equal to
    /// the median count as below it.
    public static func calibratedAccuracy(_ scores: [Float], _ labels: [Int]) -> Double {
        guard !scores.isEmpty else { return 0 }
        let sorted = scores.sorted()
        let median =
            sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let right = zip(scores, labels).filter { ($0 > median ? 1 : 0) == $1 }.count
        return Double(right) / Double(scores.count)
    }

    /// Expected calibration error over `bins` equal-width bins of the probabilities that x⁺ is true:
    /// Σ (bin size / n) · |share of true pairs − mean probability|.
    public static func expectedCalibrationError(_ probabilities: [Float], _ labels: [Int], bins: Int = 10) -> Double {
        var count = [Int](repeating: 0, count: bins)
        var truths = [Double](repeating: 0, count: bins)
        var confidence = [Double](repeating: 0, count: bins)
        for (p, y) in zip(probabilities, labels) {
            let b = min(max(Int(Double(p) * Double(bins)), 0), bins - 1)
            count[b] += 1
            truths[b] += Double(y)
            confidence[b] += Double(p)
        }
        let n = Double(max(probabilities.count, 1))
        return (0..<bins).filter { count[$0] > 0 }.reduce(0) {
            $0 + abs(truths[$1] - confidence[$1]) / n
        }
    }

    /// The 95 % percentile bootstrap intervals of accuracy (prediction: score above `threshold`) and AUROC:
    /// `resamples` draws of the pairs with replacement, the same draws for both. Each draw's AUROC comes from
    /// one pass over the pairs in score order, weighted by how often the draw took each (ties count half), so
    /// a thousand draws cost about as much as a thousand sums.
    public static func bootstrap(
        _ scores: [Float], _ labels: [Int], threshold: Float, resamples: Int = 1000, seed: UInt64
    ) -> (accuracy: ClosedRange<Double>, auroc: ClosedRange<Double>) {
        let n = scores.count
        guard n >= 2 else {
            let accuracy = ProbeScore.accuracy(scores, threshold, labels)
            return (accuracy...accuracy, 0.5...0.5)
        }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        let hit = scores.indices.map { (scores[$0] > threshold ? 1 : 0) == labels[$0] ? 1.0 : 0.0 }
        // Runs of equal scores, as ranges of `order`.
        var runs: [Range<Int>] = []
        var start = 0
        for i in 1...n where i == n || scores[order[i]] != scores[order[start]] {
            runs.append(start..<i)
            start = i
        }
        var random = SeededGenerator(seed: seed, stream: .bootstrap)
        var count = [Int](repeating: 0, count: n)
        var aurocs: [Double] = []
        var accuracies: [Double] = []
        aurocs.reserveCapacity(resamples)
        accuracies.reserveCapacity(resamples)
        for _ in 0..<resamples {
            for i in 0..<n { count[i] = 0 }
            for _ in 0..<n { count[random.nextInt(below: n)] += 1 }
            var negativesBelow = 0.0
            var pairs = 0.0
            var positives = 0.0
            for run in runs {
                var (p, q) = (0.0, 0.0)
                for k in run {
                    let i = order[k]
                    if labels[i] == 1 { p += Double(count[i]) } else if labels[i] == 0 { q += Double(count[i]) }
                }
                pairs += p * (negativesBelow + q / 2)
                negativesBelow += q
                positives += p
            }
            let negatives = negativesBelow
            aurocs.append(positives > 0 && negatives > 0 ? pairs / (positives * negatives) : 0.5)
            accuracies.append((0..<n).reduce(0.0) { $0 + Double(count[$1]) * hit[$1] } / Double(n))
        }
        func interval(_ values: [Double]) -> ClosedRange<Double> {
            let sorted = values.sorted()
            return sorted[Int(0.025 * Double(resamples))]...sorted[min(Int(0.975 * Double(resamples)), resamples - 1)]
        }
        return (interval(accuracies), interval(aurocs))
    }

    /// The 95 % percentile bootstrap interval of AUROC alone (see `bootstrap`).
    public static func bootstrapAUROC(
        _ scores: [Float], _ labels: [Int], resamples: Int = 1000, seed: UInt64
    ) -> ClosedRange<Double> {
        bootstrap(scores, labels, threshold: 0, resamples: resamples, seed: seed).auroc
    }

    /// The `q`-quantile (0…1) of `values`: the value at the nearest rank to q·(count − 1).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))]
    }
}
