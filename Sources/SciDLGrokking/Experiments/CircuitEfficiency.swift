import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// The experiments of "Explaining grokking through circuit efficiency" (Varma et al. 2023) on the real
/// networks: the critical dataset size, ungrokking and semi-grokking. Each is a `Sweep` of `GrokRun`s
/// plus an analysis of its `results.csv`.
public enum CircuitEfficiency {
    /// Run names are stable so a re-run finds its finished runs: e.g. `wd1-D2000-random-s0`.
    static func name(weightDecay: Double, size: Int, kind: RunKind, seed: UInt64) -> String {
        "wd\(formatNumber(weightDecay))-D\(size)-\(kind.rawValue)-s\(seed)"
    }

    /// A sweep's run from scratch: `base` at one weight decay on the true or random labels of `size` pairs
    /// with `seed`, named for all four.
    static func plan(
        _ base: GrokConfig, weightDecay: Double, size: Int, kind: RunKind, seed: UInt64
    ) -> Sweep.Plan {
        precondition(kind != .subset, "a subset run continues from a grokked network; it has no plan from scratch")
        var c = base
        c.weightDecay = weightDecay
        c.trainCount = size
        c.randomLabels = kind == .randomLabels
        c.seed = seed
        c.stopAtTestAccuracy = nil
        return Sweep.Plan(name: name(weightDecay: weightDecay, size: size, kind: kind, seed: seed), config: c)
    }

    /// What a sweep run trains on; part of its name.
    enum RunKind: String {
        /// The true labels of D pairs, from scratch.
        case trueLabels = "true"
        /// Random labels of D pairs: only memorisation can fit them.
        case randomLabels = "random"
        /// A random subset of D pairs of a grokked network's training set, continuing from it.
        case subset
    }

    /// Linear interpolation in log D of where y(D) crosses `level`, between the first pair of sizes
    /// that brackets it.
    public static func crossing(sizes: [Double], values: [Double], level: Double) -> Double? {
        let pairs = zip(sizes, values).filter { $0.1.isFinite }.sorted { $0.0 < $1.0 }
        for (a, b) in zip(pairs, pairs.dropFirst()) where (a.1 - level) * (b.1 - level) <= 0 && a.1 != b.1 {
            let t = (level - a.1) / (b.1 - a.1)
            return exp(log(a.0) + t * (log(b.0) - log(a.0)))
        }
        return nil
    }
}

extension GrokConfig {
    /// These settings for one run of a sweep: `steps` long and without the early stop, since a sweep compares
    /// where runs end; a checkpoint at least at the end.
    public func sweepRun(steps: Int) -> GrokConfig {
        var c = self
        c.steps = steps
        c.stopAtTestAccuracy = nil
        c.checkpointEvery = min(c.checkpointEvery, steps)
        return c
    }
}

extension AtomicFile {
    /// Writes a JSON object (sorted keys, indented) atomically.
    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        try write(try jsonData(object), to: url)
    }
}
