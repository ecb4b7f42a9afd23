import Foundation
import SciDLReports
import SciDLTensor

/// One final metric of a sweep's runs at each size, over seeds: every seed's value, their mean and sample
/// standard deviation — what the papers plot as a point per seed around a mean curve.
public struct SeedSpread: Sendable {
    public var sizes: [Double]
    /// Per size, the finished runs' values (one per seed that has finished).
    public var values: [[Double]]
    public var means: [Double] { values.map { $0.filter(\.isFinite).mean } }
    public var deviations: [Double] { values.map { $0.filter(\.isFinite).sampleStandardDeviation } }

    /// `metric` of the runs named `runs(size)` at each size; runs without a result are left out.
    init(sizes: [Int], runs: (Int) -> [String], metric: MetricName, in results: [Sweep.Result]) {
        let byName = Dictionary(results.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.sizes = sizes.map(Double.init)
        values = sizes.map { d in runs(d).compactMap { byName[$0]?[metric] } }
    }

    /// The mean as a line and every seed as a point.
    func series(_ name: String) -> [LinePlot.Series] {
        [
            .init("\(name), mean", Array(zip(sizes, means))),
            .init("\(name), each seed", zip(sizes, values).flatMap { d, vs in vs.map { (d, $0) } }, style: .points),
        ]
    }

    /// "0.712 ± 0.104 (10 seeds)" for size index `i`.
    func describe(_ i: Int) -> String {
        guard !values[i].isEmpty else { return "no finished run" }
        let n = values[i].count
        return String(format: "%.3f ± %.3f", means[i], deviations[i]) + " (\(n) seed\(n == 1 ? "" : "s"))"
    }

    /// For summary.json: sizes, means, deviations and every seed's value.
    var json: [String: Any] {
        ["sizes": sizes, "mean": means, "sd": deviations, "per_seed": values]
    }
}

extension SeedSpread {
    /// What a sweep's summary.json says of its final test accuracies: every run's, and per weight decay the
    /// spread over seeds (`spread(wd)`).
    static func summary(
        _ results: [Sweep.Result], seeds: [UInt64], weightDecays: [Double], spread: (Double) -> SeedSpread
    ) -> [String: Any] {
        var summary: [String: Any] = [
            "seeds": seeds.map { Int($0) },
            "final_test_accuracy": Dictionary(
                uniqueKeysWithValues: results.map { ($0.name, $0[.testAccuracy] ?? .nan) }),
        ]
        for wd in weightDecays {
            summary["final_test_accuracy_over_seeds_wd\(formatNumber(wd))"] = spread(wd).json
        }
        return summary
    }
}
